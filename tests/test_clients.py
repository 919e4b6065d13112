"""Standard SPARQL clients work unchanged against /sparql: SPARQLWrapper and rdflib's SPARQLStore."""

from __future__ import annotations

from rdflib import Graph
from rdflib import URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON
from SPARQLWrapper import TURTLE
from SPARQLWrapper import SPARQLWrapper

from tests.conftest import Server

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
