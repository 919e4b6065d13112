"""The scale benchmark runs end to end at a tiny size; no timing is asserted.

``benchmarks/scale.py`` is run as a user runs it (a subprocess: it writes a
synthetic corpus, loads it with ``attest load``, serves it with ``attest serve``
and ``oxigraph serve-read-only``); the test checks the table it prints has every
row, that every look-up was answered or reported "n/a", and that the synthetic
corpus passes ``attest validate`` and is marked SYNTHETIC everywhere.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent
SCRIPT = REPOSITORY / "benchmarks" / "scale.py"
ATTEST = Path(sys.executable).parent / "attest"

LOAD_ROWS = [
    "`attest load` wall time",
    "load · peak RSS (process tree)",
    "store size on disk",
    "quads in the store",
    "quads per assertion",
]
LOOKUP_ROWS = [
    "`/api/provenance`, triple asserted once",
    "`/api/provenance`, popular triple",
    "`/api/entities/<id>`, rarely cited",
    "`/api/entities/<id>`, most cited",
    "`/entity/<id>` HTML, most cited",
    "`/api/speakers/<id>`",
    "`/api/documents/<id>`",
    "`/api/contested`",
    "`/api/search?q=",
    "`/api/quotes?q=",
    "`/api/timeline`",
    "`/api/entities/<id>/neighbours`",
    "home page `/`",
    "`/sparql` vs `oxigraph serve`",
    "`/sparql` update",
]
DURATION = re.compile(r"^\d+(\.\d+)? (ms|s)$")


def _rows(table: str) -> dict[str, list[str]]:
    rows = {}
    for line in table.splitlines():
        if line.startswith("| ") and not line.startswith("| measure"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            rows[cells[0]] = cells[1:]
    return rows


def _row(rows: dict[str, list[str]], prefix: str) -> list[str]:
    found = [cells for label, cells in rows.items() if label.startswith(prefix)]
    assert len(found) == 1, f"no single row starting {prefix!r} in {list(rows)}"
    return found[0]


@pytest.mark.slow
def test_benchmark_prints_every_row_and_its_corpus_validates(tmp_path: Path) -> None:
    out = tmp_path / "bench.md"
    work = tmp_path / "work"
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--assertions", "300", "--repeat", "3"]
        + ["--workdir", str(work), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    printed = run.stdout
    assert out.read_text(encoding="utf-8") == printed
    assert "machine:" in printed and "pyoxigraph" in printed and "cores" in printed

    rows = _rows(printed)
    header = next(line for line in printed.splitlines() if line.startswith("| measure"))
    assert "N=300" in header
    for label in LOAD_ROWS:
        value = _row(rows, label)[0]
        assert value not in ("", "–"), f"{label}: {value!r}"
    assert DURATION.match(_row(rows, "`attest load` wall time")[0])
    assert float(_row(rows, "quads per assertion")[0]) > 1
    for label in LOOKUP_ROWS:
        http_p50, http_p95, raw_p50, ratio, size = _row(rows, label)
        # Answered (a time) or not built yet (n/a); never an error or a 5xx; the raw
        # query ran and found rows ("… (0 rows)" would not match).
        assert http_p50 == "n/a" or DURATION.match(http_p50), f"{label}: {http_p50!r}"
        assert DURATION.match(raw_p50), f"{label}: raw {raw_p50!r}"
        if http_p50 != "n/a":
            assert DURATION.match(http_p95) and ratio.endswith("×") and size, label
            # Each look-up asks for something the corpus has: timing an empty answer is moot.
            assert "empty" not in size, f"{label}: {size}"

    seeds = work / "n300" / "seeds"
    validate = subprocess.run(
        [str(ATTEST), "--seeds-dir", str(seeds), "--data-dir", str(tmp_path / "v"), "validate"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert validate.returncode == 0, validate.stdout + validate.stderr
    assert validate.stdout.startswith("ok:") and "300 assertions" in validate.stdout
    for path in [*seeds.glob("texts/*.txt"), *seeds.glob("**/*.yaml")]:
        assert path.read_text(encoding="utf-8").lstrip("# ").startswith("SYNTHETIC"), path
    assert all(
        "title: 'SYNTHETIC" in path.read_text(encoding="utf-8")
        for path in seeds.glob("documents/*.yaml")
    )
