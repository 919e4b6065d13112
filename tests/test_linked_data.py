"""Every IRI under the data base dereferences: HTML for browsers, RDF by content negotiation."""

from __future__ import annotations

import httpx
import pytest
from pyoxigraph import DefaultGraph
from pyoxigraph import NamedNode
from pyoxigraph import RdfFormat
from pyoxigraph import parse
from rdflib import Graph
from rdflib import URIRef

from loader.settings import Settings
from loader.store import open_store
from tests.conftest import graphs_of

BASE = "https://w3id.org/attest/"
AT = "https://w3id.org/attest/ontology#"


def _our_nodes(settings: Settings) -> list[str]:
    with open_store(settings) as store:
        nodes = {
            q.subject.value
            for q in store.quads()
            if isinstance(q.graph_name, DefaultGraph)
            and isinstance(q.subject, NamedNode)
            and q.subject.value.startswith(BASE)
            and not q.subject.value.startswith(AT)
        }
    return sorted(nodes)


def test_every_iri_under_the_base_dereferences_to_turtle(
    http: httpx.Client, seed_settings: Settings
) -> None:
    nodes = _our_nodes(seed_settings)
    relative = {n: n[len(BASE) :] for n in nodes if not n.startswith(BASE + "ontology")}
    tops = [
        n for n, path in relative.items() if path.count("/") <= 1
    ]  # entity/x, document/x, load…
    subs = [n for n, path in relative.items() if path.count("/") > 1]  # assertion/x/quote, …
    assert len(tops) > 500 and len(subs) > 2000
    for iri in tops + subs[::25]:
        response = http.get("/" + iri[len(BASE) :], headers={"Accept": "text/turtle"})
        assert response.status_code == 200, iri
        graph = Graph().parse(data=response.text, format="turtle")
        assert (URIRef(iri), None, None) in graph, iri
        assert response.headers["vary"] == "Accept"


def test_browser_gets_html(http: httpx.Client) -> None:
    for path in (
        "/entity/isis",
        "/document/callamard-tweet-2020-01",
        "/assertion/an21-tasnim-us-created-isis",
        "/assertion/an21-tasnim-us-created-isis/step/1",
        "/load",
        "/ontology",
    ):
        response = http.get(path, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
        assert response.status_code == 200 and response.headers["content-type"].startswith(
            "text/html"
        ), path


def test_assertion_iri_carries_its_named_graphs_in_dataset_formats(http: httpx.Client) -> None:
    iri = BASE + "assertion/an21-tasnim-us-created-isis"
    trig = http.get(
        "/assertion/an21-tasnim-us-created-isis", headers={"Accept": "application/trig"}
    )
    assert trig.headers["content-type"].startswith("application/trig")
    graphs = graphs_of(parse(trig.content, RdfFormat.TRIG))
    claim = graphs[iri + "/claim"]
    assert (
        URIRef(BASE + "entity/united-states"),
        URIRef(AT + "created"),
        URIRef(BASE + "entity/isis"),
    ) in claim
    inferred = graphs[iri + "/inferred"]
    assert (
        URIRef(BASE + "entity/isis"),
        URIRef(AT + "foundedBy"),
        URIRef(BASE + "entity/united-states"),
    ) in inferred
    jsonld = http.get("/assertion/an21-tasnim-us-created-isis", params={"format": "jsonld"})
    graphs = {node.get("@id") for node in jsonld.json() if "@graph" in node}
    assert iri + "/claim" in graphs and iri + "/inferred" in graphs


def test_flat_formats_never_state_the_claim_as_a_bare_triple(http: httpx.Client) -> None:
    turtle = http.get(
        "/assertion/an21-tasnim-us-created-isis", headers={"Accept": "text/turtle"}
    ).text
    graph = Graph().parse(data=turtle, format="turtle")
    bare = (
        URIRef(BASE + "entity/united-states"),
        URIRef(AT + "created"),
        URIRef(BASE + "entity/isis"),
    )
    assert bare not in graph
    statement = next(
        graph.subjects(
            URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate"), URIRef(AT + "created")
        )
    )
    assert str(statement).startswith(BASE + "assertion/an21-tasnim-us-created-isis/claim/")


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("application/n-triples", "application/n-triples"),
        ("application/ld+json", "application/ld+json"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/n-quads", "application/n-quads"),
    ],
)
def test_entity_in_each_rdf_format(http: httpx.Client, accept: str, media: str) -> None:
    response = http.get("/entity/masoud-barzani", headers={"Accept": accept})
    assert response.status_code == 200 and response.headers["content-type"].startswith(media)
    assert "Masoud Barzani" in response.text


def test_ontology_dereferences(http: httpx.Client) -> None:
    turtle = http.get("/ontology", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=turtle.text, format="turtle")
    assert (URIRef(AT + "Assertion"), None, None) in graph
    assert (
        URIRef("https://w3id.org/attest/ontology"),
        URIRef("http://www.w3.org/2002/07/owl#versionIRI"),
        None,
    ) in graph
    page = http.get("/ontology", headers={"Accept": "text/html"}).text
    assert 'id="persuaded"' in page and "P112" in page


def test_unknown_iri_is_404_and_unknown_format_406(http: httpx.Client) -> None:
    assert http.get("/entity/nobody-at-all", headers={"Accept": "text/turtle"}).status_code == 404
    assert http.get("/assertion/none/claim", headers={"Accept": "text/turtle"}).status_code == 404
    assert http.get("/entity/isis", headers={"Accept": "image/png"}).status_code == 406
