"""Benchmark the loader on synthetic assertions; prints figures, asserts nothing.

    python tests/benchmarks/bench_load.py --assertions 5000

Writes a synthetic seed set (invented entities, one invented text, N assertions
over it; nothing here is a real source) to a temporary directory, then times
each stage of a load: read + validate, build with per-assertion inference,
SHACL on the default graph, and the atomic write to an on-disk store.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from pyoxigraph import Store

from loader import pipeline
from loader.settings import resolve

RELATIONS = ("armed", "created", "supported", "fought", "met", "killed", "commanded")


def write_seeds(root: Path, assertions: int, entities: int = 200) -> None:
    (root / "texts").mkdir(parents=True)
    (root / "entities").mkdir()
    (root / "documents").mkdir()
    lines = [
        f"Sentence {i}: Agent {i % entities} acted on Agent {(i * 7 + 1) % entities}, line {i}."
        for i in range(assertions)
    ]
    (root / "texts" / "synthetic.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    people = "\n".join(
        f"  - id: agent-{i}\n    type: {'Person' if i % 2 else 'Organization'}\n    label: Agent {i}"
        for i in range(entities)
    )
    (root / "entities" / "synthetic.yaml").write_text(
        "# SYNTHETIC benchmark data\nentities:\n" + people + "\n", encoding="utf-8"
    )
    items = []
    for i in range(assertions):
        relation = RELATIONS[i % len(RELATIONS)]
        subject, obj = i % entities, (i * 7 + 1) % entities
        if relation in ("killed", "commanded"):
            relation = "supported"
        items.append(
            f"  - id: a-{i}\n    claim: [[agent-{subject}, {relation}, agent-{obj}]]\n"
            f"    speaker: agent-{(i * 3) % entities}\n    quote: 'Sentence {i}: Agent'\n"
        )
    document = (
        "documents:\n  - id: synthetic\n    kind: Article\n    title: Synthetic benchmark text\n"
        "    text: texts/synthetic.txt\nassertions:\n" + "".join(items)
    )
    (root / "documents" / "synthetic.yaml").write_text(document, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assertions", type=int, default=2000)
    parser.add_argument("--no-shacl", action="store_true", help="skip the SHACL stage")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        write_seeds(root / "seeds", args.assertions)
        settings = resolve({"seeds_dir": root / "seeds", "data_dir": root / "data"}, environ={})
        figures = []
        start = time.perf_counter()
        prepared = pipeline.prepare(settings)
        figures.append(("read + validate", time.perf_counter() - start))
        start = time.perf_counter()
        quads = list(pipeline.quads_of(prepared))
        figures.append(("build + infer", time.perf_counter() - start))
        staged = Store()
        staged.extend(quads)
        if not args.no_shacl:
            start = time.perf_counter()
            pipeline._shacl_check(prepared)(staged)
            figures.append(("SHACL (default graph)", time.perf_counter() - start))
        start = time.perf_counter()
        from loader.store import OxigraphStore

        OxigraphStore(settings.data_dir, writable=True).replace(iter(quads))
        figures.append(("write on-disk store", time.perf_counter() - start))
        inferred = sum(1 for q in quads if str(q.graph_name).endswith("/inferred>"))
        print(
            f"{args.assertions} assertions, {len(quads)} quads, {inferred} of them inferred from claims"
        )
        for name, seconds in figures:
            rate = args.assertions / seconds if seconds else float("inf")
            print(f"  {name:<24} {seconds:8.2f} s  {rate:10.0f} assertions/s")


if __name__ == "__main__":
    main()
