"""Every IRI under the data base dereferences: HTML for browsers, RDF by content negotiation."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pyoxigraph import DefaultGraph
from pyoxigraph import NamedNode
from pyoxigraph import RdfFormat
from pyoxigraph import parse
from rdflib import Graph
from rdflib import URIRef

from loader import pipeline
from loader.settings import Settings
from loader.store import open_store
from tests.conftest import Server
from tests.conftest import graphs_of
from tests.conftest import start_server
from tests.conftest import stop

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
    graphs = graphs_of(parse(jsonld.content, RdfFormat.JSON_LD))
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


@pytest.mark.parametrize("accept", ["text/turtle", "application/n-triples", "application/trig"])
def test_named_graphs_under_the_base_dereference(http: httpx.Client, accept: str) -> None:
    for path in ("/graph/inferred", "/graph/wikidata"):
        response = http.get(path, headers={"Accept": accept})
        assert response.status_code == 200, (path, response.text)
        assert response.headers["content-type"].startswith(accept)
    trig = http.get("/graph/inferred", headers={"Accept": "application/trig"})
    graphs = graphs_of(parse(trig.content, RdfFormat.TRIG))
    assert len(graphs[BASE + "graph/inferred"]) > 0, "TriG carries the graph's content"
    flat = Graph().parse(
        data=http.get("/graph/inferred", headers={"Accept": "text/turtle"}).text, format="turtle"
    )
    [size] = flat.objects(
        URIRef(BASE + "graph/inferred"), URIRef("http://rdfs.org/ns/void#triples")
    )
    assert int(size) == len(graphs[BASE + "graph/inferred"])  # type: ignore[call-overload]
    assert http.get("/graph/no-such-graph", headers={"Accept": "text/turtle"}).status_code == 404


def test_ontology_version_iri_and_dataset_formats(http: httpx.Client) -> None:
    versioned = http.get("/ontology/0.1.0", headers={"Accept": "text/turtle"})
    assert versioned.status_code == 200
    graph = Graph().parse(data=versioned.text, format="turtle")
    assert (URIRef(AT + "Assertion"), None, None) in graph
    assert http.get("/ontology/0.1.0", headers={"Accept": "text/html"}).status_code == 200
    assert http.get("/ontology/9.9.9", headers={"Accept": "text/turtle"}).status_code == 404
    for accept, fmt in (
        ("application/trig", RdfFormat.TRIG),
        ("application/n-quads", RdfFormat.N_QUADS),
    ):
        response = http.get("/ontology", headers={"Accept": accept})
        assert response.headers["content-type"].startswith(accept)
        quads = list(parse(response.content, fmt))
        assert any(q.subject == NamedNode(AT + "Assertion") for q in quads)


@pytest.mark.parametrize(
    ("accept", "media"),
    [("application/json", "application/json"), ("text/n3", "text/n3")],
)
def test_entity_pages_answer_json_and_n3(http: httpx.Client, accept: str, media: str) -> None:
    response = http.get("/entity/masoud-barzani", headers={"Accept": accept})
    assert response.status_code == 200 and response.headers["content-type"].startswith(media)
    assert "Masoud Barzani" in response.text


def test_jsonld_reads_as_json_with_a_served_context(
    http: httpx.Client, live_server: Server
) -> None:
    response = http.get("/entity/masoud-barzani", headers={"Accept": "application/ld+json"})
    document = response.json()
    nodes = {node["@id"]: node for node in document["@graph"]}
    barzani = nodes["entity:masoud-barzani"]
    assert {"@language": "en", "@value": "Masoud Barzani"} in barzani["rdfs:label"]
    assert "at:Person" in barzani["@type"]
    assert document["@context"]["entity"] == BASE + "entity/"
    assert f"<{live_server.url('/context.jsonld')}>" in response.headers["link"]
    served = http.get("/context.jsonld")
    assert served.headers["content-type"].startswith("application/ld+json")
    assert served.json()["@context"] == document["@context"]
    # The same triples as N-Triples: compacting changed the reading, not the data.
    compact = {
        q.triple
        for q in parse(response.content, RdfFormat.JSON_LD)
        if isinstance(q.graph_name, DefaultGraph)
    }
    ntriples = http.get("/entity/masoud-barzani", headers={"Accept": "application/n-triples"})
    assert compact == {q.triple for q in parse(ntriples.content, RdfFormat.N_TRIPLES)}


def test_cors_on_every_read_only_page(http: httpx.Client) -> None:
    for path in (
        "/",
        "/entity/isis",
        "/document/callamard-tweet-2020-01",
        "/ontology",
        "/api/contested",
    ):
        response = http.get(path, headers={"Origin": "http://elsewhere.example"})
        assert response.headers["access-control-allow-origin"] == "*", path
    preflight = http.options(
        "/sparql",
        headers={
            "Origin": "http://elsewhere.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-api-key, content-type",
        },
    )
    assert preflight.status_code == 204
    allowed = {
        h.strip().lower() for h in preflight.headers["access-control-allow-headers"].split(",")
    }
    assert {"x-api-key", "content-type"} <= allowed
    page = http.options(
        "/entity/isis",
        headers={"Origin": "http://elsewhere.example", "Access-Control-Request-Method": "GET"},
    )
    assert page.status_code == 204 and page.headers["access-control-allow-origin"] == "*"


def test_validators_from_the_load_and_304(http: httpx.Client) -> None:
    first = http.get("/entity/isis", headers={"Accept": "text/turtle"})
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert "max-age" in first.headers["cache-control"]
    again = http.get("/entity/isis", headers={"Accept": "text/turtle", "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    since = http.get(
        "/entity/isis", headers={"Accept": "text/turtle", "If-Modified-Since": modified}
    )
    assert since.status_code == 304
    other_format = http.get("/entity/isis", headers={"Accept": "text/html", "If-None-Match": etag})
    assert other_format.status_code == 200, "one ETag per representation"
    stale = http.get("/entity/isis", headers={"Accept": "text/turtle", "If-None-Match": 'W/"old"'})
    assert stale.status_code == 200


def test_a_new_load_changes_the_validators(settings: Settings, tmp_path: Path) -> None:
    pipeline.load(settings)
    server = start_server(settings.data_dir, tmp_path, "--seeds-dir", str(settings.seeds_dir))
    try:
        with httpx.Client(base_url=server.base, timeout=60) as client:
            before = client.get("/load", headers={"Accept": "text/turtle"}).headers["etag"]
            assert (
                client.get(
                    "/load", headers={"Accept": "text/turtle", "If-None-Match": before}
                ).status_code
                == 304
            )
            pipeline.load(settings)  # a fresh store is switched in under the running server
            after = client.get("/load", headers={"Accept": "text/turtle", "If-None-Match": before})
            assert after.status_code == 200 and after.headers["etag"] != before
    finally:
        stop(server.process)
