"""The attest command, run as a real process."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat
from pyoxigraph import parse

from loader.settings import Settings
from loader.store import open_store
from tests.conftest import graphs_of
from tests.conftest import run_attest

COMMANDS = [
    ["--help"],
    ["load", "--help"],
    ["validate", "--help"],
    ["coverage", "--help"],
    ["export", "--help"],
    ["stats", "--help"],
    ["query", "--help"],
    ["serve", "--help"],
    ["wikidata", "--help"],
    ["wikidata", "refresh", "--help"],
    ["link", "--help"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a) for a in COMMANDS])
def test_every_command_has_help(args: list[str]) -> None:
    result = run_attest(*args)
    assert result.returncode == 0 and "Usage: " in result.stdout


def test_load_shows_progress_and_a_summary(settings: Settings) -> None:
    result = run_attest(
        "--seeds-dir", str(settings.seeds_dir), "--data-dir", str(settings.data_dir), "load"
    )
    assert result.returncode == 0, result.stderr
    assert "built 5/5 assertions" in result.stderr
    # every stage of the load reports its count, not only building
    for line in ("read 2/2 files", "validated 5/5 assertions", "optimized 1/1 stores"):
        assert line in result.stderr
    assert re.search(r"^wrote \d+/\d+ quads", result.stderr, re.M)
    assert re.search(r"^checked (\d+)/\1 SHACL constraints", result.stderr, re.M)
    assert result.stdout.startswith("loaded 5 assertions, 2 documents and 8 entities: ")
    assert (settings.data_dir / "CURRENT").is_file()


@pytest.mark.parametrize(
    ("fmt", "rdf_format", "graphs"),
    [
        ("trig", RdfFormat.TRIG, True),
        ("nquads", RdfFormat.N_QUADS, True),
        ("jsonld", RdfFormat.JSON_LD, True),
        ("turtle", RdfFormat.TURTLE, False),
        ("ntriples", RdfFormat.N_TRIPLES, False),
    ],
)
def test_export_formats(
    seed_settings: Settings, tmp_path: Path, fmt: str, rdf_format: RdfFormat, graphs: bool
) -> None:
    target = tmp_path / f"kg.{fmt}"
    result = run_attest(
        "--data-dir", str(seed_settings.data_dir), "export", "--format", fmt, "-o", str(target)
    )
    assert result.returncode == 0, result.stderr
    exported = graphs_of(parse(path=str(target), format=rdf_format))
    with open_store(seed_settings) as store:
        stored = graphs_of(store.quads())
    if graphs:
        assert {name: len(g) for name, g in exported.items()} == {
            name: len(g) for name, g in stored.items()
        }
    else:
        assert set(exported) == {""} and len(exported[""]) == len(stored[""])


def test_stats_and_report_by_document(seed_settings: Settings) -> None:
    plain = run_attest("--data-dir", str(seed_settings.data_dir), "stats", "--format", "json")
    numbers = json.loads(plain.stdout)
    assert numbers["assertions"] == 338 and numbers["documents"] == 15
    assert numbers["inferred_triples"] > 0 and numbers["claim_triples"] > 338
    assert (
        numbers["triples"]
        == numbers["default_graph_triples"]
        + sum(
            numbers[k] for k in ("claim_triples", "inferred_triples", "background_inferred_triples")
        )
        + numbers["wikidata_triples"]
        + numbers["read_model_triples"]
    )
    assert numbers["read_model_triples"] > numbers["assertions"]
    report = run_attest(
        "--data-dir", str(seed_settings.data_dir), "stats", "--by-document", "--format", "json"
    )
    rows = json.loads(report.stdout)
    assert len(rows) == 5 and sum(row["assertions"] for row in rows) == 338
    analysis = next(row for row in rows if row["title"].startswith("Iran claims"))
    assert (
        analysis["disputes"] >= 1
        and analysis["corroborates"] >= 1
        and analysis["hedged_assertions"] >= 3
    )
    table = run_attest("--data-dir", str(seed_settings.data_dir), "stats", "--by-document").stdout
    assert "speakers" in table.splitlines()[0] and "Second Martyrdom Anniversary" in table


def test_query_prints_a_table_or_the_format_asked(seed_settings: Settings, tmp_path: Path) -> None:
    query = "PREFIX at: <https://w3id.org/attest/ontology#> SELECT ?a WHERE { ?a at:assertedBy <https://w3id.org/attest/entity/masoud-barzani> } ORDER BY ?a"
    table = run_attest("--data-dir", str(seed_settings.data_dir), "query", query)
    assert table.returncode == 0 and table.stdout.rstrip().endswith("(5 rows)")
    as_csv = run_attest(
        "--data-dir", str(seed_settings.data_dir), "query", query, "--format", "csv"
    ).stdout
    assert len(list(csv.DictReader(io.StringIO(as_csv)))) == 5
    file = tmp_path / "q.rq"
    file.write_text(query, encoding="utf-8")
    as_json = json.loads(
        run_attest(
            "--data-dir", str(seed_settings.data_dir), "query", f"@{file}", "--format", "json"
        ).stdout
    )
    assert len(as_json["results"]["bindings"]) == 5
    union = run_attest(
        "--data-dir",
        str(seed_settings.data_dir),
        "query",
        "--union",
        "ASK { <https://w3id.org/attest/entity/united-states> <https://w3id.org/attest/ontology#created> ?o }",
    )
    assert union.stdout.strip() == "yes"


def test_query_mistakes_are_clear(seed_settings: Settings) -> None:
    bad = run_attest("--data-dir", str(seed_settings.data_dir), "query", "SELECT * WHERE {")
    assert (
        bad.returncode == 1
        and "SPARQL syntax error" in bad.stderr
        and "Traceback" not in bad.stderr
    )
    wrong = run_attest(
        "--data-dir", str(seed_settings.data_dir), "query", "ASK {}", "--format", "turtle"
    )
    assert wrong.returncode == 2 and "an ASK answer cannot be written as turtle" in wrong.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--store", "bogus", "stats"], "expected one of oxigraph, memory, remote"),
        (["--port", "abc", "stats"], "--port"),
        (["--store", "remote", "stats"], "store_url is empty"),
        (["--base-iri", "https://example.org/no-slash", "stats"], "ending in '/'"),
        (["frobnicate"], "No such command"),
    ],
)
def test_bad_usage_exits_2_with_a_message(args: list[str], message: str) -> None:
    result = run_attest(*args)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_environment_settings_are_read(seed_settings: Settings) -> None:
    result = run_attest(
        "stats", "--format", "json", env={"ATTEST_DATA_DIR": str(seed_settings.data_dir)}
    )
    assert json.loads(result.stdout)["assertions"] == 338


def test_stats_without_a_store_says_how_to_build_it(tmp_path: Path) -> None:
    result = run_attest("--data-dir", str(tmp_path / "nothing"), "stats")
    assert result.returncode == 1 and "attest load" in result.stderr


def test_coverage_command_on_the_seeds() -> None:
    result = run_attest("coverage")
    assert (
        result.returncode == 0
        and "every sentence naming an entity is covered in 5 document(s)" in result.stdout
    )
