"""The look-ups the benchmark times: an HTTP request, and a raw query for the same answer.

Each raw query is the core SPARQL pattern of the answer's first page (20 rows,
the API's default page), run in-process by pyoxigraph on the very store the server
reads. Where a bounded query cannot give the answer (the contested set, search,
counts per document, a timeline) the raw query is the direct way to compute it
without a read model, so its figure shows what precomputing saves.
"""

from __future__ import annotations

import dataclasses

from corpus import Corpus

BASE = "https://w3id.org/attest/"
PREFIXES = f"""PREFIX at: <{BASE}ontology#>
PREFIX entity: <{BASE}entity/>
PREFIX document: <{BASE}document/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
PAGE = 20


@dataclasses.dataclass(frozen=True)
class Lookup:
    """One row of the table: what to request over HTTP and what to run raw."""

    label: str
    path: str
    params: dict[str, str] = dataclasses.field(default_factory=dict)
    accept: str = "application/json"
    raw: str | None = None  # SPARQL for pyoxigraph on the same store
    against_oxigraph_serve: bool = False  # compare with `oxigraph serve` over HTTP instead


def _provenance(triple: tuple[str, str, str]) -> str:
    subject, relation, obj = triple
    return (
        PREFIXES
        + f"""SELECT ?assertion ?speaker ?document ?exact WHERE {{
  GRAPH ?claim {{ entity:{subject} at:{relation} entity:{obj} }}
  ?assertion at:claim ?claim ; at:assertedBy ?speaker ; at:statedIn ?document ;
             oa:hasTarget/oa:hasSelector/oa:exact ?exact .
}} LIMIT {PAGE}"""
    )


def _entity(entity_id: str) -> str:
    return (
        PREFIXES
        + f"""SELECT ?label ?assertion ?s ?p ?o WHERE {{
  entity:{entity_id} rdfs:label ?label .
  {{ GRAPH ?claim {{ entity:{entity_id} ?p ?o }} BIND (entity:{entity_id} AS ?s) }}
  UNION
  {{ GRAPH ?claim {{ ?s ?p entity:{entity_id} }} BIND (entity:{entity_id} AS ?o) }}
  ?assertion at:claim ?claim .
}} LIMIT {PAGE}"""
    )


def lookups(corpus: Corpus) -> list[Lookup]:
    """The look-ups of issue 8, with the ids *corpus* was written with."""
    single, popular = corpus.single_triple, corpus.popular_triple
    most, rare = corpus.most_cited, corpus.rarely_cited

    def triple_params(triple: tuple[str, str, str]) -> dict[str, str]:
        return {
            "subject": f"entity:{triple[0]}",
            "predicate": triple[1],
            "object": f"entity:{triple[2]}",
        }

    return [
        Lookup(
            "`/api/provenance`, triple asserted once",
            "/api/provenance",
            triple_params(single),
            raw=_provenance(single),
        ),
        Lookup(
            "`/api/provenance`, popular triple",
            "/api/provenance",
            triple_params(popular),
            raw=_provenance(popular),
        ),
        Lookup(
            "`/api/entities/<id>`, rarely cited",
            f"/api/entities/{rare}",
            raw=_entity(rare),
        ),
        Lookup(
            "`/api/entities/<id>`, most cited",
            f"/api/entities/{most}",
            raw=_entity(most),
        ),
        Lookup(
            "`/entity/<id>` HTML, most cited",
            f"/entity/{most}",
            accept="text/html",
            raw=_entity(most),
        ),
        Lookup(
            "`/api/speakers/<id>`, most frequent speaker",
            f"/api/speakers/{corpus.top_speaker}",
            raw=PREFIXES
            + f"""SELECT ?assertion ?document ?exact WHERE {{
  ?assertion at:assertedBy entity:{corpus.top_speaker} ; at:statedIn ?document ;
             oa:hasTarget/oa:hasSelector/oa:exact ?exact .
}} LIMIT {PAGE}""",
        ),
        Lookup(
            "`/api/documents/<id>`",
            f"/api/documents/{corpus.document}",
            raw=PREFIXES
            + f"""SELECT ?title ?assertion ?start ?end WHERE {{
  document:{corpus.document} dcterms:title ?title .
  ?assertion at:statedIn document:{corpus.document} ; oa:hasTarget/oa:hasSelector ?position .
  ?position oa:start ?start ; oa:end ?end .
}} LIMIT {PAGE}""",
        ),
        Lookup(
            "`/api/contested`",
            "/api/contested",
            raw=PREFIXES
            + f"""SELECT ?s ?p ?o (COUNT(DISTINCT ?contesting) AS ?contestedBy) WHERE {{
  ?contesting at:disputes ?affirming .
  ?affirming at:claim ?claim .
  GRAPH ?claim {{ ?s ?p ?o }}
}} GROUP BY ?s ?p ?o LIMIT {PAGE}""",
        ),
        Lookup(
            "`/api/search?q=` (entity names)",
            "/api/search",
            {"q": corpus.name_query},
            raw=PREFIXES
            + f"""SELECT ?entity ?label WHERE {{
  ?entity rdfs:label ?label .
  FILTER (CONTAINS(LCASE(STR(?label)), "{corpus.name_query.lower()}"))
}} LIMIT {PAGE}""",
        ),
        Lookup(
            "`/api/quotes?q=` (text of quotes)",
            "/api/quotes",
            {"q": corpus.quote_query},
            raw=PREFIXES
            + f"""SELECT ?assertion ?exact WHERE {{
  ?assertion oa:hasTarget/oa:hasSelector/oa:exact ?exact .
  FILTER (CONTAINS(?exact, "{corpus.quote_query}"))
}} LIMIT {PAGE}""",
        ),
        Lookup(
            "`/api/timeline`",
            "/api/timeline",
            raw=PREFIXES
            + f"""SELECT ?assertion ?when WHERE {{
  ?assertion at:claimTime ?when .
}} ORDER BY ?when LIMIT {PAGE}""",
        ),
        Lookup(
            "`/api/entities/<id>/neighbours`, most cited",
            f"/api/entities/{most}/neighbours",
            raw=PREFIXES
            + f"""SELECT DISTINCT ?neighbour WHERE {{
  {{ GRAPH ?claim {{ entity:{most} ?p ?neighbour }} }}
  UNION
  {{ GRAPH ?claim {{ ?neighbour ?p entity:{most} }} }}
  FILTER (isIRI(?neighbour))
}} LIMIT {PAGE}""",
        ),
        Lookup(
            "home page `/`",
            "/",
            accept="text/html",
            raw=PREFIXES
            + f"""SELECT ?document (COUNT(?assertion) AS ?assertions) WHERE {{
  ?assertion at:statedIn ?document .
}} GROUP BY ?document LIMIT {PAGE}""",
        ),
        Lookup(
            "`/sparql` vs `oxigraph serve`, one SELECT",
            "/sparql",
            {"query": _provenance(popular)},
            accept="application/sparql-results+json",
            against_oxigraph_serve=True,
        ),
    ]
