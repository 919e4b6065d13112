"""SPARQL Update keeps the loader's invariants: what a user is refused, what works, what they see.

A real server with updates on, over the good fixture loaded on disk. Every
refusal asserts the sentence a user reads and that the store did not change
(the live version is the same, and so is every triple); allowed updates are
seen by the next query and by Linked Data.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pyoxigraph import Store as OxStore

from loader import pipeline
from loader import versions
from loader.iris import Iris
from loader.settings import Settings
from loader.settings import resolve
from loader.store import apply_update
from loader.working import WorkingCopy
from server import create_app
from server import updates
from tests.conftest import GOOD
from tests.conftest import Server
from tests.conftest import running_oxigraph
from tests.conftest import start_server
from tests.conftest import stop
from tests.inprocess import fixture_settings

TOKEN = "update-token-for-tests"
BASE = "https://w3id.org/attest/"
PREFIXES = (
    f"PREFIX at: <{BASE}ontology#> PREFIX entity: <{BASE}entity/> "
    f"PREFIX assertion: <{BASE}assertion/> PREFIX document: <{BASE}document/> "
)
CURATED = "curated data changes only through the seed files and `attest load`"
JSON_RESULTS = "application/sparql-results+json"
EVERYTHING = "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("updates")
    shutil.copytree(GOOD, root / "seeds")
    settings = resolve({"seeds_dir": root / "seeds", "data_dir": root / "data"}, environ={})
    pipeline.load(settings)
    return settings


@pytest.fixture(scope="module")
def server(loaded: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(
        loaded.data_dir,
        tmp_path_factory.mktemp("logs"),
        "--seeds-dir",
        str(loaded.seeds_dir),
        "--allow-updates",
        "true",
        "--update-token",
        TOKEN,
        serve_options=("--no-load",),
    )
    yield running
    stop(running.process)


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base, timeout=120) as http:
        yield http


def _update(client: httpx.Client, text: str) -> httpx.Response:
    return client.post(
        "/sparql",
        content=text.encode(),
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
    )


def _ask(client: httpx.Client, query: str) -> bool:
    response = client.get(
        "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200, response.text
    return bool(response.json()["boolean"])


def _triples(client: httpx.Client) -> int:
    response = client.get(
        "/sparql",
        params={"query": EVERYTHING},
        headers={"Accept": "application/sparql-results+json"},
    )
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def _refused(client: httpx.Client, loaded: Settings, text: str, *expected: str) -> None:
    """Send *text*; it must be refused with a 403 saying *expected*, and change nothing."""
    version, count = versions.live_name(loaded.data_dir), _triples(client)
    response = _update(client, text)
    assert response.status_code == 403, response.text
    message = response.json()["error"]
    for part in expected:
        assert part in message, message
    assert versions.live_name(loaded.data_dir) == version, "no new version was switched in"
    assert _triples(client) == count, "the store did not change"


@pytest.mark.parametrize(
    ("text", "relation"),
    [
        ("INSERT DATA { entity:town-council at:armed entity:harbour-guild }", "at:armed"),
        ("INSERT DATA { entity:harbour-guild at:armedBy entity:town-council }", "at:armedBy"),
        (
            "INSERT { ?a at:met ?b } WHERE { GRAPH ?g { ?a at:met ?b } }",
            "at:met",
        ),
        (
            "INSERT DATA { GRAPH <urn:mine:ok> { <urn:a> <urn:b> 1 } } ; "
            "INSERT DATA { entity:town-council at:supported entity:harbour-guild }",
            "at:supported",
        ),
    ],
    ids=["claim-relation", "inferred-kind", "template", "second-operation"],
)
def test_a_claim_in_the_default_graph_is_refused_with_why_and_what_to_do(
    client: httpx.Client, loaded: Settings, text: str, relation: str
) -> None:
    _refused(
        client,
        loaded,
        PREFIXES + text,
        f"puts a claim ({relation}) in the default graph",
        "read as a fact nobody claimed",
        "as an assertion in the seed files and run `attest load`",
        "a named graph of your own",
    )


ASSERTION = "bob-council-armed-guild"


@pytest.mark.parametrize(
    ("text", "what"),
    [
        (
            f"INSERT DATA {{ GRAPH <{BASE}assertion/{ASSERTION}/claim> "
            "{ entity:town-council at:met entity:harbour-guild } }",
            f"adds to assertion {ASSERTION}'s claim",
        ),
        (
            f"DELETE WHERE {{ GRAPH <{BASE}assertion/{ASSERTION}/claim> {{ ?s ?p ?o }} }}",
            f"deletes from assertion {ASSERTION}'s claim",
        ),
        (
            f"CLEAR GRAPH <{BASE}assertion/{ASSERTION}/inferred>",
            f"empties assertion {ASSERTION}'s inferred triples",
        ),
        (
            f"DELETE DATA {{ assertion:{ASSERTION} at:stance at:Affirms }}",
            f"removes from the description of assertion {ASSERTION}",
        ),
        (
            "DELETE { entity:town-council ?p ?o } WHERE { entity:town-council ?p ?o }",
            "deletes from the description of entity town-council",
        ),
        (
            "INSERT DATA { document:fixture-page <http://purl.org/dc/terms/title> 'Renamed' }",
            "adds to the description of document fixture-page",
        ),
        (
            f"DROP GRAPH <{BASE}graph/readmodel>",
            f"drops the read model (<{BASE}graph/readmodel>)",
        ),
        (
            f"INSERT DATA {{ GRAPH <{BASE}graph/inferred> {{ <urn:a> <urn:b> <urn:c> }} }}",
            "adds to the inferred graph of the ontology and catalogue",
        ),
        (
            f"WITH <{BASE}graph/wikidata> INSERT {{ ?s <urn:seen> true }} WHERE {{ ?s a at:Person }}",
            "writes into the local cache of Wikidata's data",
        ),
        (
            f"DELETE WHERE {{ <{BASE}load> ?p ?o }}",
            f"deletes from the description of the load record (<{BASE}load>)",
        ),
        (
            "DELETE WHERE { at:armed ?p ?o }",
            "deletes from the description of the ontology",
        ),
        ("INSERT DATA { <urn:note> <urn:says> 'hi' }", "adds to the default graph"),
        ("CLEAR DEFAULT", "empties the default graph"),
        ("DROP ALL", "drops the default graph"),
        ("CLEAR NAMED", "empties the named graphs Attest makes"),
        (f"COPY <urn:mine:empty> TO <{BASE}graph/readmodel>", "replaces the read model"),
        ("ADD <urn:mine:empty> TO DEFAULT", "adds to the default graph"),
        (f"MOVE <{BASE}assertion/{ASSERTION}/claim> TO <urn:mine:x>", "moves away assertion"),
        (f"CREATE GRAPH <{BASE}assertion/new/claim>", "creates assertion new's claim"),
    ],
    ids=[
        "insert-claim-graph",
        "delete-claim-graph",
        "clear-inferred-graph",
        "assertion-description",
        "entity-description",
        "document-description",
        "read-model",
        "background-graph",
        "wikidata-cache-with",
        "load-record",
        "ontology",
        "default-graph",
        "clear-default",
        "drop-all",
        "clear-named",
        "copy-into-read-model",
        "add-into-default",
        "move-claim-away",
        "create-under-base",
    ],
)
def test_an_update_of_curated_data_is_refused_naming_what_it_touches(
    client: httpx.Client, loaded: Settings, text: str, what: str
) -> None:
    _refused(client, loaded, PREFIXES + text, f"this update {what}", CURATED)


@pytest.mark.parametrize(
    "text",
    [
        "INSERT { GRAPH ?g { <urn:a> <urn:b> 1 } } WHERE { GRAPH ?g { ?s ?p ?o } }",
        "DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } FILTER (?g = <urn:mine>) }",
        "DELETE WHERE { GRAPH ?g { ?s <urn:tag> ?o } }",
    ],
    ids=["insert", "delete", "delete-where"],
)
def test_a_template_with_a_variable_graph_is_refused(
    client: httpx.Client, loaded: Settings, text: str
) -> None:
    _refused(client, loaded, text, "GRAPH ?g", "name the graph in the template")


def test_allowed_updates_are_seen_by_the_next_query_and_by_linked_data(
    client: httpx.Client, loaded: Settings
) -> None:
    notes = f"{BASE}graph/notes"
    before = versions.live_name(loaded.data_dir)
    annotate = (
        PREFIXES + f"INSERT {{ GRAPH <{notes}> {{ ?e <urn:reviewed> true }} }} "
        "WHERE { ?e a at:Organization }"
    )
    response = _update(client, annotate)
    assert response.status_code == 204, response.text
    assert versions.live_name(loaded.data_dir) != before, "a new version went live"
    seen = f"ASK {{ GRAPH <{notes}> {{ <{BASE}entity/harbour-guild> <urn:reviewed> true }} }}"
    assert _ask(client, seen)
    trig = client.get("/graph/notes", headers={"Accept": "application/trig"})
    assert trig.status_code == 200 and "urn:reviewed" in trig.text, trig.text
    turtle = client.get("/graph/notes", headers={"Accept": "text/turtle"})
    assert "void#triples" in turtle.text or "void:triples" in turtle.text
    page = client.get("/graph/notes", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "urn:reviewed" in page.text

    removed = _update(client, f"DELETE WHERE {{ GRAPH <{notes}> {{ ?e <urn:reviewed> ?v }} }}")
    assert removed.status_code == 204, removed.text
    assert not _ask(client, seen)
    assert client.get("/graph/notes", headers={"Accept": "application/trig"}).status_code == 404


def test_updates_that_change_nothing_of_attest_are_allowed(
    client: httpx.Client, loaded: Settings
) -> None:
    count = _triples(client)
    for text in (
        "INSERT DATA { GRAPH <urn:mine:a> { <urn:a> <urn:b> 'c' } }",
        "COPY <urn:mine:a> TO <urn:mine:b>",
        f"CLEAR SILENT GRAPH <{BASE}assertion/no-such-assertion/claim>",  # empty: no change
        f"COPY <{BASE}assertion/{ASSERTION}/claim> TO <urn:mine:copy>",  # reading is fine
        "DROP GRAPH <urn:mine:a> ; DROP GRAPH <urn:mine:b> ; DROP GRAPH <urn:mine:copy>",
    ):
        response = _update(client, text)
        assert response.status_code == 204, f"{text}: {response.text}"
    assert _triples(client) == count


@pytest.mark.parametrize(
    ("text", "status", "says"),
    [
        ("CLEAR XYZ", 400, "SPARQL syntax error"),
        ("DROP GRAPH <urn:no-such-graph>", 400, "does not exist"),
        ("LOAD <http://127.0.0.1:9/data.ttl>", 403, "LOAD is refused"),
        ("INSERT DATA { GRAPH <urn:a> { <urn:a> <urn:b> _:x } } ; WITH", 400, "syntax"),
        (
            "INSERT DATA { GRAPH <urn:a> { << <urn:a> <urn:b> <urn:c> >> <urn:d> <urn:e> } }",
            400,
            "this update cannot be checked",
        ),
    ],
    ids=["syntax", "missing-graph", "load", "truncated", "unreadable-by-the-checker"],
)
def test_a_bad_update_is_a_4xx_with_a_reason_never_a_500(
    client: httpx.Client, loaded: Settings, text: str, status: int, says: str
) -> None:
    version = versions.live_name(loaded.data_dir)
    response = _update(client, text)
    assert response.status_code == status, response.text
    assert says in response.json()["error"]
    assert versions.live_name(loaded.data_dir) == version


def test_the_engine_checks_the_result_again_before_the_switch(tmp_path: Path) -> None:
    """Were the two parsers ever to read a text apart, no claim still reaches the default graph."""
    shutil.copytree(GOOD, tmp_path / "seeds")
    settings = resolve({"seeds_dir": tmp_path / "seeds", "data_dir": tmp_path / "data"}, environ={})
    pipeline.load(settings)
    version = versions.live_name(settings.data_dir)
    working = WorkingCopy(settings.data_dir)
    try:
        relations = updates.claim_relations(working.store())
        assert f"{BASE}ontology#armed" in relations and f"{BASE}ontology#armedBy" in relations

        def bare_claim(store: OxStore) -> None:  # what a misread update could do
            apply_update(store, PREFIXES + "INSERT DATA { entity:a at:armed entity:b }")

        with pytest.raises(updates.UpdateRefusedError, match=r"puts a claim \(at:armed\)"):
            working.publish(bare_claim, lambda store: updates.check_applied(store, relations))
        assert versions.live_name(settings.data_dir) == version
        updates.check_applied(working.store(), relations)  # the copy was made again, clean
    finally:
        working.close()


def test_every_relation_in_a_claim_or_inferred_graph_is_a_claim_relation(loaded: Settings) -> None:
    """The refusal knows every property a claim can use (inverses, super-properties)."""
    from loader.store import open_store

    store = open_store(loaded)
    relations = updates.claim_relations(store)
    rows = store.query(
        "SELECT DISTINCT ?p WHERE { GRAPH ?g { ?s ?p ?o } "
        f"FILTER (STRSTARTS(STR(?g), '{BASE}assertion/')) }}"
    )
    used = {str(row["p"].value) for row in rows}  # type: ignore[union-attr]
    used.discard("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")  # class membership
    assert used and used <= relations
    iris = Iris(BASE)
    assert updates.Rules(iris, relations).owns(iris.claim_graph(ASSERTION))


@pytest.mark.parametrize("kind", ["memory", "remote"])
def test_the_same_rules_hold_on_the_memory_and_remote_stores(tmp_path: Path, kind: str) -> None:
    """Checked in the server process, then applied by the store (in place, or by the endpoint)."""
    with contextlib.ExitStack() as stack:
        overrides: dict[str, object] = {"allow_updates": True, "update_token": TOKEN}
        if kind == "remote":
            (tmp_path / "oxigraph").mkdir()
            base = stack.enter_context(running_oxigraph(tmp_path / "oxigraph"))
            overrides |= {"store": "remote", "store_url": f"{base}/query"}
            overrides["update_url"] = f"{base}/update"
        settings = fixture_settings(tmp_path, **overrides)
        app = create_app(settings=settings)
        stack.callback(app.extensions["attest"].close)
        pipeline.load(settings, store=app.extensions["attest"].store)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}

        def update(text: str) -> Any:
            return client.post("/sparql", data={"update": PREFIXES + text}, headers=headers)

        def count() -> int:
            answer = client.get(
                "/sparql", query_string={"query": EVERYTHING}, headers={"Accept": JSON_RESULTS}
            )
            return int(answer.get_json()["results"]["bindings"][0]["n"]["value"])

        before = count()
        refused = update("INSERT DATA { entity:town-council at:armed entity:harbour-guild }")
        assert refused.status_code == 403
        assert "puts a claim (at:armed) in the default graph" in refused.get_json()["error"]
        refused = update(f"CLEAR GRAPH <{BASE}assertion/{ASSERTION}/claim>")
        assert refused.status_code == 403
        assert f"empties assertion {ASSERTION}'s claim" in refused.get_json()["error"]
        assert count() == before
        allowed = update("INSERT DATA { GRAPH <urn:notes> { entity:town-council <urn:seen> 1 } }")
        assert allowed.status_code == 204, allowed.get_data(as_text=True)
        assert count() == before + 1
