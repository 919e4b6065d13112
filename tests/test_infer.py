"""Inference keeps attribution, and equals owlrl's closure on the corpus.

The reference is owlrl itself, run here and filtered here (:func:`_owlrl_adds`):
nothing of ``loader.infer`` computes the expected answer.
"""

from __future__ import annotations

from collections import defaultdict

import owlrl
import pytest
from pyoxigraph import Literal as OxLiteral
from pyoxigraph import QuerySolutions
from rdflib import BNode
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.namespace import OWL

from loader import infer
from loader import pipeline
from loader.settings import Settings
from loader.store import open_store
from loader.vocab import AT
from loader.vocab import RDF

Triple = tuple[object, object, object]
SEP = "~assertion-"


def _rdflib(term: object) -> URIRef | Literal:
    if isinstance(term, OxLiteral):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    return URIRef(str(term))


def _renamed(term: object, index: int, entity_prefix: str) -> URIRef | Literal:
    node = _rdflib(term)
    if isinstance(node, URIRef) and str(node).startswith(entity_prefix):
        return URIRef(f"{node}{SEP}{index}")
    return node


def _close(ontology: Graph) -> Graph:
    """owlrl's OWL-RL closure of a copy of *ontology*."""
    closed = Graph()
    for triple in ontology:
        closed.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(closed)
    return closed


def _owlrl_adds(closed: Graph, data: Graph, entity_prefix: str) -> set[Triple]:
    """What owlrl's closure adds to *data* about entities (the test's own filter).

    Kept: new triples whose subject is an entity. Dropped: blank nodes,
    owl:Thing types and x owl:sameAs x, which say nothing about a claim.
    """
    graph = Graph()
    for triple in closed:
        graph.add(triple)
    for triple in data:
        graph.add(triple)
    before = set(graph)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    kept: set[Triple] = set()
    for s, p, o in set(graph) - before:
        if not str(s).startswith(entity_prefix) or isinstance(o, BNode):
            continue
        if o == OWL.Thing or (p == OWL.sameAs and s == o):
            continue
        kept.add((s, p, o))
    return kept


def _owner(triple: Triple) -> set[int]:
    return {int(str(t).rsplit(SEP, 1)[1]) for t in triple if SEP in str(t)}


def _reference_and_ours(
    prepared: pipeline.Prepared,
) -> tuple[dict[int, set[Triple]], dict[int, set[Triple]]]:
    """owlrl's per-assertion consequences and ours, in comparable (renamed) form.

    owlrl runs once over every claim at once, each assertion's entities renamed
    apart (``…~assertion-N``), so no rule can join two assertions' triples: the
    same as one run per assertion, at a fraction of the cost. A test below
    checks that equivalence on real assertions.
    """
    corpus = prepared.corpus
    entity_prefix = corpus.iris.entity("")
    closed = _close(prepared.ontology)
    claims, catalogue = Graph(), Graph()
    ours: dict[int, set[Triple]] = {}
    for index, claim in enumerate(corpus.claims.values()):
        known = {}
        for subject, predicate, obj in claim:
            claims.add(
                (
                    _renamed(subject, index, entity_prefix),
                    URIRef(predicate),
                    _renamed(obj, index, entity_prefix),
                )
            )
            for node in (subject, obj):
                if isinstance(node, str) and node.startswith(entity_prefix):
                    entity_id = node[len(entity_prefix) :]
                    kind = corpus.entities[entity_id].type
                    catalogue.add((_renamed(node, index, entity_prefix), RDF.type, AT._NS[kind]))
                    known[node] = corpus.entity_types[entity_id]
        ours[index] = {
            tuple(_renamed(t, index, entity_prefix) for t in inference.triple)  # type: ignore[misc]
            for inference in infer.infer_claim(corpus.schema, claim, known)
        }
    background = _owlrl_adds(closed, catalogue, entity_prefix) | set(catalogue)
    with_claims = _owlrl_adds(closed, catalogue + claims, entity_prefix)
    expected: dict[int, set[Triple]] = defaultdict(set)
    for triple in with_claims - background - set(claims):
        owners = _owner(triple)
        assert len(owners) == 1, f"owlrl joined two assertions' triples: {triple}"
        expected[owners.pop()].add(triple)
    return dict(expected), ours


def _check_equal(prepared: pipeline.Prepared) -> int:
    expected, ours = _reference_and_ours(prepared)
    assert set(expected) <= set(ours)
    compared = 0
    for index, triples in ours.items():
        assert triples == expected.get(index, set()), f"assertion #{index} differs from owlrl"
        compared += len(triples)
    return compared


def test_per_assertion_inference_equals_owlrl_on_fixture(settings: Settings) -> None:
    assert _check_equal(pipeline.prepare(settings)) > 0


def test_per_assertion_inference_equals_owlrl_on_seed_corpus(
    seed_prepared: pipeline.Prepared,
) -> None:
    assert _check_equal(seed_prepared) > 100


def test_renamed_batch_equals_separate_owlrl_runs(seed_prepared: pipeline.Prepared) -> None:
    """The batch trick above is sound: separate owlrl runs give the same for real assertions."""
    corpus = seed_prepared.corpus
    closed = _close(seed_prepared.ontology)
    expected, _ = _reference_and_ours(seed_prepared)
    entity_prefix = corpus.iris.entity("")
    checked = 0
    for index, (assertion_id, claim) in enumerate(corpus.claims.items()):
        if index % 25:
            continue
        data, catalogue = Graph(), Graph()
        for subject, predicate, obj in claim:
            data.add((_rdflib(subject), URIRef(predicate), _rdflib(obj)))
            for node in (subject, obj):
                if isinstance(node, str) and node.startswith(entity_prefix):
                    kind = corpus.entities[node[len(entity_prefix) :]].type
                    catalogue.add((URIRef(node), RDF.type, AT._NS[kind]))
        separate = (
            _owlrl_adds(closed, catalogue + data, entity_prefix)
            - _owlrl_adds(closed, catalogue, entity_prefix)
            - set(catalogue)
            - set(data)
        )
        renamed_back = {
            tuple(URIRef(str(t).split(SEP)[0]) if SEP in str(t) else t for t in triple)
            for triple in expected.get(index, set())
        }
        assert separate == renamed_back, assertion_id
        checked += 1
    assert checked >= 5


def _ask(settings: Settings, query: str, *, union: bool = False) -> bool:
    store = open_store(settings)
    try:
        return bool(store.query(query, union=union))
    finally:
        store.close()


def _select(settings: Settings, query: str) -> list[dict[str, str]]:
    store = open_store(settings)
    try:
        rows = store.query(query)
        assert isinstance(rows, QuerySolutions)
        names = [v.value for v in rows.variables]
        return [{n: row[n].value for n in names if row[n] is not None} for row in rows]
    finally:
        store.close()


PREFIXES = "PREFIX at: <https://w3id.org/attest/ontology#>\n"


def test_inverse_stays_under_the_same_assertion_and_out_of_the_default_graph(
    seed_settings: Settings,
) -> None:
    rows = _select(
        seed_settings,
        PREFIXES
        + """SELECT ?a ?s ?o WHERE {
            ?a at:claim ?claim ; at:inferred ?inferred .
            GRAPH ?claim { ?s at:created ?o }
            GRAPH ?inferred { ?o at:foundedBy ?s }
        }""",
    )
    assert rows, "some seed assertion claims that someone created a group"
    for row in rows:
        inverse = f"<{row['o']}> at:foundedBy <{row['s']}>"
        assert not _ask(seed_settings, PREFIXES + f"ASK {{ {inverse} }}"), (
            "inverse in default graph"
        )
        owners = _select(
            seed_settings,
            PREFIXES + f"SELECT ?g WHERE {{ GRAPH ?g {{ {inverse} }} }}",
        )
        # Only inferred graphs of assertions that claim the same 'created' hold it.
        for owner in owners:
            graph = owner["g"]
            assert graph.endswith("/inferred")
            claimant = graph[: -len("/inferred")]
            assert _ask(
                seed_settings,
                PREFIXES
                + f"ASK {{ <{claimant}> at:claim ?c . GRAPH ?c {{ <{row['s']}> at:created <{row['o']}> }} }}",
            )


def test_inferred_triples_link_to_their_curated_premises(seed_settings: Settings) -> None:
    rows = _select(
        seed_settings,
        PREFIXES
        + """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT ?statement ?rule ?premise ?ps ?pp ?po ?claim WHERE {
            ?a at:inferred ?inferred ; at:claim ?claim .
            ?inferred at:statement ?statement .
            ?statement at:rule ?rule ; at:premise ?premise .
            ?premise rdf:subject ?ps ; rdf:predicate ?pp ; rdf:object ?po .
        }""",
    )
    assert rows
    for row in rows[:50]:
        assert row["premise"].startswith(row["claim"] + "/")
        assert _ask(
            seed_settings,
            f"ASK {{ GRAPH <{row['claim']}> {{ <{row['ps']}> <{row['pp']}> ?o FILTER(STR(?o) = {_literal(row['po'])}) }} }}",
        )


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def test_closure_adds_no_triple_about_a_wikidata_item(seed_settings: Settings) -> None:
    assert not _ask(
        seed_settings,
        """ASK { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } FILTER (!STRENDS(STR(?g), "/graph/wikidata")) }
                 FILTER (STRSTARTS(STR(?s), "http://www.wikidata.org/")) }""",
    )


@pytest.mark.parametrize("graph", ["default", "inferred"])
def test_no_claim_relation_is_used_outside_claim_and_inferred_graphs(
    seed_settings: Settings, graph: str
) -> None:
    if graph == "default":
        query = PREFIXES + "ASK { ?s ?p ?o . ?p a at:ClaimRelation }"
    else:
        query = PREFIXES + (
            "ASK { ?p a at:ClaimRelation . GRAPH ?g { ?s ?p ?o } "
            'FILTER (!STRENDS(STR(?g), "/claim") && !STRENDS(STR(?g), "/inferred") '
            '|| STRENDS(STR(?g), "/graph/inferred")) }'
        )
    assert not _ask(seed_settings, query)
