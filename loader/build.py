"""Build the quads of a validated corpus.

The default graph holds the ontology, documents' metadata and text, entity
descriptions and assertions' provenance, never a claim. Each assertion's claim
triples go into its own named graph, and what inference adds to them into a
parallel named graph that links back to it. Every node has an IRI minted by
:mod:`loader.iris`: no blank nodes are published.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator

from pyoxigraph import BlankNode
from pyoxigraph import DefaultGraph
from pyoxigraph import Literal
from pyoxigraph import NamedNode
from pyoxigraph import Quad
from rdflib import BNode
from rdflib import Graph
from rdflib import URIRef
from rdflib.term import Literal as RdfLiteral
from rdflib.term import Node

from loader import readings
from loader.infer import Inference
from loader.infer import Triple
from loader.infer import infer_claim
from loader.readmodel import ReadModel
from loader.validate import Corpus
from loader.vocab import AT
from loader.vocab import DCTERMS
from loader.vocab import OA
from loader.vocab import RDF
from loader.vocab import RDFS
from loader.vocab import SKOS
from loader.vocab import WD
from loader.vocab import XSD

Term = NamedNode | Literal
DEFAULT = DefaultGraph()


def _n(iri: object) -> NamedNode:
    return NamedNode(str(iri))


def _int(value: int) -> Literal:
    # xsd:integer, not a derived type: Oxigraph stores those as xsd:integer anyway.
    return Literal(str(value), datatype=_n(XSD.integer))


def _string(value: str) -> Literal:
    return Literal(value)


def _lang(value: str, language: str = "en") -> Literal:
    return Literal(value, language=language)


def rdflib_to_oxigraph(term: Node) -> NamedNode | Literal | BlankNode:
    """Convert an rdflib term to pyoxigraph's."""
    if isinstance(term, URIRef):
        return NamedNode(str(term))
    if isinstance(term, BNode):
        return BlankNode(str(term))
    if isinstance(term, RdfLiteral):
        if term.language:
            return Literal(str(term), language=term.language)
        if term.datatype:
            return Literal(str(term), datatype=NamedNode(str(term.datatype)))
        return Literal(str(term))
    raise TypeError(f"unsupported term {term!r}")


def graph_quads(graph: Graph, graph_name: NamedNode | DefaultGraph = DEFAULT) -> Iterator[Quad]:
    """Yield the triples of an rdflib graph as pyoxigraph quads in *graph_name*."""
    for subject, predicate, obj in graph:
        yield Quad(
            rdflib_to_oxigraph(subject),  # type: ignore[arg-type]
            NamedNode(str(predicate)),
            rdflib_to_oxigraph(obj),
            graph_name,
        )


def statement_iri(graph_iri: str, triple: Triple) -> str:
    """Mint the IRI describing one triple of a graph: stable, from the triple alone."""
    subject, predicate, obj = triple
    key = f"{subject} {predicate} {obj if isinstance(obj, Literal) else '<' + obj + '>'}"
    return f"{graph_iri}/{hashlib.sha256(key.encode('utf-8')).hexdigest()[:16]}"


def _object(value: str | Literal) -> Term:
    return NamedNode(value) if isinstance(value, str) else value


class _Builder:
    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self.iris = corpus.iris
        self.last_inferences: list[Inference] = []

    def triple(
        self, subject: str, predicate: object, obj: Term, graph: NamedNode | DefaultGraph = DEFAULT
    ) -> Quad:
        return Quad(NamedNode(subject), _n(predicate), obj, graph)

    def entities(self) -> Iterator[list[Quad]]:
        for entity in self.corpus.entities.values():
            yield list(self.entity(entity.id))

    def entity(self, entity_id: str) -> Iterator[Quad]:
        entity = self.corpus.entities[entity_id]
        iri = self.iris.entity(entity.id)
        yield self.triple(iri, RDF.type, _n(AT._NS[entity.type]))
        yield self.triple(iri, RDFS.label, _lang(entity.label))
        yield self.triple(iri, SKOS.prefLabel, _lang(entity.label))
        for alias in entity.aliases:
            yield self.triple(iri, SKOS.altLabel, _lang(alias))
        if entity.wikidata:
            yield self.triple(iri, AT.wikidataItem, _n(WD[entity.wikidata]))
        if entity.note:
            yield self.triple(iri, SKOS.editorialNote, _lang(entity.note))
        if entity.unnamed is not None:
            yield self.triple(iri, RDF.type, _n(AT.UnnamedVoice))
            yield self.triple(iri, AT.identifiedAs, _lang(entity.unnamed))

    def documents(self) -> Iterator[list[Quad]]:
        for document_id in self.corpus.documents:
            yield list(self.document(document_id))

    def document(self, document_id: str) -> Iterator[Quad]:
        corpus = self.corpus
        document = corpus.documents[document_id]
        iri = self.iris.document(document.id)
        yield self.triple(iri, RDF.type, _n(AT._NS[document.kind]))
        if document.kind != "Document":
            yield self.triple(iri, RDF.type, _n(AT.Document))
        yield self.triple(iri, DCTERMS.title, _lang(document.title))
        yield self.triple(iri, RDFS.label, _lang(document.title))
        yield self.triple(iri, DCTERMS.language, _string(document.language))
        for predicate, value in (
            (DCTERMS.creator, document.author),
            (DCTERMS.publisher, document.publisher),
        ):
            if value:
                yield self.triple(iri, predicate, NamedNode(self.iris.entity(value)))
        date = corpus.dates.get("document:" + document.id)
        if date is not None:
            yield self.triple(iri, DCTERMS.issued, date)
        if document.source_url:
            yield self.triple(iri, DCTERMS.source, NamedNode(document.source_url))
        for predicate, note in (
            (AT.authorNote, document.author_note),
            (AT.publisherNote, document.publisher_note),
            (AT.issuedNote, document.issued_note),
            (SKOS.editorialNote, document.note),
        ):
            if note:
                yield self.triple(iri, predicate, _lang(note))
        text = corpus.texts.get(document.id)
        if text is not None:
            yield self.triple(iri, AT.text, _string(text))
            yield self.triple(iri, AT.textLength, _int(len(text)))
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            yield self.triple(iri, AT.textSha256, _string(digest))
        translation = document.translation
        if translation is not None and translation.source_language:
            yield self.triple(iri, AT.originalLanguage, _string(translation.source_language))
            if translation.translator:
                yield self.triple(
                    iri, AT.translator, NamedNode(self.iris.entity(translation.translator))
                )
            note = translation.note or (None if translation.translator else readings.NO_TRANSLATOR)
            if note:
                yield self.triple(iri, AT.translatorNote, _lang(note))
        if document.id in corpus.text_files:
            yield self.triple(iri, AT.seedFile, _string(corpus.text_files[document.id]))
        if document.part_of:
            yield self.triple(
                iri, DCTERMS.isPartOf, NamedNode(self.iris.document(document.part_of))
            )
        if document.id in corpus.positions:
            start, end = corpus.positions[document.id]
            position = self.iris.document_position(document.id)
            yield self.triple(iri, AT.positionInContainer, NamedNode(position))
            yield self.triple(position, RDF.type, _n(OA.TextPositionSelector))
            yield self.triple(position, OA.start, _int(start))
            yield self.triple(position, OA.end, _int(end))

    def assertion(self, assertion_id: str) -> Iterator[Quad]:
        corpus = self.corpus
        assertion = corpus.assertions[assertion_id]
        iris = self.iris
        iri = iris.assertion(assertion_id)
        yield self.triple(iri, RDF.type, _n(AT.Assertion))
        yield self.triple(iri, RDFS.label, _string(assertion_id))
        yield self.triple(iri, AT.assertedBy, NamedNode(iris.entity(assertion.speaker)))
        yield self.triple(iri, AT.statedIn, NamedNode(iris.document(assertion.stated_in)))
        stance = AT.Affirms if assertion.stance == "affirms" else AT.Denies
        yield self.triple(iri, AT.stance, _n(stance))
        certainty = AT.Hedged if corpus.certainty[assertion_id] == "hedged" else AT.Stated
        yield self.triple(iri, AT.certainty, _n(certainty))
        if assertion.hedge:
            yield self.triple(iri, AT.hedge, _string(assertion.hedge))
        yield from self.hedge(assertion_id)
        yield from self.languages(assertion_id)
        date = corpus.dates.get("assertion:" + assertion_id)
        if date is not None:
            yield self.triple(iri, AT.claimTime, date)
        if assertion.addressee:
            yield self.triple(iri, AT.addressee, NamedNode(iris.entity(assertion.addressee)))
        if assertion.original_document:
            yield self.triple(
                iri, AT.originalDocument, NamedNode(iris.document(assertion.original_document))
            )
        for target in assertion.disputes:
            yield self.triple(iri, AT.disputes, NamedNode(iris.assertion(target)))
        for target in assertion.corroborates:
            yield self.triple(iri, AT.corroborates, NamedNode(iris.assertion(target)))
        if assertion.note:
            yield self.triple(iri, SKOS.editorialNote, _lang(assertion.note))
        for index, step in enumerate(assertion.via, start=1):
            step_iri = iris.step(assertion_id, index)
            yield self.triple(iri, AT.reportingStep, NamedNode(step_iri))
            yield self.triple(step_iri, RDF.type, _n(AT.ReportingStep))
            yield self.triple(step_iri, AT.stepIndex, _int(index))
            yield self.triple(step_iri, AT.reporter, NamedNode(iris.entity(step.reporter)))
            if step.document:
                yield self.triple(step_iri, AT.reportedIn, NamedNode(iris.document(step.document)))
        yield from self.selectors(assertion_id)
        yield from self.claim(assertion_id)

    def hedge(self, assertion_id: str) -> Iterator[Quad]:
        """Whose hedge it is: the agent, speaker or reporter, and the reporter's step."""
        assertion = self.corpus.assertions[assertion_id]
        hedge = readings.hedge_of(assertion, self.corpus.certainty[assertion_id])
        if hedge is None:
            return
        iri = self.iris.assertion(assertion_id)
        yield self.triple(iri, AT.hedgedBy, NamedNode(self.iris.entity(hedge.agent)))
        role = AT.SpeakerHedge if hedge.role == readings.SPEAKER else AT.ReporterHedge
        yield self.triple(iri, AT.hedgeRole, _n(role))
        if hedge.step is not None:
            step = self.iris.step(assertion_id, hedge.step)
            yield self.triple(iri, AT.hedgeStep, NamedNode(step))

    def languages(self, assertion_id: str) -> Iterator[Quad]:
        """The quote's language and, for a translation, the link from the speaker's words."""
        assertion = self.corpus.assertions[assertion_id]
        resolved = readings.translation_of(assertion, self.corpus.documents)
        iri = self.iris.assertion(assertion_id)
        yield self.triple(iri, AT.quoteLanguage, _string(resolved.quote_language))
        if resolved.source_language is None:
            return
        yield self.triple(iri, AT.originalLanguage, _string(resolved.source_language))
        node = self.iris.translation(assertion_id)
        yield self.triple(iri, AT.translation, NamedNode(node))
        yield self.triple(node, RDF.type, _n(AT.Translation))
        yield self.triple(node, AT.fromLanguage, _string(resolved.source_language))
        yield self.triple(node, AT.toLanguage, _string(resolved.quote_language))
        if resolved.translator:
            translator = NamedNode(self.iris.entity(resolved.translator))
            yield self.triple(node, AT.translator, translator)
        if resolved.note:
            yield self.triple(node, AT.translatorNote, _lang(resolved.note))

    def selectors(self, assertion_id: str) -> Iterator[Quad]:
        iris = self.iris
        match = self.corpus.matches[assertion_id]
        document = self.corpus.assertions[assertion_id].stated_in
        iri = iris.assertion(assertion_id)
        target = iris.target(assertion_id)
        quote = iris.quote_selector(assertion_id)
        position = iris.position_selector(assertion_id)
        yield self.triple(iri, OA.hasTarget, NamedNode(target))
        yield self.triple(target, RDF.type, _n(OA.SpecificResource))
        yield self.triple(target, OA.hasSource, NamedNode(iris.document(document)))
        yield self.triple(target, OA.hasSelector, NamedNode(quote))
        yield self.triple(target, OA.hasSelector, NamedNode(position))
        yield self.triple(quote, RDF.type, _n(OA.TextQuoteSelector))
        yield self.triple(quote, OA.exact, _string(match.exact))
        yield self.triple(quote, OA.prefix, _string(match.prefix))
        yield self.triple(quote, OA.suffix, _string(match.suffix))
        yield self.triple(position, RDF.type, _n(OA.TextPositionSelector))
        yield self.triple(position, OA.start, _int(match.start))
        yield self.triple(position, OA.end, _int(match.end))

    def claim(self, assertion_id: str) -> Iterator[Quad]:
        iris = self.iris
        iri = iris.assertion(assertion_id)
        claim_iri = iris.claim_graph(assertion_id)
        inferred_iri = iris.inferred_graph(assertion_id)
        claim = self.corpus.claims[assertion_id]
        claim_graph = NamedNode(claim_iri)
        inferred_graph = NamedNode(inferred_iri)
        yield self.triple(iri, AT.claim, claim_graph)
        yield self.triple(claim_iri, RDF.type, _n(AT.ClaimGraph))
        yield self.triple(claim_iri, AT.tripleCount, _int(len(claim)))
        for triple in claim:
            subject, predicate, obj = triple
            yield Quad(NamedNode(subject), NamedNode(predicate), _object(obj), claim_graph)
            yield from self.statement(claim_iri, triple)
        known = {
            self.iris.entity(entity_id): types for entity_id, types in self._entity_types_of(claim)
        }
        inferences = infer_claim(self.corpus.schema, claim, known)
        self.last_inferences = inferences
        yield self.triple(iri, AT.inferred, inferred_graph)
        yield self.triple(inferred_iri, RDF.type, _n(AT.InferredGraph))
        yield self.triple(inferred_iri, AT.inferredFrom, claim_graph)
        yield self.triple(inferred_iri, AT.tripleCount, _int(len(inferences)))
        for inference in inferences:
            yield from self.inferred(inferred_iri, claim_iri, inference)

    def _entity_types_of(self, claim: Iterable[Triple]) -> Iterator[tuple[str, frozenset[str]]]:
        prefix = self.iris.entity("")
        seen = set()
        for subject, _, obj in claim:
            for node in (subject, obj):
                if isinstance(node, str) and node.startswith(prefix) and node not in seen:
                    seen.add(node)
                    entity_id = node[len(prefix) :]
                    yield entity_id, self.corpus.entity_types.get(entity_id, frozenset())

    def statement(self, graph_iri: str, triple: Triple) -> Iterator[Quad]:
        node = statement_iri(graph_iri, triple)
        subject, predicate, obj = triple
        yield self.triple(graph_iri, AT.statement, NamedNode(node))
        yield self.triple(node, RDF.type, _n(RDF.Statement))
        yield self.triple(node, RDF.subject, NamedNode(subject))
        yield self.triple(node, RDF.predicate, NamedNode(predicate))
        yield self.triple(node, RDF.object, _object(obj))

    def inferred(self, inferred_iri: str, claim_iri: str, inference: Inference) -> Iterator[Quad]:
        subject, predicate, obj = inference.triple
        yield Quad(NamedNode(subject), NamedNode(predicate), _object(obj), NamedNode(inferred_iri))
        node = statement_iri(inferred_iri, inference.triple)
        yield from self.statement(inferred_iri, inference.triple)
        yield self.triple(node, AT.rule, _string(inference.rule))
        for premise in inference.premises:
            yield self.triple(node, AT.premise, NamedNode(statement_iri(claim_iri, premise)))

    def load_record(self, digest: str, version: str) -> Iterator[Quad]:
        iri = self.iris.load
        yield self.triple(iri, RDF.type, _n(AT.Load))
        yield self.triple(iri, AT.seedDigest, _string(digest))
        yield self.triple(iri, AT.softwareVersion, _string(version))
        yield self.triple(iri, AT.baseIri, Literal(self.iris.base, datatype=_n(XSD.anyURI)))


def build_quads(
    corpus: Corpus,
    ontology: Graph,
    ontology_inferred: Graph,
    digest: str,
    version: str,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[Quad]:
    """Yield every quad of the store for *corpus*, one entity, document or assertion at a time.

    Besides each assertion's own inferred graph, the consequences of the
    catalogue and the provenance (superclasses of entity types, PROV
    super-properties, inverse links between assertions) go to the background
    inferred graph, as do the ontology's own (*ontology_inferred*).

    :param ontology: the ontology as written (goes to the default graph).
    :param ontology_inferred: what the ontology's closure adds, without trivia.
    :param progress: called with (assertions built, assertions in all).
    """
    builder = _Builder(corpus)
    background = NamedNode(corpus.iris.background_inferred_graph)
    known = dict(_known_types(corpus))
    yield from graph_quads(ontology)
    yield from graph_quads(ontology_inferred, background)
    total = len(corpus.assertions)

    readmodel = ReadModel(corpus)

    def assertions() -> Iterator[list[Quad]]:
        for done, assertion_id in enumerate(corpus.assertions, start=1):
            group = list(builder.assertion(assertion_id))
            claim = corpus.claims[assertion_id]
            group.extend(readmodel.assertion(assertion_id, claim, builder.last_inferences))
            yield group
            if progress is not None:
                progress(done, total)

    groups: Iterator[list[Quad]] = itertools.chain(
        builder.entities(),
        builder.documents(),
        assertions(),
        [list(builder.load_record(digest, version))],
    )
    for group in groups:
        yield from group
        default = [t for t in map(_default_triple, group) if t is not None]
        for inference in infer_claim(corpus.schema, default, known):
            subject, predicate, obj = inference.triple
            yield Quad(NamedNode(subject), NamedNode(predicate), _object(obj), background)
    yield from readmodel.finish()


def _known_types(corpus: Corpus) -> Iterator[tuple[str, frozenset[str]]]:
    """Types known from the catalogue, document kinds and assertions, with their superclasses."""
    for entity_id, types in corpus.entity_types.items():
        yield corpus.iris.entity(entity_id), types
    document_class = str(AT.Document)
    for document in corpus.documents.values():
        classes = {str(AT._NS[document.kind]), document_class}
        yield corpus.iris.document(document.id), corpus.schema.types_with_supers(classes)
    assertion_types = corpus.schema.types_with_supers({str(AT.Assertion)})
    for assertion_id in corpus.assertions:
        yield corpus.iris.assertion(assertion_id), assertion_types


def _default_triple(quad: Quad) -> Triple | None:
    if not isinstance(quad.graph_name, DefaultGraph) or not isinstance(quad.subject, NamedNode):
        return None
    obj = quad.object
    if isinstance(obj, NamedNode):
        return (quad.subject.value, quad.predicate.value, obj.value)
    if isinstance(obj, Literal):
        return (quad.subject.value, quad.predicate.value, obj)
    return None
