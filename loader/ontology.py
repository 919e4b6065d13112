"""The ontology as the loader uses it: the file, and tables read off its closure.

:class:`Schema` holds what validation and inference need (classes, claim
relations with domain and range, super-properties, inverses, symmetric and
transitive properties, superclasses) as plain sets of IRI strings, so that the
per-assertion work is dictionary look-ups. It is built from the ontology's
OWL-RL closure, which :func:`loader.infer.close_ontology` computes with owlrl.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from pathlib import Path

from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef

from loader.errors import LoadError
from loader.vocab import AT
from loader.vocab import OWL
from loader.vocab import RDF
from loader.vocab import RDFS

ONTOLOGY_FILE = "attest.ttl"
SHAPES_FILE = "shapes.ttl"

# Entity types a curator may write in the catalogue ('type: Person').
ENTITY_TYPES = (
    "Person",
    "Organization",
    "Group",
    "Country",
    "Place",
    "Event",
    "Operation",
    "Award",
    "Office",
    "Concept",
)
DOCUMENT_KINDS = ("Article", "WebPage", "Letter", "Post", "Report", "Interview", "Document")


def read_ontology(directory: Path) -> Graph:
    """Parse ``attest.ttl`` from *directory*.

    :raises LoadError: if the file is missing or is not valid Turtle.
    """
    return _parse(directory / ONTOLOGY_FILE)


def read_shapes(directory: Path) -> Graph:
    """Parse the SHACL shapes ``shapes.ttl`` from *directory*.

    :raises LoadError: if the file is missing or is not valid Turtle.
    """
    return _parse(directory / SHAPES_FILE)


def _parse(path: Path) -> Graph:
    if not path.is_file():
        raise LoadError(f"{path}: not found; the ontology directory must hold it")
    try:
        return Graph().parse(path, format="turtle")
    except Exception as exc:  # rdflib raises many unrelated types for bad Turtle
        raise LoadError(f"{path}: not valid Turtle: {exc}") from exc


@dataclasses.dataclass(frozen=True)
class Relation:
    """A claim relation: its IRI, local name, and what its ends must be."""

    iri: str
    name: str
    label: str
    comment: str
    literal: bool
    domain: frozenset[str]
    range: frozenset[str]


@dataclasses.dataclass
class Schema:
    """Tables read off the closed ontology; every key and value is an IRI string."""

    relations: dict[str, Relation]
    super_properties: dict[str, frozenset[str]]
    inverses: dict[str, frozenset[str]]
    symmetric: frozenset[str]
    transitive: frozenset[str]
    domains: dict[str, frozenset[str]]
    ranges: dict[str, frozenset[str]]
    super_classes: dict[str, frozenset[str]]

    @classmethod
    def from_closure(cls, closed: Graph) -> Schema:
        """Read the tables off an ontology graph closed under OWL-RL."""

        def table(predicate: URIRef) -> dict[str, frozenset[str]]:
            found: dict[str, set[str]] = defaultdict(set)
            for subject, obj in closed.subject_objects(predicate):
                if isinstance(subject, URIRef) and isinstance(obj, URIRef) and subject != obj:
                    if obj != OWL.Thing:
                        found[str(subject)].add(str(obj))
            return {key: frozenset(values) for key, values in found.items()}

        inverses: dict[str, set[str]] = defaultdict(set)
        for left, right in closed.subject_objects(OWL.inverseOf):
            if isinstance(left, URIRef) and isinstance(right, URIRef):
                inverses[str(left)].add(str(right))
                inverses[str(right)].add(str(left))
        domains = table(RDFS.domain)
        ranges = table(RDFS.range)
        relations = {}
        for prop in closed.subjects(RDF.type, AT.ClaimRelation):
            if not isinstance(prop, URIRef):
                continue
            iri = str(prop)
            relations[iri] = Relation(
                iri=iri,
                name=iri.rsplit("#", 1)[-1],
                label=_text(closed, prop, RDFS.label),
                comment=_text(closed, prop, RDFS.comment),
                literal=(prop, RDF.type, OWL.DatatypeProperty) in closed,
                domain=domains.get(iri, frozenset()),
                range=ranges.get(iri, frozenset()),
            )
        return cls(
            relations=relations,
            super_properties=table(RDFS.subPropertyOf),
            inverses={key: frozenset(values) for key, values in inverses.items()},
            symmetric=frozenset(str(p) for p in closed.subjects(RDF.type, OWL.SymmetricProperty)),
            transitive=frozenset(str(p) for p in closed.subjects(RDF.type, OWL.TransitiveProperty)),
            domains=domains,
            ranges=ranges,
            super_classes=table(RDFS.subClassOf),
        )

    def relation_named(self, name: str) -> Relation | None:
        """Find a claim relation by local name ('commanded') or full IRI."""
        return self.relations.get(str(AT._NS) + name) or self.relations.get(name)

    def types_with_supers(self, classes: set[str] | frozenset[str]) -> frozenset[str]:
        """Return *classes* and all their superclasses (owl:Thing left out)."""
        result = set(classes)
        for class_iri in classes:
            result |= self.super_classes.get(class_iri, frozenset())
        return frozenset(result)


def _text(graph: Graph, subject: URIRef, predicate: URIRef) -> str:
    for value in graph.objects(subject, predicate):
        if isinstance(value, Literal) and value.language in (None, "en"):
            return str(value)
    return ""
