"""Wikidata: verified links, the local cache (against a stand-in API), link suggestions, federation."""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pyoxigraph import QuerySolutions

from loader import pipeline
from loader.seeds import read_seeds
from loader.settings import PROJECT_DIR
from loader.settings import Settings
from loader.settings import resolve
from loader.store import open_store
from tests import wikidata_standin
from tests.conftest import Server
from tests.conftest import free_port
from tests.conftest import run_attest
from tests.conftest import running_oxigraph
from tests.conftest import start_server
from tests.conftest import stop

WD = "http://www.wikidata.org/entity/"
KINDS = {
    "Person": {"Person"},
    "Organization": {"Organization"},
    "Place": {"Place", "Country"},
    "Operation": {"Operation"},
    "Event": {"Event", "Operation"},
    "Other": {"Office", "Concept", "Group", "Award"},
}


def _verified() -> dict[str, dict[str, str]]:
    with (PROJECT_DIR / "seeds" / "wikidata" / "verified.tsv").open(encoding="utf-8") as handle:
        return {row["qid"]: row for row in csv.DictReader(handle, delimiter="\t")}


def test_every_linked_item_is_verified_well_formed_and_of_a_fitting_kind() -> None:
    verified = _verified()
    assert all(row["evidence"].strip() for row in verified.values()), (
        "every verified id cites its evidence"
    )
    linked = [e for e in read_seeds(PROJECT_DIR / "seeds").entities if e.wikidata]
    assert len(linked) > 60
    for entity in linked:
        assert re.fullmatch(r"Q[1-9][0-9]*", entity.wikidata or ""), entity.id
        row = verified.get(entity.wikidata or "")
        assert row is not None, f"{entity.id}: {entity.wikidata} has no evidence in verified.tsv"
        assert entity.type in KINDS[row["kind"]], (
            f"{entity.id} is a {entity.type} but {entity.wikidata} is a {row['kind']}"
        )
    items = [e.wikidata for e in linked]
    assert len(items) == len(set(items)), "two entities link the same item"


def test_items_are_stored_in_wikidatas_canonical_entity_form(seed_settings: Settings) -> None:
    with open_store(seed_settings) as store:
        rows = store.query(
            "SELECT ?item WHERE { ?e <https://w3id.org/attest/ontology#wikidataItem> ?item }"
        )
        assert isinstance(rows, QuerySolutions)
        items = [row["item"].value for row in rows]
    assert items and all(
        re.fullmatch(r"http://www\.wikidata\.org/entity/Q[1-9][0-9]*", item) for item in items
    )


def test_ontology_alignments_use_checked_wikidata_terms(seed_settings: Settings) -> None:
    with (PROJECT_DIR / "ontology" / "wikidata-terms.tsv").open(encoding="utf-8") as handle:
        checked = {row["id"] for row in csv.DictReader(handle, delimiter="\t")}
    with open_store(seed_settings) as store:
        rows = store.query(
            "PREFIX at: <https://w3id.org/attest/ontology#> "
            "SELECT ?term ?wd WHERE { ?term at:wikidataClass|at:wikidataProperty ?wd }"
        )
        assert isinstance(rows, QuerySolutions)
        used = {row["wd"].value.removeprefix(WD) for row in rows}
    assert used and used <= checked


def test_claims_can_be_found_with_wikidata_property_ids(http: httpx.Client) -> None:
    """Claims that use the relation equivalent to Wikidata's 'founded by' (P112), and 'conflict' (P607)."""
    query = """PREFIX at: <https://w3id.org/attest/ontology#>
    PREFIX wd: <http://www.wikidata.org/entity/>
    SELECT DISTINCT ?relation ?s ?o WHERE {
      ?relation at:wikidataProperty ?property .
      ?assertion at:claim|at:inferred ?g .
      GRAPH ?g { ?s ?relation ?o }
    }"""
    for pid, local in (("P112", "foundedBy"), ("P607", "foughtIn")):
        answer = http.get(
            "/sparql", params={"query": query.replace("?property", f"wd:{pid}")}
        ).json()
        relations = {b["relation"]["value"] for b in answer["results"]["bindings"]}
        assert relations == {f"https://w3id.org/attest/ontology#{local}"}


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    target = tmp_path / "seeds"
    shutil.copytree(PROJECT_DIR / "seeds", target)
    (target / "wikidata" / "cache.json").unlink(missing_ok=True)
    return target


def test_refresh_writes_what_the_api_returned_and_load_keeps_it_apart(
    seeds_copy: Path, tmp_path: Path
) -> None:
    with wikidata_standin.running() as (api, app):
        result = run_attest(
            "--seeds-dir", str(seeds_copy), "--wikidata-api", api, "wikidata", "refresh"
        )
    assert result.returncode == 0, result.stderr
    linked = {e.wikidata for e in read_seeds(seeds_copy).entities if e.wikidata}
    assert all("wbgetentities" in r["action"] for r in app.requests)
    requested = {q for r in app.requests for q in r["ids"][0].split("|")}
    assert requested == linked
    assert "Q3042087 does not exist on Wikidata" in result.stderr
    assert "Q130879 now redirects to Q900130" in result.stderr
    cache = json.loads((seeds_copy / "wikidata" / "cache.json").read_text(encoding="utf-8"))
    assert cache["source"] == api and cache["languages"] == ["en", "fa", "ar"]
    soleimani = cache["entities"]["Q892014"]
    assert soleimani["labels"] == {
        "en": "Fixture label of Q892014",
        "fa": "برچسب آزمایشی Q892014",
        "ar": "تسمية تجريبية Q892014",
    }
    assert soleimani["statements"]["P31"] == ["Q5"], "deprecated statements are left out"
    assert soleimani["statements"]["P569"] == [{"value": "1900-01-01", "datatype": "date"}]
    assert soleimani["statements"]["P570"] == [{"value": "1901", "datatype": "gYear"}]
    assert cache["entities"]["Q1530"]["statements"]["P625"] == [
        {"latitude": 10.5, "longitude": 20.25}
    ]
    assert "Q3042087" not in cache["entities"]

    settings = resolve({"seeds_dir": seeds_copy, "data_dir": tmp_path / "data"}, environ={})
    pipeline.load(settings)
    with open_store(settings) as store:
        graph = "https://w3id.org/attest/graph/wikidata"
        rows = store.query(f"SELECT ?p ?o WHERE {{ GRAPH <{graph}> {{ <{WD}Q892014> ?p ?o }} }}")
        assert isinstance(rows, QuerySolutions)
        values = {(row["p"].value, row["o"].value) for row in rows}
        assert ("http://www.wikidata.org/prop/direct/P569", "1900-01-01") in values
        assert bool(
            store.query(
                f"ASK {{ <{graph}> a <https://w3id.org/attest/ontology#WikidataCache> ; <http://purl.org/dc/terms/source> <{api}> }}"
            )
        )
        assert not bool(store.query(f"ASK {{ <{WD}Q892014> ?p ?o }}")), (
            "Wikidata's data stays out of the default graph"
        )
        claims_with_wikidata_subjects = store.query(
            "ASK { ?a <https://w3id.org/attest/ontology#claim> ?g . GRAPH ?g { ?s ?p ?o } FILTER STRSTARTS(STR(?s), 'http://www.wikidata.org/') }"
        )
        assert not bool(claims_with_wikidata_subjects)


def test_refresh_offline_fails_clearly_and_keeps_the_cache(seeds_copy: Path) -> None:
    cache = seeds_copy / "wikidata" / "cache.json"
    cache.write_text('{"entities": {}, "source": "earlier"}\n', encoding="utf-8")
    before = cache.read_bytes()
    port = free_port()  # nothing listens there
    result = run_attest(
        "--seeds-dir",
        str(seeds_copy),
        "--wikidata-api",
        f"http://127.0.0.1:{port}/w/api.php",
        "wikidata",
        "refresh",
    )
    assert result.returncode == 1
    assert (
        "cannot reach Wikidata at" in result.stderr
        and "the existing cache was kept" in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert cache.read_bytes() == before


def test_broken_cache_is_a_validation_problem(seeds_copy: Path) -> None:
    (seeds_copy / "wikidata" / "cache.json").write_text('{"entities": {', encoding="utf-8")
    result = run_attest("validate", str(seeds_copy))
    assert result.returncode == 1
    assert "wikidata/cache.json" in result.stderr and "not valid JSON" in result.stderr


def test_entity_api_shows_cached_wikidata_data_as_wikidatas(
    seeds_copy: Path, tmp_path: Path
) -> None:
    with wikidata_standin.running() as (api, _):
        assert (
            run_attest(
                "--seeds-dir", str(seeds_copy), "--wikidata-api", api, "wikidata", "refresh"
            ).returncode
            == 0
        )
    settings = resolve({"seeds_dir": seeds_copy, "data_dir": tmp_path / "data"}, environ={})
    pipeline.load(settings)
    server = start_server(settings.data_dir, tmp_path, "--seeds-dir", str(seeds_copy))
    try:
        body = httpx.get(server.url("/api/entities/qassem-soleimani")).json()
        data = body["wikidata_data"]
        assert data["source"].startswith("Wikidata")
        assert data["labels"]["fa"] == "برچسب آزمایشی Q892014"
        assert data["date_of_birth"] == ["1900-01-01"]
        assert [t["id"] for t in data["instance_of"]] == ["Q5"]
        unlinked = httpx.get(server.url("/api/entities/irgc")).json()
        assert unlinked["wikidata"] is None and unlinked["wikidata_data"] is None
        page = httpx.get(
            server.url("/entity/qassem-soleimani"), headers={"Accept": "text/html"}
        ).text
        assert "Wikidata's own data" in page and "TEST FIXTURE description of Q892014" in page
    finally:
        stop(server.process)


def test_link_suggests_ranked_candidates_and_writes_nothing(seeds_copy: Path) -> None:
    before = {p: p.read_bytes() for p in seeds_copy.rglob("*") if p.is_file()}
    with wikidata_standin.running() as (api, app):
        result = run_attest(
            "--seeds-dir",
            str(seeds_copy),
            "--wikidata-api",
            api,
            "link",
            "--entity",
            "irgc",
            "--format",
            "json",
        )
    assert result.returncode == 0, result.stderr
    [report] = json.loads(result.stdout)
    assert report["entity"] == "irgc"
    ranked = [c["qid"] for c in report["candidates"]]
    assert ranked[0] == "Q900001", "the exact label ranks first whatever the API's order"
    assert ranked.index("Q900002") < ranked.index("Q900003")
    assert app.requests[0]["action"] == ["wbsearchentities"]
    after = {p: p.read_bytes() for p in seeds_copy.rglob("*") if p.is_file()}
    assert after == before


def test_link_lists_every_unlinked_entity_in_text(seeds_copy: Path) -> None:
    unlinked = [e for e in read_seeds(seeds_copy).entities if not e.wikidata]
    with wikidata_standin.running() as (api, _):
        result = run_attest(
            "--seeds-dir", str(seeds_copy), "--wikidata-api", api, "link", "--limit", "3"
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("Q900001") == 3
    assert f"{unlinked[0].id} ({unlinked[0].label}, {unlinked[0].type})" in result.stdout
    assert "Nothing was written" in result.stdout


@pytest.fixture(scope="module")
def wikidata_sparql(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second local SPARQL server standing in for Wikidata's query service (fixture data)."""
    with running_oxigraph(tmp_path_factory.mktemp("wikidata-sparql")) as base:
        fixture = (Path(__file__).parent / "fixtures" / "wikidata" / "standin.ttl").read_bytes()
        response = httpx.post(
            f"{base}/store?default", content=fixture, headers={"Content-Type": "text/turtle"}
        )
        assert response.status_code in (200, 201, 204), response.text
        yield f"{base}/query"


@pytest.fixture(scope="module")
def federating_server(
    seed_data_dir: Path, wikidata_sparql: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    server = start_server(
        seed_data_dir, tmp_path_factory.mktemp("federation"), "--service-allowlist", wikidata_sparql
    )
    yield server
    stop(server.process)


def test_federated_query_joins_our_claims_with_the_wikidata_stand_in(
    federating_server: Server, wikidata_sparql: str
) -> None:
    query = f"""PREFIX at: <https://w3id.org/attest/ontology#>
    PREFIX entity: <https://w3id.org/attest/entity/>
    PREFIX wdt: <http://www.wikidata.org/prop/direct/>
    SELECT ?speaker ?born WHERE {{
      ?assertion at:claim ?claim ; at:assertedBy ?s .
      GRAPH ?claim {{ entity:united-states at:created entity:isis }}
      ?s at:wikidataItem ?item ; <http://www.w3.org/2000/01/rdf-schema#label> ?speaker .
      SERVICE <{wikidata_sparql}> {{ ?item wdt:P569 ?born }}
    }}"""
    answer = httpx.get(federating_server.url("/sparql"), params={"query": query}, timeout=60)
    assert answer.status_code == 200, answer.text
    rows = {
        (b["speaker"]["value"], b["born"]["value"]) for b in answer.json()["results"]["bindings"]
    }
    assert ("Ali Khamenei", "1900-02-02") in rows
    refused = httpx.get(
        federating_server.url("/sparql"),
        params={
            "query": "SELECT * WHERE { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } }"
        },
    )
    assert refused.status_code == 403, (
        "the allow-list was replaced, so Wikidata's own URL is refused"
    )
