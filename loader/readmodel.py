"""The read model: what every look-up needs, computed once per load and stored as RDF.

The server answers its look-ups (provenance, entity, speaker, document,
contested, timeline, neighbours, the home page) from this, never by scanning
the store, so a look-up costs what its answer page costs, on the embedded store
and on a remote endpoint alike. It lives in its own named graph,
``{base}graph/readmodel``, beside (never mixed with) the claims:

- a **card** (``at:card``, an ``rdf:JSON`` literal) on each assertion, document,
  entity and claim: the record a page shows, with IRIs for what it names;
- **ordered lists** whose slots have computable IRIs (``{list}/{n}``, n from 1),
  each slot naming its ``at:item``; the list node carries ``at:size``. A page
  is a ``VALUES`` of slot IRIs: index probes, whatever the list's length;
- **claim nodes** ``{base}graph/readmodel/claim/{hash}``, one per distinct
  claim triple (curated or inferred), with the assertions that hold it as a
  list and their counts (affirm, deny, disputed) in the card.

A claim's card states only who asserts, denies or disputes it: the read model
holds no claim as a fact, as the rest of the store.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import Counter
from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Iterator
from typing import Any

from pyoxigraph import Literal
from pyoxigraph import NamedNode
from pyoxigraph import Quad

from loader import readings
from loader.infer import Inference
from loader.validate import Corpus
from loader.vocab import AT
from loader.vocab import RDF

FORMAT = "1"  # the read model's layout; a store built with another must be rebuilt
Triple = tuple[str, str, "str | Literal"]
JSON = NamedNode(str(RDF.JSON))
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
INTEGER = NamedNode("http://www.w3.org/2001/XMLSchema#integer")


def claim_key(triple: Triple) -> str:
    """Hash one claim triple into the key of its read-model claim node (stable across loads)."""
    subject, predicate, obj = triple
    text = f"{subject} {predicate} {term_key(obj)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def term_key(term: str | Literal) -> str:
    """The N-Triples form of a claim term (a plain string is an IRI)."""
    return str(NamedNode(term)) if isinstance(term, str) else str(term)


def term_json(term: str | Literal) -> Any:
    """A claim term in a card: an IRI as a string, a literal as an object."""
    if isinstance(term, str):
        return term
    value: dict[str, str] = {"value": term.value}
    if term.language:
        value["language"] = term.language
    elif term.datatype.value != XSD_STRING:
        value["datatype"] = term.datatype.value
    return value


def _card(value: dict[str, Any]) -> Literal:
    return Literal(json.dumps(value, ensure_ascii=False, separators=(",", ":")), datatype=JSON)


@dataclasses.dataclass
class _Claim:
    triple: Triple
    sources: list[tuple[str, bool]] = dataclasses.field(default_factory=list)
    affirmed: int = 0
    denied: int = 0
    inferred: int = 0


class ReadModel:
    """Collect what the look-ups need while the loader builds each assertion.

    :meth:`assertion` is called once per assertion, with its curated claim and
    what inference added, and yields that assertion's card at once; :meth:`finish`
    yields the counts, claim nodes and ordered lists after the last one.
    """

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self.iris = corpus.iris
        self.graph = NamedNode(self.iris.readmodel_graph)
        self.claims: dict[str, _Claim] = {}
        self.about: dict[str, set[str]] = defaultdict(set)
        self.neighbours: dict[str, Counter[str]] = defaultdict(Counter)
        self.made: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.reported: dict[str, list[str]] = defaultdict(list)
        self.in_document: dict[str, list[tuple[int, str]]] = defaultdict(list)
        self.timeline: list[tuple[str, str]] = []
        self.matches: Counter[tuple[str, str]] = Counter()
        self.disputed_by: dict[str, list[str]] = defaultdict(list)
        self.corroborated_by: dict[str, list[str]] = defaultdict(list)
        self.denials: dict[str, list[str]] = defaultdict(list)
        for assertion in corpus.assertions.values():
            for target in assertion.disputes:
                self.disputed_by[target].append(assertion.id)
            for target in assertion.corroborates:
                self.corroborated_by[target].append(assertion.id)

    def quad(self, subject: str, predicate: object, obj: NamedNode | Literal) -> Quad:
        return Quad(NamedNode(subject), NamedNode(str(predicate)), obj, self.graph)

    # -- per assertion -------------------------------------------------------

    def assertion(
        self, assertion_id: str, claim: list[Triple], inferences: list[Inference]
    ) -> Iterator[Quad]:
        """Record one assertion for the lists and yield its card."""
        corpus, iris = self.corpus, self.iris
        assertion = corpus.assertions[assertion_id]
        iri = iris.assertion(assertion_id)
        match = corpus.matches[assertion_id]
        date = corpus.dates.get("assertion:" + assertion_id)
        card = {
            "speaker": iris.entity(assertion.speaker),
            "document": iris.document(assertion.stated_in),
            "chain": [
                [iris.entity(s.reporter), iris.document(s.document) if s.document else None]
                for s in assertion.via
            ],
            "quote": [match.exact, match.prefix, match.suffix, match.start, match.end],
            "stance": assertion.stance,
            "certainty": corpus.certainty[assertion_id],
            "hedge": assertion.hedge,
            "when": date.value if date is not None else None,
            "addressee": iris.entity(assertion.addressee) if assertion.addressee else None,
            "original": iris.document(assertion.original_document)
            if assertion.original_document
            else None,
            "note": assertion.note,
            "claims": [[s, p, term_json(o)] for s, p, o in claim],
            "inferred": [
                [
                    *(inference.triple[0], inference.triple[1], term_json(inference.triple[2])),
                    inference.rule,
                    [[s, p, term_json(o)] for s, p, o in inference.premises],
                ]
                for inference in inferences
            ],
            "disputes": [iris.assertion(t) for t in assertion.disputes],
            "corroborates": [iris.assertion(t) for t in assertion.corroborates],
            "disputed_by": [iris.assertion(t) for t in self.disputed_by.get(assertion_id, [])],
            "corroborated_by": [
                iris.assertion(t) for t in self.corroborated_by.get(assertion_id, [])
            ],
        }
        card.update(self._reading(assertion_id))
        yield self.quad(iri, AT.card, _card(card))
        self._index(assertion_id, claim, inferences)

    def _reading(self, assertion_id: str) -> dict[str, Any]:
        """Whose hedge it is, the quote's language and how it was translated, unnamed voices."""
        corpus, iris = self.corpus, self.iris
        assertion = corpus.assertions[assertion_id]
        hedge = readings.hedge_of(assertion, corpus.certainty[assertion_id])
        resolved = readings.translation_of(assertion, corpus.documents)
        speaker = corpus.entities[assertion.speaker]
        return {
            "hedged_by": None
            if hedge is None
            else {"agent": iris.entity(hedge.agent), "role": hedge.role, "step": hedge.step},
            "language": resolved.quote_language,
            "translation": None
            if resolved.source_language is None
            else {
                "from": resolved.source_language,
                "to": resolved.quote_language,
                "translator": iris.entity(resolved.translator) if resolved.translator else None,
                "note": resolved.note,
            },
            "speaker_unnamed": speaker.unnamed,
        }

    def _index(self, assertion_id: str, claim: list[Triple], inferences: list[Inference]) -> None:
        corpus, iris = self.corpus, self.iris
        assertion = corpus.assertions[assertion_id]
        entity_prefix = iris.entity("")
        affirms = assertion.stance == "affirms"
        for triple, inferred in [(t, False) for t in claim] + [
            (i.triple, True) for i in inferences
        ]:
            key = claim_key(triple)
            found = self.claims.get(key)
            if found is None:
                found = self.claims[key] = _Claim(triple)
            if (assertion_id, inferred) in found.sources:
                continue
            found.sources.append((assertion_id, inferred))
            if inferred:
                found.inferred += 1
            elif affirms:
                found.affirmed += 1
            else:
                found.denied += 1
                self.denials[key].append(assertion_id)
            subject, predicate, obj = triple
            self.matches[("s", subject)] += 1  # (claim, assertion) pairs per bound term
            self.matches[("p", predicate)] += 1
            if isinstance(obj, str):
                self.matches[("o", obj)] += 1
            for node in (subject, obj):
                if isinstance(node, str) and node.startswith(entity_prefix):
                    self.about[node].add(key)
            if not inferred and isinstance(obj, str) and obj.startswith(entity_prefix):
                if obj != subject:
                    self.neighbours[subject][obj] += 1
                    self.neighbours[obj][subject] += 1
        speaker = iris.entity(assertion.speaker)
        self.made[speaker].append((self._said_on(assertion_id), assertion_id))
        for reporter in dict.fromkeys(iris.entity(step.reporter) for step in assertion.via):
            self.reported[reporter].append(assertion_id)
        start = corpus.matches[assertion_id].start
        self.in_document[assertion.stated_in].append((start, assertion_id))
        date = corpus.dates.get("assertion:" + assertion_id)
        if date is not None:
            self.timeline.append((date.value, assertion_id))

    def _said_on(self, assertion_id: str) -> str:
        """When the words were published (the document's date, its container's), else claimed."""
        corpus = self.corpus
        document = corpus.documents[corpus.assertions[assertion_id].stated_in]
        for key in (document.id, document.part_of):
            date = corpus.dates.get(f"document:{key}") if key else None
            if date is not None:
                return date.value
        date = corpus.dates.get("assertion:" + assertion_id)
        return date.value if date is not None else ""

    # -- after the last assertion ---------------------------------------------

    def finish(self) -> Iterator[Quad]:
        """Yield the claim nodes, the entity and document cards, and every ordered list."""
        contested = self.contested()
        yield from self._claims({key: len(disputing) for key, _, disputing in contested})
        yield from self._entities()
        yield from self._documents()
        yield from self._lists(contested)

    def _list(self, iri: str, items: Iterable[str], extra: Any = None) -> Iterator[Quad]:
        size = 0
        for size, item in enumerate(items, start=1):
            slot = f"{iri}/{size}"
            yield self.quad(slot, AT.item, NamedNode(item))
            if extra is not None:
                yield from extra(slot, size)
        yield self.quad(iri, AT.size, Literal(str(size), datatype=INTEGER))

    def _claims(self, contesting: dict[str, int]) -> Iterator[Quad]:
        iris = self.iris
        for key, found in self.claims.items():
            node = iris.claim_node(key)
            subject, predicate, obj = found.triple
            card = {
                "claim": [subject, predicate, term_json(obj)],
                "sources": len(found.sources),
                "affirmed": found.affirmed,
                "denied": found.denied,
                "inferred": found.inferred,
                "contesting": contesting.get(key, 0),
            }
            yield self.quad(node, AT.card, _card(card))
            sources = self._alternating(found.sources)
            yield from self._list(
                node,
                (iris.assertion(a) for a, _ in sources),
                lambda slot, n, sources=sources: (
                    [
                        self.quad(
                            slot,
                            AT.itemKind,
                            Literal("inferred" if sources[n - 1][1] else "curated"),
                        )
                    ]
                ),
            )

    def _alternating(self, sources: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
        """Curated sources alternating by stance (so a short page shows both sides), then inferred."""
        rank: Counter[tuple[bool, str]] = Counter()
        keyed = []
        for position, (assertion_id, inferred) in enumerate(sources):
            stance = self.corpus.assertions[assertion_id].stance
            rank[(inferred, stance)] += 1
            keyed.append(
                ((inferred, rank[(inferred, stance)], stance, position), (assertion_id, inferred))
            )
        return [source for _, source in sorted(keyed)]

    def _disputing(self, key: str, found: _Claim) -> dict[str, str]:
        """Assertions that deny this claim or dispute one affirming it → how (denies wins)."""
        contesting: dict[str, str] = {}
        if not found.affirmed:
            return contesting
        for assertion_id in self.denials.get(key, []):
            contesting[assertion_id] = "denies"
        for assertion_id, inferred in found.sources:
            if inferred or self.corpus.assertions[assertion_id].stance != "affirms":
                continue
            for other in self.disputed_by.get(assertion_id, []):
                contesting.setdefault(other, "disputes")
        return contesting

    def contested(self) -> list[tuple[str, _Claim, dict[str, str]]]:
        """Claims affirmed by some and denied or disputed by others, in IRI order."""
        found = []
        for key, claim in self.claims.items():
            disputing = self._disputing(key, claim)
            if disputing:
                found.append((key, claim, disputing))
        found.sort(key=lambda item: tuple(term_key(t) for t in item[1].triple))
        return found

    def _entities(self) -> Iterator[Quad]:
        iris = self.iris
        for entity_id in self.corpus.entities:
            iri = iris.entity(entity_id)
            entity = self.corpus.entities[entity_id]
            card = {
                "label": entity.label,
                "aliases": sorted(entity.aliases),
                "types": [entity.type],
                "wikidata": f"http://www.wikidata.org/entity/{entity.wikidata}"
                if entity.wikidata
                else None,
                "note": entity.note,
                "about": len(self.about.get(iri, ())),
                "made": len(self.made.get(iri, ())),
                "reported": len(self.reported.get(iri, ())),
                "neighbours": len(self.neighbours.get(iri, ())),
                "as_subject": self.matches.get(("s", iri), 0),
                "as_object": self.matches.get(("o", iri), 0),
            }
            yield self.quad(iri, AT.card, _card(card))

    def _documents(self) -> Iterator[Quad]:
        corpus, iris = self.corpus, self.iris
        embedded: dict[str, list[str]] = defaultdict(list)
        for document in corpus.documents.values():
            if document.part_of:
                embedded[document.part_of].append(document.id)
        for document in corpus.documents.values():
            date = corpus.dates.get("document:" + document.id)
            position = corpus.positions.get(document.id)
            own = len(self.in_document.get(document.id, ()))
            container = corpus.documents[document.part_of] if document.part_of else None
            publisher = document.publisher or (container.publisher if container else None)
            text = corpus.texts.get(document.id)
            card = {
                "title": document.title,
                "kind": document.kind,
                "issued": date.value if date is not None else None,
                "issued_note": document.issued_note,
                "author": iris.entity(document.author) if document.author else None,
                "author_note": document.author_note,
                "publisher": iris.entity(publisher) if publisher else None,
                "publisher_note": document.publisher_note,
                "source_url": document.source_url,
                "language": document.language,
                "note": document.note,
                "container": iris.document(container.id) if container else None,
                "container_title": container.title if container else None,
                "position": list(position) if position else None,
                "parts": [iris.document(d) for d in embedded[document.id]],
                "text_length": len(text) if text is not None else None,
                "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()
                if text is not None
                else None,
                "assertions": own
                + sum(len(self.in_document.get(d, ())) for d in embedded[document.id]),
                "own_assertions": own,
            }
            yield self.quad(iris.document(document.id), AT.card, _card(card))

    def _lists(self, contested: list[tuple[str, _Claim, dict[str, str]]]) -> Iterator[Quad]:
        corpus, iris = self.corpus, self.iris
        labels = {iris.entity(e.id): e.label.casefold() for e in corpus.entities.values()}
        for entity_id in corpus.entities:
            iri = iris.entity(entity_id)
            keys = self.about.get(iri, set())
            ordered = sorted(keys, key=lambda k: self._about_order(iri, self.claims[k].triple))
            yield from self._list(
                iris.list_node("entity", entity_id, "about"), map(iris.claim_node, ordered)
            )
            made = sorted(self.made.get(iri, []), key=lambda item: (item[0], item[1]))
            made.reverse()  # newest first; the same day in reverse id order, stable per load
            yield from self._list(
                iris.list_node("entity", entity_id, "made"), (iris.assertion(a) for _, a in made)
            )
            yield from self._list(
                iris.list_node("entity", entity_id, "reported"),
                (iris.assertion(a) for a in sorted(self.reported.get(iri, []))),
            )
            counted = sorted(
                self.neighbours.get(iri, Counter()).items(),
                key=lambda item: (-item[1], labels.get(item[0], item[0])),
            )
            yield from self._list(
                iris.list_node("entity", entity_id, "neighbours"),
                (other for other, _ in counted),
                lambda slot, n, counted=counted: [
                    self.quad(slot, AT.weight, Literal(str(counted[n - 1][1]), datatype=INTEGER))
                ],
            )
        yield from self._document_lists()
        yield from self._list(
            iris.list_node("contested"), (iris.claim_node(key) for key, _, _ in contested)
        )
        for key, claim, disputing in contested:
            node = iris.claim_node(key)
            affirming = [a for a, inferred in claim.sources if not inferred]
            affirming = [a for a in affirming if corpus.assertions[a].stance == "affirms"]
            yield from self._list(f"{node}/affirmed", map(iris.assertion, affirming))
            how = list(disputing.values())
            yield from self._list(
                f"{node}/contested",
                map(iris.assertion, disputing),
                lambda slot, n, how=how: [self.quad(slot, AT.itemKind, Literal(how[n - 1]))],
            )
        self.timeline.sort()
        yield from self._list(
            iris.list_node("timeline"), (iris.assertion(a) for _, a in self.timeline)
        )
        speakers = {a.speaker for a in corpus.assertions.values()}
        home = {
            "assertions": len(corpus.assertions),
            "speakers": len(speakers),
            "documents": len(corpus.documents),
            "entities": len(corpus.entities),
            "claims": len(self.claims),
            "contested": len(contested),
            "dated": len(self.timeline),
            "matches": sum(len(c.sources) for c in self.claims.values()),
            "format": FORMAT,
        }
        yield self.quad(iris.home_node, AT.card, _card(home))
        for (role, term), count in self.matches.items():
            if role == "p":
                yield self.quad(term, AT.card, _card({"as_predicate": count}))

    def _document_lists(self) -> Iterator[Quad]:
        corpus, iris = self.corpus, self.iris
        spans: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for document_id, found in self.in_document.items():
            spans[document_id].extend(found)
            container = corpus.documents[document_id].part_of
            if container:
                shift = corpus.positions.get(document_id, (0, 0))[0]
                spans[container].extend((start + shift, a) for start, a in found)
        for document_id in corpus.documents:
            ordered = sorted(spans.get(document_id, []))
            yield from self._list(
                iris.list_node("document", document_id, "assertions"),
                (iris.assertion(a) for _, a in ordered),
            )
        top = sorted(d.id for d in corpus.documents.values() if not d.part_of)
        inner = sorted(d.id for d in corpus.documents.values() if d.part_of)
        yield from self._list(iris.list_node("documents"), map(iris.document, top))
        yield from self._list(iris.list_node("embedded"), map(iris.document, inner))

    def _about_order(self, focus: str, triple: Triple) -> tuple[int, str, str, str]:
        subject, predicate, obj = triple
        role = 0 if subject == focus else 1
        return (role, predicate, subject, term_key(obj))
