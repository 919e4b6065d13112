"""Per-claim inference on a tiny hand-written ontology, checked against hand-written answers.

Every expected inference below (its triple, rule and curated premises) is
written out by hand; a second check runs owlrl itself on the same ontology and
claims, with a filter written here, not the loader's, so neither expectation
comes from the code under test.
"""

from __future__ import annotations

import dataclasses

import owlrl
import pytest
from pyoxigraph import Literal as OxLiteral
from rdflib import BNode
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.namespace import OWL
from rdflib.namespace import RDFS

from loader import infer
from loader.infer import Inference
from loader.ontology import Schema

ONT = "http://example.org/o#"
DATA = "http://example.org/d/"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
ONTOLOGY = f"""
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
@prefix o:    <{ONT}> .
o:Agent a owl:Class .
o:Person a owl:Class ; rdfs:subClassOf o:Agent .
o:Group a owl:Class ; rdfs:subClassOf o:Agent .
o:Place a owl:Class .
o:supported a owl:ObjectProperty ; owl:inverseOf o:supportedBy .
o:supportedBy a owl:ObjectProperty .
o:armed a owl:ObjectProperty ; rdfs:subPropertyOf o:supported ;
    rdfs:domain o:Agent ; rdfs:range o:Agent ; owl:inverseOf o:armedBy .
o:armedBy a owl:ObjectProperty .
o:met a owl:ObjectProperty , owl:SymmetricProperty ; rdfs:domain o:Person .
o:locatedIn a owl:ObjectProperty , owl:TransitiveProperty ; rdfs:range o:Place .
o:founded a owl:DatatypeProperty ; rdfs:domain o:Group ; rdfs:range xsd:gYear .
o:near a owl:ObjectProperty , owl:SymmetricProperty , owl:TransitiveProperty .
"""


def o(name: str) -> str:
    return ONT + name


def d(name: str) -> str:
    return DATA + name


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(data=ONTOLOGY, format="turtle")


@pytest.fixture(scope="module")
def closed(ontology: Graph) -> Graph:
    return infer.close_ontology(ontology)


@pytest.fixture(scope="module")
def schema(closed: Graph) -> Schema:
    return Schema.from_closure(closed)


def test_schema_tables_read_off_the_closure(schema: Schema) -> None:
    assert schema.super_properties[o("armed")] == {o("supported")}
    assert schema.inverses[o("armed")] == {o("armedBy")}
    assert schema.inverses[o("armedBy")] == {o("armed")}
    assert schema.inverses[o("supportedBy")] == {o("supported")}
    assert schema.symmetric == {o("met"), o("near")}
    assert schema.transitive == {o("locatedIn"), o("near")}
    assert schema.domains[o("armed")] == {o("Agent")}
    assert schema.ranges[o("locatedIn")] == {o("Place")}
    assert schema.super_classes[o("Person")] == {o("Agent")}
    assert o("Agent") not in schema.super_classes, "owl:Thing and C ⊑ C are left out"


def test_close_ontology_leaves_its_input_untouched(ontology: Graph) -> None:
    before = set(ontology)
    closed = infer.close_ontology(ontology)
    assert set(ontology) == before
    assert (URIRef(o("Person")), URIRef(TYPE), URIRef(OWL.Class)) in closed
    assert len(closed) > len(ontology)


ARMED = (d("a"), o("armed"), d("b"))
CASES: dict[str, tuple[list[infer.Triple], dict[str, frozenset[str]], list[Inference]]] = {
    "sub-property-and-inverses": (
        [ARMED],
        {d("a"): frozenset({o("Person"), o("Agent")}), d("b"): frozenset({o("Agent")})},
        [
            Inference((d("a"), o("supported"), d("b")), "prp-spo1", (ARMED,)),
            Inference((d("b"), o("armedBy"), d("a")), "prp-inv", (ARMED,)),
            Inference((d("b"), o("supportedBy"), d("a")), "prp-inv", (ARMED,)),
        ],
    ),
    "domain-and-range-types-when-not-known": (
        [ARMED],
        {},
        [
            Inference((d("a"), o("supported"), d("b")), "prp-spo1", (ARMED,)),
            Inference((d("a"), TYPE, o("Agent")), "prp-dom", (ARMED,)),
            Inference((d("b"), o("armedBy"), d("a")), "prp-inv", (ARMED,)),
            Inference((d("b"), o("supportedBy"), d("a")), "prp-inv", (ARMED,)),
            Inference((d("b"), TYPE, o("Agent")), "prp-rng", (ARMED,)),
        ],
    ),
    "symmetric-and-domain-with-its-super-class": (
        # The closure gives met the domain Agent too (scm-dom1: Person ⊑ Agent).
        [(d("a"), o("met"), d("b"))],
        {},
        [
            Inference((d("a"), TYPE, o("Agent")), "prp-dom", ((d("a"), o("met"), d("b")),)),
            Inference((d("a"), TYPE, o("Person")), "prp-dom", ((d("a"), o("met"), d("b")),)),
            Inference((d("b"), o("met"), d("a")), "prp-symp", ((d("a"), o("met"), d("b")),)),
            Inference((d("b"), TYPE, o("Agent")), "prp-dom", ((d("a"), o("met"), d("b")),)),
            Inference((d("b"), TYPE, o("Person")), "prp-dom", ((d("a"), o("met"), d("b")),)),
        ],
    ),
    "transitive-chain-of-three": (
        [(d("x"), o("locatedIn"), d("y")), (d("y"), o("locatedIn"), d("z"))],
        {n: frozenset({o("Place")}) for n in (d("x"), d("y"), d("z"))},
        [
            Inference(
                (d("x"), o("locatedIn"), d("z")),
                "prp-trp",
                ((d("x"), o("locatedIn"), d("y")), (d("y"), o("locatedIn"), d("z"))),
            )
        ],
    ),
    "transitive-chain-given-backwards": (
        [(d("y"), o("locatedIn"), d("z")), (d("x"), o("locatedIn"), d("y"))],
        {n: frozenset({o("Place")}) for n in (d("x"), d("y"), d("z"))},
        [
            Inference(
                (d("x"), o("locatedIn"), d("z")),
                "prp-trp",
                ((d("x"), o("locatedIn"), d("y")), (d("y"), o("locatedIn"), d("z"))),
            )
        ],
    ),
    "literal-object-gets-no-inverse-or-range": (
        [(d("g"), o("founded"), OxLiteral("1901"))],
        {},
        [
            Inference(
                (d("g"), TYPE, o("Agent")), "prp-dom", ((d("g"), o("founded"), OxLiteral("1901")),)
            ),
            Inference(
                (d("g"), TYPE, o("Group")), "prp-dom", ((d("g"), o("founded"), OxLiteral("1901")),)
            ),
        ],
    ),
    "a-literal-triple-does-not-stop-the-rest": (
        [(d("g"), o("founded"), OxLiteral("1901")), ARMED],
        {
            d("a"): frozenset({o("Agent")}),
            d("b"): frozenset({o("Agent")}),
            d("g"): frozenset({o("Group"), o("Agent")}),
        },
        [
            Inference((d("a"), o("supported"), d("b")), "prp-spo1", (ARMED,)),
            Inference((d("b"), o("armedBy"), d("a")), "prp-inv", (ARMED,)),
            Inference((d("b"), o("supportedBy"), d("a")), "prp-inv", (ARMED,)),
        ],
    ),
    "sorted-by-subject-then-predicate-then-object": (
        [(d("x"), o("armed"), d("y1")), (d("y0"), o("armed"), d("x"))],
        {n: frozenset({o("Agent")}) for n in (d("x"), d("y0"), d("y1"))},
        [
            Inference((d("x"), o("armedBy"), d("y0")), "prp-inv", ((d("y0"), o("armed"), d("x")),)),
            Inference(
                (d("x"), o("supported"), d("y1")), "prp-spo1", ((d("x"), o("armed"), d("y1")),)
            ),
            Inference(
                (d("x"), o("supportedBy"), d("y0")), "prp-inv", ((d("y0"), o("armed"), d("x")),)
            ),
            Inference(
                (d("y0"), o("supported"), d("x")), "prp-spo1", ((d("y0"), o("armed"), d("x")),)
            ),
            Inference((d("y1"), o("armedBy"), d("x")), "prp-inv", ((d("x"), o("armed"), d("y1")),)),
            Inference(
                (d("y1"), o("supportedBy"), d("x")), "prp-inv", ((d("x"), o("armed"), d("y1")),)
            ),
        ],
    ),
    "a-type-in-the-claim": (
        [(d("p"), TYPE, o("Person")), (d("p"), TYPE, o("Person"))],
        {},
        [Inference((d("p"), TYPE, o("Agent")), "cax-sco", ((d("p"), TYPE, o("Person")),))],
    ),
    "nothing-to-infer": (
        [(d("a"), o("supportedBy"), d("b"))],
        {},
        [
            Inference(
                (d("b"), o("supported"), d("a")), "prp-inv", ((d("a"), o("supportedBy"), d("b")),)
            )
        ],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_infer_claim_gives_the_hand_written_inferences(schema: Schema, case: str) -> None:
    claim, known, expected = CASES[case]
    assert infer.infer_claim(schema, claim, known) == expected


def test_premises_of_a_chain_are_the_curated_triples_only(schema: Schema) -> None:
    chain = [(d(a), o("locatedIn"), d(b)) for a, b in (("w", "x"), ("x", "y"), ("y", "z"))]
    found = {i.triple: i for i in infer.infer_claim(schema, chain, {})}
    longest = found[(d("w"), o("locatedIn"), d("z"))]
    assert longest.rule == "prp-trp"
    assert longest.premises == tuple(chain), "all three curated links, none inferred"
    assert {t for t in found if t[1] == o("locatedIn")} == {
        (d("w"), o("locatedIn"), d("y")),
        (d("x"), o("locatedIn"), d("z")),
        (d("w"), o("locatedIn"), d("z")),
    }


def test_a_conclusion_from_two_claim_triples_names_both(schema: Schema) -> None:
    """near is symmetric and transitive: its derivations share ancestors (a diamond)."""
    claim = [(d("a"), o("near"), d("b")), (d("b"), o("near"), d("c"))]
    found = {i.triple: i for i in infer.infer_claim(schema, claim, {})}
    for triple in ((d("a"), o("near"), d("c")), (d("c"), o("near"), d("a"))):
        assert found[triple].premises == tuple(claim), triple
    assert found[(d("b"), o("near"), d("a"))].premises == (claim[0],)
    assert found[(d("c"), o("near"), d("b"))].premises == (claim[1],)


def _term(node: object) -> URIRef | Literal:
    if isinstance(node, OxLiteral):
        return Literal(node.value)
    return URIRef(str(node))


def _owlrl_new_facts(
    ontology: Graph, claim: list[infer.Triple], known: dict[str, frozenset[str]]
) -> set[tuple[str, str, str]]:
    """What owlrl itself adds about the data nodes, beyond the claim and the catalogue."""
    catalogue = {
        (URIRef(node), URIRef(TYPE), URIRef(t)) for node, types in known.items() for t in types
    }
    graph = Graph()
    for triple in ontology:
        graph.add(triple)
    for triple in catalogue:
        graph.add(triple)
    for s, p, obj in claim:
        graph.add((URIRef(s), URIRef(p), _term(obj)))
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    given = {(str(s), str(p), str(_term(obj))) for s, p, obj in claim} | {
        (str(s), str(p), str(obj)) for s, p, obj in catalogue
    }
    found = set()
    for s, p, obj in graph:
        if not str(s).startswith(DATA) or isinstance(obj, BNode):
            continue
        if str(p) == str(OWL.sameAs) or obj == OWL.Thing:
            continue
        if isinstance(obj, Literal) and str(p) == TYPE:
            continue
        key = (str(s), str(p), str(obj))
        if key not in given:
            found.add(key)
    return found


@pytest.mark.parametrize("case", list(CASES))
def test_infer_claim_equals_owlrl_on_the_tiny_ontology(
    ontology: Graph, schema: Schema, case: str
) -> None:
    claim, known, _ = CASES[case]
    ours = {
        (s, p, str(_term(obj)))
        for s, p, obj in (i.triple for i in infer.infer_claim(schema, claim, known))
    }
    assert ours == _owlrl_new_facts(ontology, claim, known)


@pytest.mark.parametrize(
    ("triple", "trivial"),
    [
        ((URIRef(d("a")), URIRef(o("armed")), URIRef(d("b"))), False),
        ((URIRef(d("a")), URIRef(OWL.sameAs), URIRef(d("a"))), True),
        ((URIRef(d("a")), URIRef(TYPE), OWL.Thing), True),
        ((OWL.Nothing, URIRef(TYPE), URIRef(o("Agent"))), True),
        ((URIRef(str(RDFS.label)), URIRef(TYPE), URIRef(o("Agent"))), True),
        ((URIRef("http://www.w3.org/2001/XMLSchema#string"), URIRef(TYPE), URIRef(o("A"))), True),
        ((BNode(), URIRef(o("armed")), URIRef(d("b"))), True),
        ((Literal("x"), URIRef(o("armed")), URIRef(d("b"))), True),
        ((URIRef(d("a")), URIRef(o("armed")), BNode()), True),
        ((URIRef(d("a")), URIRef(o("founded")), Literal("1901")), False),
    ],
)
def test_is_trivial(triple: tuple[object, object, object], trivial: bool) -> None:
    assert infer.is_trivial(triple) is trivial


def test_ontology_consequences_are_new_and_not_trivial(ontology: Graph, closed: Graph) -> None:
    kept = infer.ontology_consequences(ontology, closed)
    assert (URIRef(o("Person")), URIRef(str(RDFS.subClassOf)), URIRef(o("Agent"))) not in kept
    assert not any(infer.is_trivial(t) for t in kept)
    assert not any(t in ontology for t in kept)
    assert (URIRef(o("met")), RDFS.domain, URIRef(o("Agent"))) in kept, "scm-dom1"


def test_owlrl_consequences_adds_only_new_non_trivial_triples(closed: Graph) -> None:
    data = Graph()
    data.add((URIRef(d("a")), URIRef(o("armed")), URIRef(d("b"))))
    added = infer.owlrl_consequences(closed, data)
    assert (URIRef(d("b")), URIRef(o("armedBy")), URIRef(d("a"))) in added
    assert (URIRef(d("a")), URIRef(o("armed")), URIRef(d("b"))) not in added
    assert not any(t in closed for t in added)
    assert not any(infer.is_trivial(t) for t in added)


def test_an_inference_cannot_be_changed_after_it_is_made() -> None:
    inference = Inference((d("a"), o("met"), d("b")), "prp-symp", ())
    with pytest.raises(dataclasses.FrozenInstanceError):
        inference.rule = "other"  # type: ignore[misc]
