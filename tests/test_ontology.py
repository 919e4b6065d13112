"""Reading the ontology and its shapes, and the claim relations read off its closure.

The relations are checked against a tiny hand-written ontology; the real files
are only read (and must parse), so these tests run in-process and fast.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from rdflib import Graph

from loader import infer
from loader.errors import LoadError
from loader.ontology import Relation
from loader.ontology import Schema
from loader.ontology import read_ontology
from loader.ontology import read_shapes
from loader.settings import PROJECT_DIR
from loader.vocab import AT

ONT = str(AT._NS)
XSD = "http://www.w3.org/2001/XMLSchema#"
TINY = f"""
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
@prefix at:   <{ONT}> .
at:Agent a owl:Class .
at:Person a owl:Class ; rdfs:subClassOf at:Agent .
at:Place a owl:Class .
at:ClaimRelation a owl:Class .
at:armed a owl:ObjectProperty , at:ClaimRelation ;
    rdfs:label "armed"@en , "bewaffnete"@de ; rdfs:comment "Gave weapons to."@en ;
    rdfs:domain at:Agent ; rdfs:range at:Agent .
at:bornIn a owl:ObjectProperty , at:ClaimRelation ;
    rdfs:label "bornIn"@de , "born in" ; rdfs:domain at:Person ; rdfs:range at:Place .
at:founded a owl:DatatypeProperty , at:ClaimRelation ; rdfs:range xsd:gYear .
at:statedIn a owl:ObjectProperty .
"""


@pytest.fixture(scope="module")
def schema() -> Schema:
    return Schema.from_closure(infer.close_ontology(Graph().parse(data=TINY, format="turtle")))


def test_claim_relations_are_read_with_label_comment_domain_and_range(schema: Schema) -> None:
    assert set(schema.relations) == {ONT + "armed", ONT + "bornIn", ONT + "founded"}
    assert schema.relations[ONT + "armed"] == Relation(
        iri=ONT + "armed",
        name="armed",
        label="armed",
        comment="Gave weapons to.",
        literal=False,
        domain=frozenset({ONT + "Agent"}),
        range=frozenset({ONT + "Agent"}),
    )


def test_a_label_in_another_language_is_not_taken(schema: Schema) -> None:
    born = schema.relations[ONT + "bornIn"]
    assert born.label == "born in" and born.comment == ""
    assert born.domain == {ONT + "Person", ONT + "Agent"}, "the closure adds the superclass"


def test_a_datatype_property_is_a_literal_relation(schema: Schema) -> None:
    founded = schema.relations[ONT + "founded"]
    assert founded.literal is True and founded.domain == frozenset()
    assert founded.range == {XSD + "gYear"}


def test_relation_named_by_local_name_or_iri(schema: Schema) -> None:
    assert schema.relation_named("armed") is schema.relations[ONT + "armed"]
    assert schema.relation_named(ONT + "bornIn") is schema.relations[ONT + "bornIn"]
    assert schema.relation_named("statedIn") is None, "not a claim relation"
    assert schema.relation_named("nothing") is None


def test_types_with_supers(schema: Schema) -> None:
    assert schema.types_with_supers({ONT + "Person"}) == {ONT + "Person", ONT + "Agent"}
    assert schema.types_with_supers(frozenset({ONT + "Place"})) == {ONT + "Place"}
    assert schema.types_with_supers(set()) == frozenset()


def test_the_real_ontology_and_shapes_parse() -> None:
    ontology = read_ontology(PROJECT_DIR / "ontology")
    shapes = read_shapes(PROJECT_DIR / "ontology")
    assert len(ontology) > 100 and len(shapes) > 50


def test_a_missing_file_names_its_path(tmp_path: Path) -> None:
    with pytest.raises(LoadError) as caught:
        read_ontology(tmp_path)
    assert (
        str(caught.value)
        == f"{tmp_path / 'attest.ttl'}: not found; the ontology directory must hold it"
    )
    with pytest.raises(LoadError, match="shapes.ttl: not found"):
        read_shapes(tmp_path)


def test_bad_turtle_is_a_load_error_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "attest.ttl").write_text("@prefix at: <x> .\nat:a at:b", encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        read_ontology(tmp_path)
    assert str(caught.value).startswith(f"{tmp_path / 'attest.ttl'}: not valid Turtle: ")


def test_a_relation_cannot_be_changed_after_it_is_made(schema: Schema) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        schema.relations[ONT + "armed"].label = "other"  # type: ignore[misc]
