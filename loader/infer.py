"""OWL-RL inference that keeps attribution. The only module that imports owlrl.

owlrl is used where it pays: to close the ontology once (the schema tables of
:class:`~loader.ontology.Schema` are read off that closure), and as the
reference semantics in the tests. Each assertion's claim is then closed on
its own by :func:`infer_claim`, a worklist over the rules the ontology uses
(prp-spo1, prp-inv1/2, prp-symp, prp-trp, prp-dom, prp-rng, cax-sco). It never
sees two assertions at once, so a conclusion always has exactly one
attribution; ``tests/test_infer.py`` proves it equal to owlrl's closure on the
seed corpus.

What is kept: consequences that are new, i.e. not already in the claim and not
already known from the catalogue (an entity's own types and their
superclasses). Trivia (owl:Thing types, reflexive owl:sameAs, facts about the
RDF/OWL vocabularies themselves) are never kept.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections import deque
from collections.abc import Iterable
from collections.abc import Mapping

import owlrl
from pyoxigraph import Literal
from rdflib import BNode
from rdflib import Graph
from rdflib import URIRef

from loader.ontology import Schema
from loader.vocab import OWL
from loader.vocab import RDF
from loader.vocab import RDFS
from loader.vocab import XSD

TYPE = str(RDF.type)
# A triple: IRIs are str, a literal object is a pyoxigraph Literal.
Triple = tuple[str, str, "str | Literal"]
_BUILTIN = (str(RDF), str(RDFS), str(OWL), str(XSD))


@dataclasses.dataclass(frozen=True)
class Inference:
    """An inferred triple, the OWL 2 RL rule that gave it, and its curated premises."""

    triple: Triple
    rule: str
    premises: tuple[Triple, ...]


def close_ontology(ontology: Graph) -> Graph:
    """Return the OWL-RL closure of *ontology* (a new graph; the input is untouched)."""
    closed = Graph()
    for triple in ontology:
        closed.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(closed)
    return closed


def ontology_consequences(ontology: Graph, closed: Graph) -> Graph:
    """Return what the closure adds to the ontology, without trivia."""
    kept = Graph()
    for triple in closed:
        if triple not in ontology and not is_trivial(triple):
            kept.add(triple)
    return kept


def is_trivial(triple: tuple[object, object, object]) -> bool:
    """Tell whether an rdflib triple from an OWL-RL closure is trivia not worth storing.

    Trivia: reflexive triples (x sameAs x, C subClassOf C, …), anything about
    owl:Thing or owl:Nothing, statements about the RDF/RDFS/OWL/XSD vocabularies
    themselves, and triples with a literal or blank subject.
    """
    subject, _, obj = triple
    if not isinstance(subject, URIRef) or isinstance(obj, BNode):
        return True
    if subject == obj or obj == OWL.Thing or subject == OWL.Nothing:
        return True
    return str(subject).startswith(_BUILTIN)


def infer_claim(
    schema: Schema,
    claim: Iterable[Triple],
    known_types: Mapping[str, frozenset[str]] | None = None,
) -> list[Inference]:
    """Close one assertion's claim under the ontology's rules.

    :param known_types: each entity's catalogue types with their superclasses;
        type triples already known from there are not new, so not returned.
    :returns: the new triples, each with its rule and curated premises, sorted.
    """
    curated = list(dict.fromkeys(claim))
    derivation: dict[Triple, tuple[str, tuple[Triple, ...]]] = {t: ("", ()) for t in curated}
    by_subject: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    by_object: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    queue: deque[Triple] = deque(curated)

    def add(triple: Triple, rule: str, parents: tuple[Triple, ...]) -> None:
        if triple not in derivation:
            derivation[triple] = (rule, parents)
            queue.append(triple)

    while queue:
        fact = queue.popleft()
        subject, predicate, obj = fact
        if predicate == TYPE:
            for super_class in schema.super_classes.get(str(obj), ()):
                add((subject, TYPE, super_class), "cax-sco", (fact,))
            continue
        for super_property in schema.super_properties.get(predicate, ()):
            add((subject, super_property, obj), "prp-spo1", (fact,))
        for class_iri in schema.domains.get(predicate, ()):
            add((subject, TYPE, class_iri), "prp-dom", (fact,))
        if not isinstance(obj, str):
            continue
        for inverse in schema.inverses.get(predicate, ()):
            add((obj, inverse, subject), "prp-inv", (fact,))
        if predicate in schema.symmetric:
            add((obj, predicate, subject), "prp-symp", (fact,))
        for class_iri in schema.ranges.get(predicate, ()):
            add((obj, TYPE, class_iri), "prp-rng", (fact,))
        if predicate in schema.transitive:
            by_subject[predicate][subject].add(obj)
            by_object[predicate][obj].add(subject)
            for further in list(by_subject[predicate].get(obj, ())):
                add((subject, predicate, further), "prp-trp", (fact, (obj, predicate, further)))
            for earlier in list(by_object[predicate].get(subject, ())):
                add((earlier, predicate, obj), "prp-trp", ((earlier, predicate, subject), fact))

    known = known_types or {}
    curated_set = set(curated)
    result = []
    for triple, (rule, _) in derivation.items():
        if triple in curated_set:
            continue
        subject, predicate, obj = triple
        if predicate == TYPE and obj in known.get(subject, ()):
            continue
        result.append(Inference(triple, rule, _curated_premises(triple, derivation)))
    result.sort(key=lambda inference: _sort_key(inference.triple))
    return result


def _curated_premises(
    triple: Triple, derivation: Mapping[Triple, tuple[str, tuple[Triple, ...]]]
) -> tuple[Triple, ...]:
    found: dict[Triple, None] = {}
    stack = [triple]
    seen = set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        rule, parents = derivation[current]
        if not rule:
            found[current] = None
        stack.extend(parents)
    return tuple(sorted(found, key=_sort_key))


def _sort_key(triple: Triple) -> tuple[str, str, str]:
    return (triple[0], triple[1], str(triple[2]))


def owlrl_consequences(closed_ontology: Graph, data: Graph) -> set[tuple[object, object, object]]:
    """Reference semantics: what owlrl adds to *data* given the closed ontology.

    Runs owlrl on the closed ontology plus *data* and returns the new triples
    that are neither in the ontology closure nor trivia. Slow; for tests.
    """
    graph = Graph()
    for triple in closed_ontology:
        graph.add(triple)
    for triple in data:
        graph.add(triple)
    before = set(graph)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    return {t for t in set(graph) - before if not is_trivial(t)}
