"""Standard SPARQL clients work unchanged against /sparql: SPARQLWrapper and rdflib's SPARQLStore."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from xml.dom.minidom import Document

import pytest
from rdflib import Graph
from rdflib import URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV
from SPARQLWrapper import JSON
from SPARQLWrapper import TURTLE
from SPARQLWrapper import XML
from SPARQLWrapper import SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed
from SPARQLWrapper.Wrapper import _allowedFormats as _ALLOWED_FORMATS

from tests.conftest import Server
from tests.conftest import start_server
from tests.conftest import stop

AT = "https://w3id.org/attest/ontology#"
ENTITY = "https://w3id.org/attest/entity/"


def test_sparqlwrapper_select_ask_and_construct(live_server: Server) -> None:
    client = SPARQLWrapper(live_server.url("/sparql"))
    client.setQuery(f"SELECT ?a WHERE {{ ?a <{AT}assertedBy> <{ENTITY}masoud-barzani> }}")
    client.setReturnFormat(JSON)
    rows = client.queryAndConvert()["results"]["bindings"]  # type: ignore[index]
    assert len(rows) == 5

    client.setQuery(
        f"ASK {{ GRAPH ?g {{ <{ENTITY}united-states> <{AT}created> <{ENTITY}isis> }} }}"
    )
    assert client.queryAndConvert()["boolean"] is True  # type: ignore[index]

    client.setQuery(f"CONSTRUCT {{ <{ENTITY}isis> ?p ?o }} WHERE {{ <{ENTITY}isis> ?p ?o }}")
    client.setReturnFormat(TURTLE)
    client.setMethod("POST")
    graph = Graph().parse(data=client.queryAndConvert(), format="turtle")  # type: ignore[arg-type]
    assert (URIRef(ENTITY + "isis"), None, None) in graph


def test_rdflib_sparqlstore_reads_default_and_named_graphs(live_server: Server) -> None:
    store = SPARQLStore(live_server.url("/sparql"), returnFormat="json")
    graph = Graph(store=store)
    labels = list(
        graph.objects(URIRef(ENTITY + "isis"), URIRef("http://www.w3.org/2000/01/rdf-schema#label"))
    )
    assert [str(label) for label in labels] == ["Islamic State (ISIS)"]
    rows = list(graph.query(f"SELECT (COUNT(?a) AS ?n) WHERE {{ ?a a <{AT}Assertion> }}"))
    assert int(rows[0][0]) == 338  # type: ignore[index]
    # Named graphs are reached with GRAPH in the query (rdflib's Dataset over a
    # SPARQLStore trips rdflib's own deprecation warnings).
    claims = list(
        graph.query(
            f"SELECT ?g WHERE {{ GRAPH ?g {{ <{ENTITY}qassem-soleimani> <{AT}persuaded> <{ENTITY}vladimir-putin> }} }}"
        )
    )
    assert len(claims) >= 2, "several sources say Soleimani persuaded Putin"
    store.close()


# Every return format SPARQLWrapper offers, against every query form.
FORMS = {
    "SELECT": f"SELECT ?a WHERE {{ ?a <{AT}assertedBy> <{ENTITY}masoud-barzani> }}",
    "ASK": f"ASK {{ ?a <{AT}assertedBy> <{ENTITY}masoud-barzani> }}",
    "CONSTRUCT": (
        f"CONSTRUCT {{ ?a <{AT}assertedBy> <{ENTITY}masoud-barzani> }} "
        f"WHERE {{ ?a <{AT}assertedBy> <{ENTITY}masoud-barzani> }}"
    ),
    "DESCRIBE": f"DESCRIBE <{ENTITY}masoud-barzani>",
}
RESULT_NATIVE = {"json", "xml", "csv", "tsv"}
GRAPH_NATIVE = {"turtle", "n3", "rdf", "rdf+xml", "xml", "json-ld", "json"}


@pytest.mark.parametrize("return_format", _ALLOWED_FORMATS)
@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_every_return_format_and_query_form(
    live_server: Server, form: str, return_format: str, method: str
) -> None:
    client = SPARQLWrapper(live_server.url("/sparql"))
    client.setQuery(FORMS[form])
    client.setReturnFormat(return_format)
    client.setMethod(method)
    native = return_format in (RESULT_NATIVE if form in ("SELECT", "ASK") else GRAPH_NATIVE)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = client.query()
        media = result.info()["content-type"].split(";")[0]
        converted = result.convert()
    # SPARQLWrapper warns when the answer is not in the format asked for. For a
    # format a query form has none of (Turtle for a SELECT), it sends Accept: */*
    # and the server answers its default; otherwise the answer must be as asked.
    mismatch = [str(w.message) for w in caught if "has been returned" in str(w.message)]
    assert (not mismatch) == native, mismatch
    if form == "SELECT":
        assert _count_rows(converted, media) == 5, (media, converted)
    elif form == "ASK":
        assert _boolean(converted, media) is True, (media, converted)
    else:
        graph = converted if isinstance(converted, Graph) else _graph(converted, media)
        assert len(set(graph.subjects(URIRef(AT + "assertedBy"), None))) >= (
            5 if form == "CONSTRUCT" else 0
        )
        assert (None, None, None) in graph


def _count_rows(converted: object, media: str) -> int:
    if isinstance(converted, dict):
        return len(converted["results"]["bindings"])
    if isinstance(converted, Document):
        return len(converted.getElementsByTagName("result"))
    text = converted.decode() if isinstance(converted, bytes) else str(converted)
    return len(text.strip().splitlines()) - 1


def _boolean(converted: object, media: str) -> bool:
    if isinstance(converted, dict):
        return bool(converted["boolean"])
    if isinstance(converted, Document):
        return converted.getElementsByTagName("boolean")[0].firstChild.data == "true"  # type: ignore[union-attr]
    text = converted.decode() if isinstance(converted, bytes) else str(converted)
    return text.strip().splitlines()[-1].strip() == "true"


def _graph(converted: object, media: str) -> Graph:
    data = converted.decode() if isinstance(converted, bytes) else str(converted)
    fmt = {"application/ld+json": "json-ld", "application/rdf+xml": "xml"}.get(media, "turtle")
    return Graph().parse(data=data, format=fmt)


@pytest.fixture(scope="module")
def capped_server(
    seed_data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """The seed store served with answers capped at 4 rows or triples."""
    server = start_server(seed_data_dir, tmp_path_factory.mktemp("capped"), "--result-limit", "4")
    yield server
    stop(server.process)


def test_sparqlwrapper_sees_a_cut_answer(capped_server: Server) -> None:
    client = SPARQLWrapper(capped_server.url("/sparql"))
    client.setQuery(FORMS["SELECT"])
    client.setReturnFormat(JSON)
    result = client.query()
    assert result.info()["x-sparql-maxrows"] == "4"
    body = result.convert()
    assert len(body["results"]["bindings"]) == 4  # type: ignore[index]
    assert body["attest"]["truncated"] is True  # type: ignore[index]
    assert "LIMIT and OFFSET" in body["attest"]["message"]  # type: ignore[index]

    client.setReturnFormat(XML)
    document = client.queryAndConvert()
    links = [node.getAttribute("href") for node in document.getElementsByTagName("link")]  # type: ignore[union-attr]
    assert links == ["urn:attest:result-limit"]

    client.setReturnFormat(CSV)
    with pytest.raises(QueryBadFormed, match="result_limit"):
        client.query()

    client.setReturnFormat(TURTLE)
    client.setQuery(FORMS["CONSTRUCT"])
    turtle = client.queryAndConvert()
    assert turtle.startswith(b"# answer cut at 4 triples")  # type: ignore[union-attr]

    # The paging recipe of the README: LIMIT/OFFSET pages no longer than the cap.
    client.setReturnFormat(CSV)
    rows: list[str] = []
    for page in range(3):
        client.setQuery(FORMS["SELECT"] + f" ORDER BY ?a LIMIT 4 OFFSET {page * 4}")
        rows += client.queryAndConvert().decode().strip().splitlines()[1:]  # type: ignore[union-attr]
    assert len(rows) == len(set(rows)) == 5


def test_rdflib_sparqlstore_sees_a_cut_answer(capped_server: Server) -> None:
    # rdflib reads SPARQL JSON/XML into rows and drops the mark in the head, so
    # ask for CSV, which cannot carry it: a cut answer is then an error.
    store = SPARQLStore(capped_server.url("/sparql"), returnFormat="csv")
    graph = Graph(store=store)
    with pytest.raises(ValueError):
        list(graph.query(FORMS["SELECT"]))
    page = list(graph.query(FORMS["SELECT"] + " ORDER BY ?a LIMIT 4"))
    assert len(page) == 4
    store.close()
