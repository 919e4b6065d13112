"""Every curl line of the README answers what the README says it answers, not just 200.

Each curl is run against the real server over the seed store, and its answer is
checked for its media type and its content: the rows, the triples or the JSON
a reader of the README would look for. A curl added to the README without an
expectation here fails, naming the line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from xml.etree import ElementTree

import httpx
import pytest
from pyoxigraph import DefaultGraph
from pyoxigraph import NamedNode
from pyoxigraph import Quad
from pyoxigraph import RdfFormat
from pyoxigraph import parse
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.namespace import OWL
from rdflib.namespace import RDF
from rdflib.namespace import RDFS

from tests.conftest import Server
from tests.test_docs import CURLS

ENTITY = "https://w3id.org/attest/entity/"
AT = "https://w3id.org/attest/ontology#"
SD = "http://www.w3.org/ns/sparql-service-description#"

Check = Callable[[httpx.Response], None]


def _media(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip()


def _bindings(response: httpx.Response) -> list[dict[str, str]]:
    assert _media(response) == "application/sparql-results+json", _media(response)
    return [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]


def _persons(response: httpx.Response) -> None:
    rows = _bindings(response)
    assert len(rows) == 3
    assert all(row["s"].startswith(ENTITY) for row in rows)


def _ask_xml(response: httpx.Response) -> None:
    assert _media(response) == "application/sparql-results+xml"
    root = ElementTree.fromstring(response.content)
    [boolean] = [e for e in root.iter() if e.tag.endswith("boolean")]
    assert boolean.text == "true"


def _who_claims_csv(response: httpx.Response) -> None:
    assert _media(response) == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert set(rows[0]) == {"speaker", "stance", "document", "quote", "assertion"}
    assert len(rows) >= 5, "several sources claim it"
    assertions = {row["assertion"].rsplit("/", 1)[-1]: row for row in rows}
    assert assertions["an21-author-denies-us-created-isis"]["stance"] == "denies"
    assert assertions["an21-tasnim-us-created-isis"]["stance"] == "affirms"


def _union_graph(response: httpx.Response) -> None:
    [row] = _bindings(response)
    assert row["g"].startswith("https://w3id.org/attest/")


def _service_description(response: httpx.Response) -> None:
    assert _media(response) == "text/turtle"
    graph = Graph().parse(data=response.text, format="turtle")
    assert (None, RDF.type, URIRef(SD + "Service")) in graph


def _us_created_daesh(response: httpx.Response) -> None:
    body = response.json()
    assert body["total"] >= 5 and body["results"]
    for result in body["results"]:
        claim = result["claim"]
        assert claim["subject"]["iri"] == ENTITY + "united-states"
        assert claim["predicate"]["iri"] == AT + "created"
        assert claim["object"]["iri"] == ENTITY + "isis"
    stances = {r["assertion"]["stance"] for r in body["results"]}
    assert stances == {"affirms", "denies"}, "the claim is attributed, and one source denies it"


def _soleimani_persuaded(response: httpx.Response) -> None:
    body = response.json()
    assert body["page"] == 1 and body["per_page"] == 20 and body["results"]
    for result in body["results"]:
        assert result["claim"]["subject"]["iri"] == ENTITY + "qassem-soleimani"
        assert result["claim"]["predicate"]["iri"] == AT + "persuaded"


def _barzani(response: httpx.Response) -> None:
    body = response.json()
    assert body["label"] == "Masoud Barzani" and body["types"] == ["Person"]
    assert body["claims_made"], "he is the speaker of several assertions"


def _letters_page(response: httpx.Response) -> None:
    body = response.json()
    assert {p["id"] for p in body["parts"]} == {
        "khamenei-reply-2017-11-21",
        "soleimani-letter-2017-11-21",
    }
    for span in body["assertions"]:
        assert body["text"][span["start"] : span["end"]] == span["quote"]


def _denial(response: httpx.Response) -> None:
    body = response.json()
    assert body["id"] == "an21-author-denies-us-created-isis" and body["stance"] == "denies"
    assert [d["id"] for d in body["disputes"]] == ["an21-tasnim-us-created-isis"]


def _search_qassim(response: httpx.Response) -> None:
    results = response.json()["results"]
    assert results[0]["id"] == "qassem-soleimani"
    assert {r["type"] for r in results} == {"Person"}


def _contested(response: httpx.Response) -> None:
    body = response.json()
    assert body["total"] == len(body["results"]) > 0
    for claim in body["results"]:
        assert claim["affirmed_by"] and claim["contested_by"], "both sides, always"


def _openapi(response: httpx.Response) -> None:
    spec = response.json()
    assert spec["openapi"].startswith("3.")
    assert "/api/provenance" in spec["paths"]


def _entity_turtle(response: httpx.Response) -> None:
    assert _media(response) == "text/turtle"
    graph = Graph().parse(data=response.text, format="turtle")
    barzani = URIRef(ENTITY + "masoud-barzani")
    assert (barzani, RDFS.label, Literal("Masoud Barzani", lang="en")) in graph
    assert (barzani, RDF.type, URIRef(AT + "Person")) in graph


def _assertion_trig(response: httpx.Response) -> None:
    assert _media(response) == "application/trig"
    quads = list(parse(response.content, RdfFormat.TRIG))
    assertion = NamedNode("https://w3id.org/attest/assertion/an21-tasnim-us-created-isis")
    claim = NamedNode(assertion.value + "/claim")
    us_created_isis = (
        NamedNode(ENTITY + "united-states"),
        NamedNode(AT + "created"),
        NamedNode(ENTITY + "isis"),
    )
    assert Quad(*us_created_isis, claim) in quads, "the claim is in the assertion's own graph"
    assert Quad(assertion, NamedNode(AT + "claim"), claim, DefaultGraph()) in quads
    assert Quad(*us_created_isis, DefaultGraph()) not in quads, "never a bare contested fact"


def _document_jsonld(response: httpx.Response) -> None:
    assert _media(response) == "application/ld+json"
    quads = list(parse(response.content, RdfFormat.JSON_LD))
    document = NamedNode("https://w3id.org/attest/document/soleimani-letter-2017-11-21")
    kinds = {
        q.object for q in quads if q.subject == document and q.predicate.value == str(RDF.type)
    }
    assert NamedNode(AT + "Letter") in kinds


def _ontology(response: httpx.Response) -> None:
    assert _media(response) == "text/turtle"
    graph = Graph().parse(data=response.text, format="turtle")
    assert (URIRef(AT + "Assertion"), RDF.type, OWL.Class) in graph
    assert (URIRef(AT + "created"), RDF.type, URIRef(AT + "ClaimRelation")) in graph


def _manifest(response: httpx.Response) -> None:
    body = response.json()
    assert body["identifierSpace"] == ENTITY and "versions" in body


def _reconcile(response: httpx.Response) -> None:
    [top, *_] = response.json()["q0"]["result"]
    assert top["id"] == "qassem-soleimani" and top["type"][0]["id"] == "Person"


def _preview(response: httpx.Response) -> None:
    assert _media(response) == "text/html"
    assert "Masoud Barzani" in response.text


def _suggest(response: httpx.Response) -> None:
    assert response.json()["result"][0]["id"] == "masoud-barzani"


# (method, the URL after the port, the start of its form) → what the answer must hold
EXPECTATIONS: dict[tuple[str, str, str], Check] = {
    (
        "POST",
        "/sparql",
        "query=SELECT ?s WHERE { ?s a <https://w3id.org/attest/ontology#Person>",
    ): _persons,
    ("GET", "/sparql?query=ASK%7B%7D", ""): _ask_xml,
    ("POST", "/sparql", "<body>"): _who_claims_csv,
    ("POST", "/sparql?union-default-graph=true", "query=SELECT ?g"): _union_graph,
    ("GET", "/sparql", ""): _service_description,
    (
        "GET",
        "/api/provenance?subject=United%20States&predicate=created&object=Daesh",
        "",
    ): _us_created_daesh,
    (
        "GET",
        "/api/provenance?subject=entity:qassem-soleimani&predicate=persuaded&page=1&per_page=20",
        "",
    ): _soleimani_persuaded,
    ("GET", "/api/entities/masoud-barzani", ""): _barzani,
    ("GET", "/api/documents/khamenei-ir-2017-11-22-letters", ""): _letters_page,
    ("GET", "/api/assertions/an21-author-denies-us-created-isis", ""): _denial,
    ("GET", "/api/search?q=Qassim&type=Person", ""): _search_qassim,
    ("GET", "/api/contested", ""): _contested,
    ("GET", "/api/openapi.json", ""): _openapi,
    ("GET", "/entity/masoud-barzani", ""): _entity_turtle,
    ("GET", "/assertion/an21-tasnim-us-created-isis", ""): _assertion_trig,
    ("GET", "/document/soleimani-letter-2017-11-21", ""): _document_jsonld,
    ("GET", "/ontology", ""): _ontology,
    ("GET", "/reconcile", ""): _manifest,
    ("POST", "/reconcile", 'queries={"q0":{"query":"Qassim Soleimani"'): _reconcile,
    ("GET", "/reconcile/preview?id=masoud-barzani", ""): _preview,
    ("GET", "/reconcile/suggest/entity?prefix=Barz", ""): _suggest,
}


def _expectation(
    method: str, url: str, form: dict[str, str], body: bytes | None
) -> tuple[tuple[str, str, str], Check] | None:
    path = url.split("127.0.0.1:5000", 1)[1]
    if body is not None:
        sent = "<body>"
    else:
        sent = "&".join(f"{k}={v}" for k, v in form.items())
    for (m, p, start), check in EXPECTATIONS.items():
        if m == method and p == path and (sent.startswith(start) if start else not sent):
            return (m, p, start), check
    return None


def test_every_expectation_matches_a_readme_curl() -> None:
    used = {_expectation(*c[:2], c[3], c[4]) for c in CURLS}
    matched = {found[0] for found in used if found is not None}
    assert matched == set(EXPECTATIONS), "an expectation has no curl left in the README"


@pytest.mark.parametrize(
    ("method", "url", "headers", "form", "body"),
    CURLS,
    ids=[c[1].split("5000")[1][:60] for c in CURLS],
)
def test_readme_curl_answers_what_the_readme_says(
    live_server: Server,
    method: str,
    url: str,
    headers: dict[str, str],
    form: dict[str, str],
    body: bytes | None,
) -> None:
    found = _expectation(method, url, form, body)
    assert found is not None, f"no expectation for the README's curl {method} {url}; add one"
    target = url.replace("http://127.0.0.1:5000", live_server.base)
    response = httpx.request(
        method,
        target,
        headers=headers,
        content=body,
        data=form or None,
        timeout=60,
    )
    assert response.status_code == 200, response.text[:300]
    found[1](response)
