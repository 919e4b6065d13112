"""Attest at scale: load and serve a SYNTHETIC corpus, print one markdown table.

    python benchmarks/scale.py --assertions 10000 [--assertions 100000 …] [--repeat 30] [--out FILE.md]

For each N it writes a synthetic corpus in the curated seed format (every name and
text invented, marked SYNTHETIC), loads it with the real CLI (``attest load``, timed,
with the peak memory of its process tree and the store's size), serves it with the
real ``attest serve --no-load`` on a free 127.0.0.1 port, and times every look-up of
issue 8 over HTTP (one keep-alive client) and, alternately in the same loop, the raw
pyoxigraph query for the same answer on the same store; ``/sparql`` is compared with
``oxigraph serve-read-only`` on that store. Last, a SPARQL update over HTTP (a second
server, with updates allowed) is timed against pyoxigraph's own ``Store.update`` on a
writable copy of the same store (``benchmarks/updates.py``). A look-up the server does
not have (404) shows "n/a". It is a benchmark, not a test: it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
import pyoxigraph
from corpus import Corpus
from corpus import write_corpus
from lookups import Lookup
from lookups import lookups
from measure import Figures
from measure import measure
from measure import p50
from measure import p95
from processes import BenchmarkError
from processes import LoadRun
from processes import Server
from processes import attest
from processes import command
from processes import directory_size
from processes import free_port
from processes import run_load
from processes import stages
from updates import LOOKUP as UPDATE
from updates import measure_updates

REPOSITORY = Path(__file__).resolve().parent.parent


@dataclasses.dataclass
class Result:
    """Everything measured at one corpus size."""

    corpus: Corpus
    load: LoadRun
    stages: list[tuple[str, float]]
    stages_how: str
    store_size: int | None = None
    quads: int | None = None
    error: str | None = None
    lookups: list[tuple[Lookup, Figures]] = dataclasses.field(default_factory=list)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _current_store(data: Path) -> Path | None:
    """The live store directory, as ``data/CURRENT`` names it (see loader/store.py)."""
    try:
        name = (data / "CURRENT").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    path = data / "stores" / name
    return path if name and path.is_dir() else None


def run_one(assertions: int, work: Path, args: argparse.Namespace) -> Result:
    """Generate, load, serve and time the look-ups for one corpus size.

    :raises BenchmarkError: if a command cannot be started or a server does not answer.
    """
    seeds, data = work / "seeds", work / "data"
    log(f"N={assertions:,}: writing the synthetic corpus in {seeds}")
    shutil.rmtree(seeds, ignore_errors=True)  # no stale files from an earlier run
    corpus = write_corpus(seeds, assertions, per_document=args.per_document)
    log(f"N={assertions:,}: attest load")
    load = run_load(attest(seeds, data, "load"))
    (work / "load.log").write_text(
        "".join(f"{at:9.2f} s  {line}\n" for at, line in load.lines), encoding="utf-8"
    )
    found, how = stages(load)
    result = Result(corpus, load, found, how)
    if load.returncode != 0:
        tail = "\n".join(line for _, line in load.lines[-20:])
        result.error = f"attest load exited {load.returncode}"
        log(f"{result.error}:\n{tail}")
        return result
    store_path = _current_store(data)
    if store_path is None:
        result.error = "attest load wrote no store"
        return result
    result.store_size = directory_size(store_path)
    for _, line in reversed(load.lines):
        words = line.split()
        if "quads" in words and words.index("quads") > 0:
            result.quads = int(words[words.index("quads") - 1].replace(",", ""))
            break
    store = pyoxigraph.Store.read_only(str(store_path))
    if result.quads is None:
        result.quads = len(store)
    port = free_port()
    serve = attest(seeds, data, "--port", str(port), "serve", "--no-load")
    log(f"N={assertions:,}: attest serve --no-load on 127.0.0.1:{port}")
    with Server(serve, port, "/api", work / "serve.log") as server:
        oxigraph_server = None
        try:
            oxi_port = free_port()
            oxigraph_server = Server(
                [
                    *command("oxigraph"),
                    "serve-read-only",
                    "--location",
                    str(store_path),
                    "--bind",
                    f"127.0.0.1:{oxi_port}",
                ],
                oxi_port,
                "/query?query=ASK%7B%7D",
                work / "oxigraph.log",
            )
            oxigraph_server.start()
        except BenchmarkError as exc:
            log(f"no oxigraph serve to compare /sparql with: {exc}")
            oxigraph_server = None
        try:
            with httpx.Client(base_url=server.base, timeout=900) as client:
                oxi = (
                    httpx.Client(base_url=oxigraph_server.base, timeout=900)
                    if oxigraph_server
                    else None
                )
                for lookup in lookups(corpus):
                    log(f"N={assertions:,}: {lookup.label}")
                    figures = measure(
                        lookup, client, store, oxi, repeat=args.repeat, budget=args.budget
                    )
                    result.lookups.append((lookup, figures))
                if oxi is not None:
                    oxi.close()
        finally:
            if oxigraph_server is not None:
                oxigraph_server.stop()
    del store
    log(f"N={assertions:,}: {UPDATE.label}")
    updates = measure_updates(seeds, data, store_path, work, repeat=args.repeat, budget=args.budget)
    result.lookups.append((UPDATE, updates))
    return result


# --- the report -------------------------------------------------------------------------


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 0.01:
        return f"{seconds * 1000:.2f} ms"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s" if seconds < 100 else f"{seconds:.0f} s"


def _bytes(size: int | None) -> str:
    if size is None:
        return ""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError:
        return ""


def machine() -> list[str]:
    """Describe the machine, the software and how busy it was, as markdown lines."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in _read("/proc/cpuinfo").splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    memory = next(
        (
            f"{int(line.split()[1]) / 1024**2:.1f} GiB"
            for line in _read("/proc/meminfo").splitlines()
            if line.startswith("MemTotal")
        ),
        "unknown",
    )
    try:
        commit = subprocess.run(
            ["git", "-C", str(REPOSITORY), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    load = " ".join(_read("/proc/loadavg").split()[:3]) or "unknown"
    return [
        f"- run: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, "
        f"commit {commit or 'unknown'}",
        f"- machine: {cpu}, {os.cpu_count()} cores, {memory} RAM; {platform.platform()}",
        f"- software: Python {platform.python_version()}, pyoxigraph {pyoxigraph.__version__}",
        f"- load average at start: {load} — the machine may be shared with other work, "
        "so figures are noisy",
    ]


def report(results: list[Result], args: argparse.Namespace, header: list[str]) -> str:
    """Render every result as one markdown table, with the machine above it."""
    lines = ["# Attest scale benchmark", "", *header]
    for result in results:
        c = result.corpus
        lines.append(
            f"- N={c.assertions:,}: {c.documents:,} documents, {c.entities:,} entities, "
            f"{c.speakers:,} speakers (SYNTHETIC corpus from benchmarks/corpus.py); "
            f"load stages {result.stages_how}; looked up: most cited `{c.most_cited}` "
            f"({c.most_cited_count:,} citations), rarely cited `{c.rarely_cited}` "
            f"({c.rarely_cited_count}), popular triple `{' '.join(c.popular_triple)}` "
            f"({c.popular_count:,} assertions), triple asserted once "
            f"`{' '.join(c.single_triple)}`, speaker `{c.top_speaker}`, document "
            f"`{c.document}`, search `{c.name_query}`, quote search `{c.quote_query}`"
        )
    lines += [
        f"- look-ups: {args.repeat} repetitions after one warm-up, HTTP (keep-alive) and raw "
        "alternately; raw = the core SPARQL of the answer's first page run by pyoxigraph "
        "in-process on the same store (for `/sparql`: `oxigraph serve-read-only` over HTTP; "
        "for the update: `Store.update` in-process on a writable copy of the same store); "
        "ratio = HTTP p50 / raw p50; bytes = one HTTP response; n/a = no such endpoint (404); "
        "(empty answer) / (0 rows) = the look-up found nothing, so its figure means little; "
        "(n=…) = repetitions cut short by the time budget",
        "",
    ]
    head = ["measure"]
    for result in results:
        head += [f"N={result.corpus.assertions:,}: value / HTTP p50", "HTTP p95", "raw p50"]
        head += ["ratio", "bytes"]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "---|" * len(head))

    def value_row(label: str, values: list[str]) -> None:
        cells = [label]
        for value in values:
            cells += [value, "", "", "", ""]
        lines.append("| " + " | ".join(cells) + " |")

    value_row("`attest load` wall time", [_ms(r.load.seconds) for r in results])
    names: list[str] = []
    for result in results:
        names += [name for name, _ in result.stages if name not in names]
    for name in names:
        value_row(
            f"load · {name}",
            [_ms(dict(r.stages).get(name)) if name in dict(r.stages) else "–" for r in results],
        )
    value_row("load · peak RSS (process tree)", [_bytes(r.load.peak_rss) for r in results])
    value_row("store size on disk", [_bytes(r.store_size) or "–" for r in results])
    value_row("quads in the store", [f"{r.quads:,}" if r.quads else "–" for r in results])
    value_row(
        "quads per assertion",
        [f"{r.quads / r.corpus.assertions:.1f}" if r.quads else "–" for r in results],
    )
    rows = [lookup.label for lookup, _ in results[0].lookups] if results else []
    for result in results[1:]:
        rows += [lookup.label for lookup, _ in result.lookups if lookup.label not in rows]
    for row in rows:
        cells = [row]
        for result in results:
            found = [f for lookup, f in result.lookups if lookup.label == row]
            if not found:
                cells += [result.error or "–", "", "", "", ""]
                continue
            cells += _lookup_cells(found[0], args.repeat)
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for result in results:
        if result.error:
            lines.append(f"- N={result.corpus.assertions:,}: {result.error}")
        for lookup, figures in result.lookups:
            if lookup.against_oxigraph_serve and figures.http and figures.raw:
                ours, theirs = p50(figures.http), p50(figures.raw)
                assert ours is not None and theirs is not None
                lines.append(
                    f"- N={result.corpus.assertions:,}: `/sparql` adds "
                    f"{_ms(ours - theirs)} ({(ours / theirs - 1) * 100:+.0f} %) over "
                    "`oxigraph serve` on the same SELECT and store"
                )
    return "\n".join(lines) + "\n"


def _lookup_cells(figures: Figures, repeat: int) -> list[str]:
    short = f" (n={figures.samples})" if figures.samples < repeat else ""
    raw = _ms(p50(figures.raw)) if figures.raw_status == "ok" else figures.raw_status
    if figures.raw_rows == 0 and not figures.raw_status.startswith("error"):
        raw += " (0 rows)"
    if figures.status != "ok":
        return [figures.status, "", raw, "", ""]
    ours, theirs = p50(figures.http), p50(figures.raw)
    ratio = ""
    if ours and theirs:
        ratio = f"{ours / theirs:.1f}×" if ours / theirs < 100 else f"{ours / theirs:,.0f}×"
    size = _bytes(figures.size) + (" (empty answer)" if figures.empty else "")
    return [_ms(ours), _ms(p95(figures.http)) + short, raw, ratio, size]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--assertions",
        type=int,
        action="append",
        help="corpus size; repeat for several (default 10000)",
    )
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per look-up")
    parser.add_argument(
        "--budget", type=float, default=60.0, help="seconds per look-up before repeats stop"
    )
    parser.add_argument("--per-document", type=int, default=100, help="assertions per document")
    parser.add_argument("--out", type=Path, help="also write the markdown to this file")
    parser.add_argument(
        "--workdir", type=Path, help="keep corpora, stores and logs here (default: a temp dir)"
    )
    parser.add_argument("--note", help="a line to print above the table (e.g. what else ran)")
    parser.add_argument(
        "--generate-only", action="store_true", help="write the corpora (needs --workdir), stop"
    )
    args = parser.parse_args(argv)
    sizes = args.assertions or [10_000]
    if any(n < 20 for n in sizes):
        parser.error("--assertions must be at least 20")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.generate_only and args.workdir is None:
        parser.error("--generate-only needs --workdir")
    header = machine()
    if args.note:
        header.append(f"- note: {args.note}")
    with tempfile.TemporaryDirectory(prefix="attest-bench-") as temporary:
        root = args.workdir or Path(temporary)
        if args.generate_only:
            for n in sizes:
                shutil.rmtree(root / f"n{n}" / "seeds", ignore_errors=True)
                write_corpus(root / f"n{n}" / "seeds", n, per_document=args.per_document)
            return 0
        results = []
        try:
            for n in sizes:
                results.append(run_one(n, root / f"n{n}", args))
                if args.workdir is None:  # a million-assertion store is gigabytes
                    shutil.rmtree(root / f"n{n}", ignore_errors=True)
        except BenchmarkError as exc:
            log(f"error: {exc}")
            return 1
    text = report(results, args, header)
    print(text, end="")
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
