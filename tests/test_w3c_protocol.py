"""The W3C SPARQL 1.1 Protocol and Service Description test suites, run against the real server.

Each protocol case of ``../shared/w3c-sparql11/sparql11/protocol/manifest.ttl``
that applies to a read-only endpoint is sent as written (method, path, headers,
body and its encoding) to ``attest serve`` over a store holding the data the
cases assume (data1-3.nt in graphs named by their rdfs:label). The update
cases run against a second server with updates enabled, their requests
carrying the update token (the only thing added to them); the bad-update cases
run against the read-only one and must still answer 4xx.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pyoxigraph import NamedNode
from pyoxigraph import Quad
from pyoxigraph import RdfFormat
from pyoxigraph import parse
from rdflib import RDF
from rdflib import RDFS
from rdflib import Graph
from rdflib import Namespace
from rdflib import URIRef
from rdflib.collection import Collection

from loader.settings import PROJECT_DIR
from loader.store import OxigraphStore
from tests.conftest import Server
from tests.conftest import start_server
from tests.conftest import stop

SUITE = PROJECT_DIR.parent / "shared" / "w3c-sparql11" / "sparql11"
PROTOCOL = SUITE / "protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
UPDATE_CASES = {
    "update_dataset_default_graph",
    "update_dataset_default_graphs",
    "update_dataset_named_graphs",
    "update_dataset_full",
    "update_post_form",
    "update_post_direct",
    "update_base_uri",
}
RESULT_TYPES = {
    "boolean": {"application/sparql-results+json", "application/sparql-results+xml"},
    "tabular": {
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    },
    "RDF": {"application/rdf+xml", "text/turtle", "application/n-triples", "application/ld+json"},
}


def _manifest() -> Graph:
    if not PROTOCOL.is_dir():
        pytest.fail(f"W3C test suite not found at {SUITE}: CI runs with ../shared beside the repo")
    return Graph().parse(PROTOCOL / "manifest.ttl", format="turtle")


def _cases() -> list[tuple[str, URIRef]]:
    graph = _manifest()
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    entries = Collection(graph, next(graph.objects(manifest, MF.entries)))
    return [(str(entry).rsplit("#", 1)[-1], entry) for entry in entries]  # type: ignore[misc]


CASES = _cases() if PROTOCOL.is_dir() else []


TOKEN = "w3c-protocol-token"


@pytest.fixture(scope="module")
def protocol_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A read-only server over a store holding the suite's data."""
    data_dir = _suite_store(tmp_path_factory.mktemp("w3c-protocol"))
    server = start_server(data_dir, tmp_path_factory.mktemp("logs"), serve_options=("--no-load",))
    yield server
    stop(server.process)


@pytest.fixture(scope="module")
def update_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server that accepts updates (with the token), over its own copy of the suite's data."""
    data_dir = _suite_store(tmp_path_factory.mktemp("w3c-protocol-updates"))
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


def _suite_store(data_dir: Path) -> Path:
    """Write the suite's data into a store in *data_dir*, each file in a graph named by its label."""
    graph = _manifest()
    quads = []
    seen = set()
    for data in graph.objects(None, UT.graphData):
        name = str(next(graph.objects(data, RDFS.label)))
        source = Path(str(next(graph.objects(data, UT.graph))).removeprefix("file://"))
        if name in seen:
            continue
        seen.add(name)
        for triple in parse(path=str(PROTOCOL / source.name), format=RdfFormat.N_TRIPLES):
            quads.append(Quad(triple.subject, triple.predicate, triple.object, NamedNode(name)))
    assert len(seen) == 3
    OxigraphStore(data_dir, writable=True).replace(quads)
    return data_dir


def _request(
    graph: Graph, node: URIRef, base: str
) -> tuple[httpx.Request, set[str], object, object]:
    method = str(next(graph.objects(node, HT.methodName)))
    path = str(next(graph.objects(node, HT.absolutePath))).replace("/sparql/", "/sparql", 1)
    headers = {}
    for header_list in graph.objects(node, HT.headers):
        for header in Collection(graph, header_list):  # type: ignore[arg-type]
            headers[str(next(graph.objects(header, HT.fieldName)))] = str(
                next(graph.objects(header, HT.fieldValue))
            )
    content = None
    for body in graph.objects(node, HT.body):
        chars = str(next(graph.objects(body, CNT.chars)))
        encoding = str(next(graph.objects(body, CNT.characterEncoding), "UTF-8"))
        content = chars.encode(encoding.lower())
    response = next(graph.objects(node, HT.resp))
    statuses = {str(s).removeprefix(HTS) for s in graph.objects(response, MF.expectedStatus)}
    expected_boolean = next(graph.objects(response, MF.expectedBoolean), None)
    expected_format = next(graph.objects(response, MF.expectedFormat), None)
    request = httpx.Request(method, base + path, headers=headers, content=content)
    return request, statuses, expected_boolean, expected_format


@pytest.mark.parametrize(("name", "case"), CASES, ids=[name for name, _ in CASES])
def test_w3c_protocol_case(
    request: pytest.FixtureRequest, protocol_server: Server, name: str, case: URIRef
) -> None:
    updating = name in UPDATE_CASES
    server: Server = request.getfixturevalue("update_server") if updating else protocol_server
    graph = _manifest()
    action = next(graph.objects(case, MF.action))
    requests = Collection(graph, next(graph.objects(action, HT.requests)))
    with httpx.Client(timeout=60) as client:
        for node in requests:
            sent, statuses, expected_boolean, expected_format = _request(graph, node, server.base)  # type: ignore[arg-type]
            if updating:
                sent.headers["Authorization"] = f"Bearer {TOKEN}"
            response = client.send(sent)
            status_class = f"{response.status_code // 100}xx"
            assert status_class in statuses, (
                f"{name}: got {response.status_code} {response.text[:300]}"
            )
            if expected_format is not None:
                media = response.headers["content-type"].split(";")[0]
                assert media in RESULT_TYPES[str(expected_format)], f"{name}: {media}"
            if expected_boolean is not None:
                assert response.json()["boolean"] is bool(expected_boolean.toPython())  # type: ignore[attr-defined]


def test_w3c_service_description_cases(protocol_server: Server) -> None:
    """returns-rdf, has-endpoint-triple, conforms-to-schema (service-description/manifest.ttl)."""
    manifest = Graph().parse(SUITE / "service-description" / "manifest.ttl", format="turtle")
    names = {str(n) for n in manifest.objects(None, MF.name)}
    assert "Service description contains a matching sd:endpoint triple" in names
    endpoint = protocol_server.url("/sparql")
    response = httpx.get(endpoint, headers={"Accept": "text/turtle"})
    # returns-rdf
    assert response.status_code == 200
    description = Graph().parse(data=response.text, format="turtle")
    # has-endpoint-triple
    services = list(description.subjects(SD.endpoint, URIRef(endpoint)))
    assert len(services) == 1
    service = services[0]
    # conforms-to-schema: the classes and ranges of the SD vocabulary
    assert (service, RDF.type, SD.Service) in description
    for language in description.objects(service, SD.supportedLanguage):
        assert language in (SD.SPARQL10Query, SD.SPARQL11Query, SD.SPARQL11Update)
    for fmt in description.objects(service, SD.resultFormat):
        assert isinstance(fmt, URIRef) and str(fmt).startswith("http://www.w3.org/ns/formats/")
    for feature in description.objects(service, SD.feature):
        assert feature in (
            SD.DereferencesURIs,
            SD.UnionDefaultGraph,
            SD.RequiresDataset,
            SD.EmptyGraphs,
            SD.BasicFederatedQuery,
        )
    dataset = next(description.objects(service, SD.defaultDataset))
    assert (dataset, RDF.type, SD.Dataset) in description
    default_graph = next(description.objects(dataset, SD.defaultGraph))
    assert (default_graph, RDF.type, SD.Graph) in description
    for other_format in ("application/rdf+xml", "application/ld+json", "application/n-triples"):
        assert httpx.get(endpoint, headers={"Accept": other_format}).status_code == 200
