"""Mutation testing of Attest's core modules with cosmic-ray, under a time budget.

Usage (from the repository root, with the dev extra installed)::

    .venv/bin/python tests/mutation/run.py                  # the default modules
    .venv/bin/python tests/mutation/run.py loader/iris.py   # one module
    .venv/bin/python tests/mutation/run.py --list           # modules and their tests
    .venv/bin/python tests/mutation/run.py --budget 900     # seconds per module

For each module it copies the repository into a scratch directory (so the
worktree is never mutated), makes cosmic-ray mutate that copy's module one
mutant at a time, and runs only the in-process tests that cover the module
(Flask's test client, the loader's API). Tests that start an ``attest serve``
subprocess are left out on purpose: that subprocess imports the installed
package, not the mutated copy, so it would let mutants survive wrongly.

It prints, per module and overall, the score

    killed / (mutants - reviewed equivalents)

and the surviving mutants. Reviewed equivalent mutants, with the reason each is
equivalent, are listed in ``tests/mutation/equivalents.toml``. Mutants left
unrun when a module's budget ran out are reported as such (run again with a
larger ``--budget``). Not part of the CI run: it is slow.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
EQUIVALENTS = HERE / "equivalents.toml"

# Module → the in-process tests that cover it. Never list a test that starts a
# server subprocess (live_server, http, start_server, run_attest).
MODULES: dict[str, list[str]] = {
    "loader/iris.py": ["tests/test_iris.py", "tests/test_paging.py"],
    "loader/errors.py": ["tests/test_errors.py", "tests/test_shapes.py"],
    "loader/infer.py": ["tests/test_infer_rules.py"],
    "loader/stats.py": ["tests/test_stats.py"],
    "loader/coverage.py": ["tests/test_coverage_rules.py"],
    "loader/ontology.py": ["tests/test_ontology.py", "tests/test_infer_rules.py"],
    # Core modules being rewritten when this was set up: run them once they settle.
    "loader/quotes.py": ["tests/test_quotes.py", "tests/test_coverage_rules.py"],
    "loader/shacl.py": ["tests/test_shapes.py"],
    "loader/store.py": ["tests/test_atomicity.py", "tests/test_stats.py"],
    "server/api.py": ["tests/test_paging.py", "tests/test_limits.py"],
    "server/reconcile.py": ["tests/test_limits.py"],
}
# Run by default: modules nobody else was rewriting when this was set up.
DEFAULT = [
    "loader/iris.py",
    "loader/errors.py",
    "loader/infer.py",
    "loader/stats.py",
    "loader/coverage.py",
    "loader/ontology.py",
]

# Operators left out: the many-way replacements of one operator by every other
# (x + y → x ** y, x < y → x is y, …) mostly make mutants that any test kills
# or that cannot run; one natural flip per operator is kept, as mutmut does.
_KEEP_BINARY = {
    "Add_Sub",
    "Sub_Add",
    "Mul_Div",
    "Div_Mul",
    "FloorDiv_Mul",
    "Mod_FloorDiv",
    "BitOr_BitAnd",
    "BitAnd_BitOr",
}
_KEEP_COMPARISON = {
    "Eq_NotEq",
    "NotEq_Eq",
    "Lt_LtE",
    "LtE_Lt",
    "Gt_GtE",
    "GtE_Gt",
    "Is_IsNot",
    "IsNot_Is",
    "In_NotIn",
    "NotIn_In",
}
EXCLUDED_OPERATORS = [
    r"core/ReplaceBinaryOperator_(?!(" + "|".join(sorted(_KEEP_BINARY)) + r")$)",
    r"core/ReplaceComparisonOperator_(?!(" + "|".join(sorted(_KEEP_COMPARISON)) + r")$)",
    r"core/ReplaceUnaryOperator_(?!(USub_UAdd|Delete_Not)$)",
    # Random variable swaps: not reproducible from run to run.
    r"core/VariableReplacer",
    r"core/VariableInserter",
]

KILLED_OUTCOMES = {"killed", "incompetent"}


@dataclasses.dataclass
class Mutant:
    module: str
    line: int
    operator: str
    occurrence: int
    source_line: str
    column: int
    outcome: str  # killed, survived, timeout, incompetent, not run, skipped
    diff: str
    output: str = ""  # the end of the test run's output, to see why a mutant was killed

    @property
    def label(self) -> str:
        return f"{self.module}:{self.line} {self.operator} #{self.occurrence}"


@dataclasses.dataclass
class Score:
    module: str
    mutants: list[Mutant]
    equivalents: int
    seconds: float

    @property
    def run(self) -> list[Mutant]:
        return [m for m in self.mutants if m.outcome not in ("not run", "skipped")]

    @property
    def killed(self) -> int:
        return sum(1 for m in self.run if m.outcome in ("killed", "incompetent", "timeout"))

    @property
    def survivors(self) -> list[Mutant]:
        return [m for m in self.run if m.outcome == "survived"]

    @property
    def not_run(self) -> int:
        return sum(1 for m in self.mutants if m.outcome == "not run")

    @property
    def denominator(self) -> int:
        return len(self.run) - self.equivalents

    @property
    def value(self) -> float:
        return self.killed / self.denominator if self.denominator else 1.0


def load_equivalents() -> list[dict[str, str]]:
    """Reviewed equivalent mutants: module, operator, the mutated source line, reason."""
    if not EQUIVALENTS.exists():
        return []
    with EQUIVALENTS.open("rb") as handle:
        entries: list[dict[str, str]] = tomllib.load(handle).get("equivalent", [])
    for entry in entries:
        missing = {"module", "operator", "line", "reason"} - set(entry)
        if missing or not entry["reason"].strip():
            raise SystemExit(f"{EQUIVALENTS}: entry {entry} needs {sorted(missing) or 'a reason'}")
    return entries


def _is_equivalent(mutant: Mutant, entries: list[dict[str, str]]) -> bool:
    return any(
        e["module"] == mutant.module
        and e["operator"] == mutant.operator
        and e["line"].strip() == mutant.source_line
        and int(e.get("occurrence", mutant.occurrence)) == mutant.occurrence
        for e in entries
    )


def annotation_spans(source: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Where *source*'s type annotations are, if it never evaluates them.

    Under ``from __future__ import annotations`` an annotation is a string that
    nothing here evaluates, so a mutant inside one (``str | None`` → ``str & None``)
    is equivalent by construction.
    """
    tree = ast.parse(source)
    postponed = any(
        isinstance(node, ast.ImportFrom)
        and node.module == "__future__"
        and any(alias.name == "annotations" for alias in node.names)
        for node in tree.body
    )
    if not postponed:
        return []
    annotations: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.arg) and node.annotation is not None:
            annotations.append(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns:
            annotations.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            annotations.append(node.annotation)
    return [
        ((a.lineno, a.col_offset), (a.end_lineno or a.lineno, a.end_col_offset or 0))
        for a in annotations
    ]


def _in_annotation(
    position: tuple[int, int], spans: list[tuple[tuple[int, int], tuple[int, int]]]
) -> bool:
    return any(start <= position < end for start, end in spans)


def _copy_project(target: Path) -> Path:
    ignore = shutil.ignore_patterns(
        ".git", ".venv", "__pycache__", "data", "mutants", ".mypy_cache", ".ruff_cache", "*.pyc"
    )
    shutil.copytree(ROOT, target, ignore=ignore)
    return target


def _test_command(tests: list[str]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pytest",
        "-x",
        "-q",
        "-p",
        "no:cacheprovider",
        "-m",
        "not slow and not browser",
        *tests,
    ]


def _config(module: str, tests: list[str], timeout: float) -> str:
    # cosmic-ray splits the command with shlex: quote it the same way.
    command = shlex.join(_test_command(tests))
    excluded = ", ".join(json.dumps(pattern) for pattern in EXCLUDED_OPERATORS)
    return (
        "[cosmic-ray]\n"
        f"module-path = {json.dumps(module)}\n"
        f"timeout = {timeout:.0f}\n"
        "excluded-modules = []\n"
        f"test-command = {json.dumps(command)}\n"
        "[cosmic-ray.distributor]\n"
        'name = "local"\n'
        "[cosmic-ray.filters.operators-filter]\n"
        f"exclude-operators = [{excluded}]\n"
    )


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATTEST_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _tool(name: str) -> str:
    found = Path(sys.executable).parent / name
    return str(found) if found.exists() else name


def _run(args: list[str], cwd: Path, timeout: float | None = None) -> int:
    """Run a command niced in its own process group; kill the group at *timeout*."""
    process = subprocess.Popen(
        ["nice", "-n", "10", *args],
        cwd=cwd,
        env=_environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        _, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return -1
    if process.returncode not in (0, 1) and err:
        sys.stderr.write(err.decode("utf-8", "replace")[-2000:])
    return process.returncode


def _read_results(copy: Path, session: Path, module: str, source: list[str]) -> list[Mutant]:
    dumped = subprocess.run(
        [_tool("cosmic-ray"), "dump", str(session)],
        cwd=copy,
        capture_output=True,
        text=True,
        check=True,
        env=_environment(),
    ).stdout
    mutants = []
    for line in dumped.splitlines():
        item, result = json.loads(line)
        [mutation] = item["mutations"]
        line_no = int(mutation["start_pos"][0])
        column = int(mutation["start_pos"][1])
        if result is None:
            outcome = "not run"
        elif result["worker_outcome"] == "skipped":
            outcome = "skipped"
        elif result["worker_outcome"] == "timeout":
            outcome = "timeout"
        elif result["worker_outcome"] in ("exception", "abnormal"):
            outcome = "incompetent"
        else:
            outcome = str(result["test_outcome"])
        mutants.append(
            Mutant(
                module=module,
                line=line_no,
                operator=mutation["operator_name"],
                occurrence=int(mutation["occurrence"]),
                source_line=source[line_no - 1].strip() if line_no <= len(source) else "",
                column=column,
                outcome=outcome,
                diff=(result or {}).get("diff") or "",
                output=((result or {}).get("output") or "")[-1500:],
            )
        )
    return mutants


def mutate(module: str, budget: float, scratch: Path, entries: list[dict[str, str]]) -> Score:
    """Mutate *module* in a copy of the project; run its tests on each mutant within *budget* s."""
    started = time.monotonic()
    tests = MODULES[module]
    copy = _copy_project(scratch / module.replace("/", "_"))
    baseline_start = time.monotonic()
    if _run(_test_command(tests), copy) != 0:
        raise SystemExit(f"{module}: its tests fail before any mutation: {' '.join(tests)}")
    baseline = time.monotonic() - baseline_start
    config = copy / "mutation.toml"
    session = copy / "mutation.sqlite"
    config.write_text(_config(module, tests, max(30.0, 4 * baseline)), encoding="utf-8")
    # The same command, run the way cosmic-ray runs it, must pass on unmutated code:
    # otherwise every mutant would count as killed.
    if _run([_tool("cosmic-ray"), "baseline", str(config)], copy) != 0:
        raise SystemExit(f"{module}: cosmic-ray's baseline run of the tests fails")
    subprocess.run(
        [_tool("cosmic-ray"), "init", str(config), str(session)],
        cwd=copy,
        check=True,
        env=_environment(),
    )
    subprocess.run(
        [_tool("cr-filter-operators"), str(session), str(config)],
        cwd=copy,
        check=True,
        env=_environment(),
    )
    remaining = budget - (time.monotonic() - started)
    if remaining > 0:
        _run([_tool("cosmic-ray"), "exec", str(config), str(session)], copy, timeout=remaining)
    text = (ROOT / module).read_text(encoding="utf-8")
    mutants = _read_results(copy, session, module, text.splitlines())
    spans = annotation_spans(text)
    equivalents = 0
    for mutant in mutants:
        if mutant.outcome != "survived":
            continue
        if _in_annotation((mutant.line, mutant.column), spans):
            mutant.outcome = "equivalent"
            mutant.output = (
                "a type annotation, never evaluated (from __future__ import annotations)"
            )
            equivalents += 1
        elif _is_equivalent(mutant, entries):
            mutant.outcome = "equivalent"
            equivalents += 1
    score = Score(module, mutants, equivalents, time.monotonic() - started)
    return score


def report(scores: list[Score]) -> str:
    lines = [
        f"mutation testing, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} (cosmic-ray)",
        "",
        f"{'module':<22} {'mutants':>7} {'killed':>6} {'survived':>8} {'equiv.':>6} "
        f"{'not run':>7} {'score':>7} {'time':>6}",
    ]
    for s in scores:
        lines.append(
            f"{s.module:<22} {len(s.run):>7} {s.killed:>6} {len(s.survivors):>8} "
            f"{s.equivalents:>6} {s.not_run:>7} {s.value:>7.1%} {s.seconds:>5.0f}s"
        )
    killed = sum(s.killed for s in scores)
    denominator = sum(s.denominator for s in scores)
    overall = killed / denominator if denominator else 1.0
    lines.append(
        f"{'overall':<22} {sum(len(s.run) for s in scores):>7} {killed:>6} "
        f"{sum(len(s.survivors) for s in scores):>8} {sum(s.equivalents for s in scores):>6} "
        f"{sum(s.not_run for s in scores):>7} {overall:>7.1%}"
    )
    timeouts = sum(1 for s in scores for m in s.run if m.outcome == "timeout")
    incompetent = sum(1 for s in scores for m in s.run if m.outcome == "incompetent")
    lines.append("")
    lines.append("score = killed / (mutants - reviewed equivalents)")
    lines.append(
        f"killed includes {timeouts} timeouts and {incompetent} mutants that crashed the run"
    )
    survivors = [m for s in scores for m in s.survivors]
    if survivors:
        lines += ["", f"surviving mutants ({len(survivors)}):"]
        for mutant in survivors:
            lines.append(f"  {mutant.label}: {mutant.source_line}")
            changed = [
                d for d in mutant.diff.splitlines() if d.startswith(("+", "-")) and d[1:2] != d[0]
            ]
            lines += [f"      {d}" for d in changed[:4]]
    if any(s.not_run for s in scores):
        lines += ["", "some mutants were not run within the budget: results are partial"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="module paths (default: %(default)s)")
    parser.add_argument("--budget", type=float, default=1200, help="seconds per module")
    parser.add_argument("--list", action="store_true", help="list modules and their tests")
    parser.add_argument("--json", type=Path, help="also write the mutants as JSON here")
    parser.add_argument(
        "--keep", type=Path, help="work in this directory and keep it (sessions, copies)"
    )
    args = parser.parse_args(argv)
    if args.list:
        for module, tests in MODULES.items():
            mark = "*" if module in DEFAULT else " "
            print(f"{mark} {module}: {' '.join(tests)}")
        return 0
    modules = args.modules or DEFAULT
    unknown = [m for m in modules if m not in MODULES]
    if unknown:
        parser.error(f"no tests are listed for {', '.join(unknown)}; add them to MODULES")
    entries = load_equivalents()
    scores = []
    with tempfile.TemporaryDirectory(prefix="attest-mutation-") as temporary:
        scratch = Path(temporary)
        if args.keep is not None:
            scratch = args.keep
            scratch.mkdir(parents=True, exist_ok=True)
            for module in modules:
                shutil.rmtree(scratch / module.replace("/", "_"), ignore_errors=True)
        for module in modules:
            print(f"mutating {module} (budget {args.budget:.0f} s) …", flush=True)
            scores.append(mutate(module, args.budget, scratch, entries))
    print(report(scores))
    if args.json:
        args.json.write_text(
            json.dumps([dataclasses.asdict(m) for s in scores for m in s.mutants], indent=1),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
