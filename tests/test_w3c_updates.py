"""The W3C SPARQL 1.1 Protocol's update cases, against a server with updates enabled.

tests/test_w3c_protocol.py runs every case that applies to the read-only default
server and skips the seven successful-update cases; here they run against a
server started with ``--allow-updates true --update-token …``. Each request of a
case is sent as written, plus the bearer token the server requires (the suite
has no notion of one). Each case starts with ``CLEAR ALL``, so they do not
depend on one another.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from pyoxigraph import NamedNode
from pyoxigraph import Quad
from rdflib import URIRef
from rdflib.collection import Collection

from loader.store import OxigraphStore
from tests.conftest import Server
from tests.conftest import start_server
from tests.conftest import stop
from tests.test_w3c_protocol import CASES
from tests.test_w3c_protocol import HT
from tests.test_w3c_protocol import MF
from tests.test_w3c_protocol import NOT_APPLICABLE
from tests.test_w3c_protocol import RESULT_TYPES
from tests.test_w3c_protocol import _manifest
from tests.test_w3c_protocol import _request

TOKEN = "w3c-update-cases"
# Known gaps, each a strict xfail so that the test says so once it is closed.
GAPS = {
    "update_dataset_default_graph": "using-graph-uri is refused (400: write USING instead)",
    "update_dataset_default_graphs": "using-graph-uri is refused (400: write USING instead)",
    "update_dataset_named_graphs": "using-named-graph-uri is refused (400: write USING instead)",
    "update_dataset_full": "using-graph-uri is refused (400: write USING instead)",
    "update_base_uri": "a relative IRI in an update is not resolved against the endpoint (400)",
}
UPDATE_CASES = [
    pytest.param(
        name,
        case,
        id=name,
        marks=[pytest.mark.xfail(strict=True, reason=GAPS[name])] if name in GAPS else [],
    )
    for name, case in CASES
    if name in NOT_APPLICABLE
]


@pytest.fixture(scope="module")
def update_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("w3c-updates")
    seed = NamedNode("http://example.org/w3c-update-cases/")
    OxigraphStore(data_dir, writable=True).replace([Quad(seed, seed, seed, seed)])
    server = start_server(
        data_dir,
        tmp_path_factory.mktemp("logs"),
        "--allow-updates",
        "true",
        "--update-token",
        TOKEN,
        serve_options=("--no-load",),
    )
    yield server
    stop(server.process)


def test_all_seven_update_cases_are_here() -> None:
    assert len(UPDATE_CASES) == len(NOT_APPLICABLE) == 7


@pytest.mark.parametrize(("name", "case"), UPDATE_CASES)
def test_w3c_update_case(update_server: Server, name: str, case: URIRef) -> None:
    graph = _manifest()
    action = next(graph.objects(case, MF.action))
    requests = Collection(graph, next(graph.objects(action, HT.requests)))
    with httpx.Client(timeout=60) as client:
        for node in requests:
            request, statuses, expected_boolean, expected_format = _request(
                graph,
                node,  # type: ignore[arg-type]
                update_server.base,
            )
            request.headers["Authorization"] = f"Bearer {TOKEN}"
            response = client.send(request)
            status_class = f"{response.status_code // 100}xx"
            assert status_class in statuses, (
                f"{name}: got {response.status_code} {response.text[:300]}"
            )
            if expected_format is not None:
                media = response.headers["content-type"].split(";")[0]
                assert media in RESULT_TYPES[str(expected_format)], f"{name}: {media}"
            if expected_boolean is not None:
                assert response.json()["boolean"] is bool(expected_boolean.toPython())  # type: ignore[attr-defined]


def test_an_update_without_the_token_is_refused_and_changes_nothing(
    update_server: Server,
) -> None:
    ask = {"query": "ASK { GRAPH <http://example.org/untouched> { ?s ?p ?o } }"}
    insert = "INSERT DATA { GRAPH <http://example.org/untouched> { <x:s> <x:p> <x:o> } }"
    response = httpx.post(update_server.url("/sparql"), data={"update": insert}, timeout=60)
    assert response.status_code in (401, 403)
    assert (
        httpx.get(update_server.url("/sparql"), params=ask, timeout=60).json()["boolean"] is False
    )
