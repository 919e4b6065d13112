"""Invariants of the built graph: no blank nodes, no bare claims, grounded quotes, SHACL that bites."""

from __future__ import annotations

from pyoxigraph import DefaultGraph
from pyoxigraph import RdfFormat
from pyoxigraph import serialize
from rdflib import Graph
from rdflib import Literal
from rdflib import Namespace

from loader import pipeline
from loader.settings import Settings
from loader.shacl import shacl_problems
from loader.store import MemoryStore
from loader.store import open_store

OA = Namespace("http://www.w3.org/ns/oa#")
AT = "PREFIX at: <https://w3id.org/attest/ontology#>\nPREFIX oa: <http://www.w3.org/ns/oa#>\n"


def _ask(settings: Settings, query: str) -> bool:
    with open_store(settings) as store:
        return bool(store.query(AT + query))


def test_no_blank_nodes_anywhere(seed_settings: Settings) -> None:
    assert not _ask(
        seed_settings,
        "ASK { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } FILTER (isBlank(?s) || isBlank(?o)) }",
    )


def test_default_graph_holds_no_claim_triples(seed_settings: Settings) -> None:
    assert _ask(seed_settings, "ASK { GRAPH ?g { ?s ?p ?o } ?p a at:ClaimRelation }")
    assert not _ask(seed_settings, "ASK { ?s ?p ?o . ?p a at:ClaimRelation }")


def test_every_quote_is_the_text_at_its_offsets(seed_settings: Settings) -> None:
    assert not _ask(
        seed_settings,
        """ASK {
          ?a oa:hasTarget ?t . ?t oa:hasSource ?d ; oa:hasSelector ?q , ?p .
          ?q oa:exact ?exact . ?p oa:start ?start ; oa:end ?end . ?d at:text ?text .
          FILTER (SUBSTR(?text, ?start + 1, ?end - ?start) != ?exact)
        }""",
    )


def test_every_assertion_has_one_speaker_document_and_a_non_empty_claim(
    seed_settings: Settings,
) -> None:
    assert not _ask(
        seed_settings,
        "ASK { ?a a at:Assertion FILTER NOT EXISTS { ?a at:assertedBy ?s ; at:statedIn ?d ; at:claim ?c . GRAPH ?c { ?x ?y ?z } } }",
    )
    assert not _ask(seed_settings, "ASK { ?a at:assertedBy ?s1 , ?s2 FILTER (?s1 != ?s2) }")


def test_shacl_catches_offsets_that_do_not_fit(seed_prepared: pipeline.Prepared) -> None:
    store = MemoryStore()
    store.replace(pipeline.quads_of(seed_prepared))
    default = [q.triple for q in store.quads() if isinstance(q.graph_name, DefaultGraph)]
    graph = Graph().parse(data=serialize(default, format=RdfFormat.N_TRIPLES), format="nt")
    assert shacl_problems(graph, seed_prepared.shapes, seed_prepared.corpus) == []
    position = next(graph.subjects(OA.start, None))
    start = next(graph.objects(position, OA.start))
    graph.set((position, OA.start, Literal(int(start) + 1)))
    problems = shacl_problems(graph, seed_prepared.shapes, seed_prepared.corpus)
    assert any(
        "must fit the source text and cover exactly the quote" in p.message for p in problems
    )
    assert all(p.file.startswith("documents/") for p in problems), "mapped back to the seed file"
