"""Benchmark the loader on synthetic assertions; prints figures, asserts nothing.

    python tests/benchmarks/bench_load.py --assertions 5000

Writes a synthetic seed set (invented entities, invented texts of 100 assertions
each by default, N assertions in all; nothing here is a real source) to a temporary directory, then runs the
real load into an on-disk store and prints each stage's wall and CPU time (from
the load's own progress reports), quads per assertion, store size and peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from loader import pipeline
from loader.settings import resolve

RELATIONS = ("armed", "created", "supported", "fought", "met", "killed", "commanded")


def write_seeds(
    root: Path, assertions: int, entities: int = 200, per_document: int | None = 100
) -> None:
    """Write N invented assertions, *per_document* to an invented text (None: one text)."""
    (root / "texts").mkdir(parents=True)
    (root / "entities").mkdir()
    (root / "documents").mkdir()
    people = "\n".join(
        f"  - id: agent-{i}\n    type: {'Person' if i % 2 else 'Organization'}\n    label: Agent {i}"
        for i in range(entities)
    )
    (root / "entities" / "synthetic.yaml").write_text(
        "# SYNTHETIC benchmark data\nentities:\n" + people + "\n", encoding="utf-8"
    )
    size = per_document or max(1, assertions)
    for first in range(0, assertions, size):
        numbers = range(first, min(first + size, assertions))
        name = f"synthetic-{first // size:05d}"
        lines = [
            f"Sentence {i}: Agent {i % entities} acted on Agent {(i * 7 + 1) % entities}, line {i}."
            for i in numbers
        ]
        (root / "texts" / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        items = []
        for i in numbers:
            relation = RELATIONS[i % len(RELATIONS)]
            subject, obj = i % entities, (i * 7 + 1) % entities
            if relation in ("killed", "commanded"):
                relation = "supported"
            items.append(
                f"  - id: a-{i}\n    claim: [[agent-{subject}, {relation}, agent-{obj}]]\n"
                f"    speaker: agent-{(i * 3) % entities}\n    quote: 'Sentence {i}: Agent'\n"
            )
        document = (
            f"# SYNTHETIC benchmark data\ndocuments:\n  - id: {name}\n    kind: Article\n"
            f"    title: Synthetic benchmark text {name}\n    text: texts/{name}.txt\n"
            "assertions:\n" + "".join(items)
        )
        (root / "documents" / f"{name}.yaml").write_text(document, encoding="utf-8")


class _Recorder:
    """A load progress callback that remembers when each stage started and ended."""

    def __init__(self) -> None:
        self.first: dict[str, tuple[float, float]] = {}
        self.last: dict[str, tuple[float, float, int, float]] = {}

    def __call__(self, done: int, total: int, stage: str = "building") -> None:
        now = (time.perf_counter(), time.process_time())
        self.first.setdefault(stage, now)
        self.last[stage] = (*now, done, _peak())


def _peak() -> float:
    """Peak resident set size so far, MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assertions", type=int, default=2000)
    parser.add_argument(
        "--per-document", type=int, default=100, help="assertions per text (0: all in one)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        write_seeds(root / "seeds", args.assertions, per_document=args.per_document or None)
        settings = resolve({"seeds_dir": root / "seeds", "data_dir": root / "data"}, environ={})
        recorder = _Recorder()
        wall, cpu = time.perf_counter(), time.process_time()
        report = pipeline.load(settings, progress=recorder)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        peak = _peak()
        print(
            f"{args.assertions} assertions: {report.quads} quads "
            f"({report.quads / args.assertions:.1f} per assertion), "
            f"store {_size(root / 'data') / 2**20:.0f} MiB, peak RSS {peak:.0f} MiB"
        )
        print(f"  {'stage':<12} {'wall s':>8} {'cpu s':>8} {'peak MiB':>9}  count")
        for stage, (first_wall, first_cpu) in recorder.first.items():
            last_wall, last_cpu, done, rss = recorder.last[stage]
            print(
                f"  {stage:<12} {last_wall - first_wall:8.2f} {last_cpu - first_cpu:8.2f}"
                f" {rss:9.0f}  {done}"
            )
        print(
            f"  {'total':<12} {wall:8.2f} {cpu:8.2f}  ({args.assertions / wall:.0f} assertions/s)"
        )
        print("  (building and writing overlap: the quads stream into the bulk loader)")


if __name__ == "__main__":
    main()
