"""Every check on the seeds, before anything is built or written.

:func:`check` resolves ids, relations, quotes, spans and dates, and returns a
:class:`Corpus` ready to build, or raises :class:`ValidationError` listing
every problem (file, line, what is wrong, how to fix it). SHACL runs later,
on the built graph (:func:`shacl_problems`).
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import re
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pyoxigraph import Literal
from pyoxigraph import NamedNode

from loader import quotes
from loader import readings
from loader.errors import Problem
from loader.errors import ValidationError
from loader.iris import Iris
from loader.iris import is_slug
from loader.ontology import DOCUMENT_KINDS
from loader.ontology import ENTITY_TYPES
from loader.ontology import Schema
from loader.seeds import Assertion
from loader.seeds import Document
from loader.seeds import Entity
from loader.seeds import Literal as SeedLiteral
from loader.seeds import Seeds
from loader.seeds import Where
from loader.vocab import AT
from loader.vocab import XSD

STANCES = ("affirms", "denies")
CERTAINTIES = ("stated", "hedged")
WIKIDATA_ITEM = re.compile(r"^Q[1-9][0-9]*$")
VERIFIED_FILE = "wikidata/verified.tsv"
HEDGE_WINDOW = 300

Triple = tuple[str, str, "str | Literal"]


@dataclasses.dataclass
class Corpus:
    """Validated seeds, with every reference resolved, ready for :mod:`loader.build`."""

    seeds: Seeds
    schema: Schema
    iris: Iris
    entities: dict[str, Entity]
    documents: dict[str, Document]
    assertions: dict[str, Assertion]
    texts: dict[str, str]
    text_files: dict[str, str]
    positions: dict[str, tuple[int, int]]
    matches: dict[str, quotes.QuoteMatch]
    claims: dict[str, list[Triple]]
    entity_types: dict[str, frozenset[str]]
    dates: dict[str, Literal]
    certainty: dict[str, str]
    # Readings a curator should check again; they do not stop a load.
    warnings: list[Problem] = dataclasses.field(default_factory=list)


def parse_date(text: str) -> Literal | None:
    """Parse 2017-11-21, 2017-11 or 2017 into an xsd:date, gYearMonth or gYear literal."""
    text = text.strip()
    if re.fullmatch(r"\d{4}", text):
        return Literal(text, datatype=NamedNode(str(XSD.gYear)))
    if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        return Literal(text, datatype=NamedNode(str(XSD.gYearMonth)))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            datetime.date.fromisoformat(text)
        except ValueError:
            return None
        return Literal(text, datatype=NamedNode(str(XSD.date)))
    return None


def _date_hint(what: str) -> str:
    return f"write {what} as YYYY-MM-DD, YYYY-MM or YYYY, with the precision the text gives"


def _suggest(name: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


class _Checker:
    def __init__(self, seeds: Seeds, schema: Schema, iris: Iris) -> None:
        self.seeds = seeds
        self.schema = schema
        self.iris = iris
        self.problems: list[Problem] = list(seeds.problems)
        self.entities: dict[str, Entity] = {}
        self.documents: dict[str, Document] = {}
        self.assertions: dict[str, Assertion] = {}
        self.texts: dict[str, str] = {}
        self.text_files: dict[str, str] = {}
        self.positions: dict[str, tuple[int, int]] = {}
        self.matches: dict[str, quotes.QuoteMatch] = {}
        self.quote_starts: dict[str, dict[str, list[int]]] = {}  # per document, one pass
        self.claims: dict[str, list[Triple]] = {}
        self.entity_types: dict[str, frozenset[str]] = {}
        self.dates: dict[str, Literal] = {}
        self.certainty: dict[str, str] = {}

    def problem(self, where: Where, message: str, hint: str = "") -> None:
        self.problems.append(where.problem(message, hint))

    # -- ids ----------------------------------------------------------------

    def unique(self, kind: str, items: Iterable[tuple[str, Where]]) -> set[str]:
        items = list(items)
        counts = Counter(item_id for item_id, _ in items)
        first: dict[str, Where] = {}
        for item_id, where in items:
            if not is_slug(item_id):
                self.problem(
                    where,
                    f"{kind} id '{item_id}' is not a valid id",
                    "use lowercase letters, digits and single hyphens, e.g. 'qassem-soleimani'",
                )
            if counts[item_id] > 1:
                if item_id in first:
                    seen = first[item_id]
                    self.problem(
                        where,
                        f"duplicate {kind} id '{item_id}' (first at {seen.file}:{seen.line})",
                        "give each one its own id; ids are published IRIs and must stay stable",
                    )
                else:
                    first[item_id] = where
        return set(counts)

    # -- entities -------------------------------------------------------------

    def check_entities(self) -> None:
        self.unique("entity", ((e.id, e.where) for e in self.seeds.entities))
        verified = self.read_verified()
        for entity in self.seeds.entities:
            self.entities.setdefault(entity.id, entity)
            if entity.type not in ENTITY_TYPES:
                self.problem(
                    entity.where,
                    f"unknown entity type '{entity.type}' for '{entity.id}'",
                    _suggest(entity.type, ENTITY_TYPES) or f"use one of {', '.join(ENTITY_TYPES)}",
                )
                continue
            self.entity_types[entity.id] = self.schema.types_with_supers(
                {str(AT._NS) + entity.type}
            )
            if entity.wikidata is not None:
                self.check_wikidata(entity, verified)

    def read_verified(self) -> set[str] | None:
        path = self.seeds.root / VERIFIED_FILE
        if not path.is_file():
            return None
        ids = set()
        for line in path.read_text(encoding="utf-8").splitlines()[1:]:
            columns = line.split("\t")
            if len(columns) >= 3:
                ids.add(columns[2].strip())
        return ids

    def check_wikidata(self, entity: Entity, verified: set[str] | None) -> None:
        item = entity.wikidata or ""
        if not WIKIDATA_ITEM.match(item):
            self.problem(
                entity.where,
                f"'{item}' is not a Wikidata item id (entity '{entity.id}')",
                "write the bare id, e.g. wikidata: Q892014, or leave it out",
            )
        elif verified is not None and item not in verified:
            self.problem(
                entity.where,
                f"Wikidata id {item} of '{entity.id}' is not in {VERIFIED_FILE}",
                "add a row with the evidence you found for it, or leave the id out: never guess one",
            )

    def entity(self, entity_id: str, where: Where, role: str, *, agent: bool = False) -> bool:
        if entity_id not in self.entities:
            self.problem(
                where,
                f"unknown entity '{entity_id}' ({role})",
                _suggest(entity_id, self.entities) or "add it to the catalogue in entities/*.yaml",
            )
            return False
        if agent and str(AT.Agent) not in self.entity_types.get(entity_id, frozenset()):
            kind = self.entities[entity_id].type
            self.problem(
                where,
                f"'{entity_id}' is a {kind}, but the {role} must be an Agent",
                "use a Person, Organization, Group or Country",
            )
            return False
        return True

    # -- documents ------------------------------------------------------------

    def check_documents(self) -> None:
        self.unique("document", ((d.id, d.where) for d in self.seeds.documents))
        for document in self.seeds.documents:
            self.documents.setdefault(document.id, document)
        # Containers first, so embedded documents can take their text from them.
        for document in sorted(self.seeds.documents, key=lambda d: d.part_of is not None):
            self.check_document(document)

    def check_document(self, document: Document) -> None:
        where = document.where
        if document.kind not in DOCUMENT_KINDS:
            self.problem(
                where,
                f"unknown document kind '{document.kind}'",
                _suggest(document.kind, DOCUMENT_KINDS)
                or f"use one of {', '.join(DOCUMENT_KINDS)}",
            )
        for role, value in (("author", document.author), ("publisher", document.publisher)):
            if value is not None:
                self.entity(value, where, f"{role} of document '{document.id}'", agent=True)
        if document.source_url is not None and not _is_web_url(document.source_url):
            self.problem(
                where,
                f"source_url of document '{document.id}' is not an http(s) URL: "
                f"{document.source_url[:80]!r}",
                "give the address where the text was published, starting http:// or https://",
            )
        if document.issued is not None:
            date = parse_date(document.issued)
            if date is None:
                self.problem(
                    where, f"issued date '{document.issued}' does not parse", _date_hint("issued")
                )
            else:
                self.dates["document:" + document.id] = date
        if document.text_file and (document.span or document.part_of):
            self.problem(
                where,
                f"document '{document.id}' has both its own text file and a span in a container",
                "a page has 'text:'; a document inside it has 'part_of:' and 'span:'",
            )
        elif document.text_file:
            self.read_text(document)
        elif document.span or document.part_of:
            self.locate_span(document)

    def read_text(self, document: Document) -> None:
        assert document.text_file is not None
        path = self.seeds.root / document.text_file
        if not path.is_file():
            self.problem(
                document.where,
                f"text file '{document.text_file}' of '{document.id}' not found",
                "give the path relative to the seeds directory, e.g. texts/000_….txt",
            )
            return
        try:
            self.texts[document.id] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            self.problem(document.where, f"text file '{document.text_file}' is not UTF-8: {exc}")
            return
        self.text_files[document.id] = Path(document.text_file).as_posix()

    def locate_span(self, document: Document) -> None:
        where = document.where
        if document.part_of is None or document.span is None:
            self.problem(
                where,
                f"document '{document.id}' needs both 'part_of' and 'span'",
                "name the containing document and the first and last words of this one",
            )
            return
        container = self.documents.get(document.part_of)
        if container is None:
            self.problem(
                where,
                f"unknown document '{document.part_of}' (part_of)",
                _suggest(document.part_of, self.documents),
            )
            return
        text = self.texts.get(container.id)
        if text is None:
            self.problem(where, f"container '{container.id}' has no text to find the span in")
            return
        span = document.span
        try:
            start, end = quotes.find_span(text, span.start, span.end)
        except quotes.QuoteNotFoundError as exc:
            self.problem(
                span.where,
                f"span of '{document.id}' not found in '{container.id}'; closest passage: \"{exc.closest[:120]}\"",
                "copy the first ('start') and last ('end') words exactly from the text",
            )
            return
        except quotes.QuoteAmbiguousError as exc:
            self.problem(
                span.where,
                f"span start of '{document.id}' occurs {len(exc.prefixes)} times in '{container.id}'",
                "lengthen 'start' until it occurs once (the span ends at the next 'end')",
            )
            return
        self.positions[document.id] = (start, end)
        self.texts[document.id] = text[start:end]

    # -- assertions -----------------------------------------------------------

    def check_assertions(self) -> None:
        self.unique("assertion", ((a.id, a.where) for a in self.seeds.assertions))
        for assertion in self.seeds.assertions:
            self.assertions.setdefault(assertion.id, assertion)
        self.assertions_in: dict[str, list[Assertion]] = {}
        for assertion in self.seeds.assertions:
            self.assertions_in.setdefault(assertion.stated_in, []).append(assertion)
        for assertion in self.seeds.assertions:
            self.check_assertion(assertion)

    def check_assertion(self, assertion: Assertion) -> None:
        where = assertion.where
        self.entity(assertion.speaker, where, f"speaker of '{assertion.id}'", agent=True)
        if assertion.addressee is not None:
            self.entity(assertion.addressee, where, f"addressee of '{assertion.id}'", agent=True)
        for step in assertion.via:
            self.entity(step.reporter, step.where, "reporter in 'via'", agent=True)
            if step.document is not None:
                self.document_ref(step.document, step.where, "document in 'via'")
        if assertion.original_document is not None:
            self.document_ref(assertion.original_document, where, "original_document")
        if assertion.stance not in STANCES:
            self.problem(
                where,
                f"stance '{assertion.stance}' of '{assertion.id}' is not one of {', '.join(STANCES)}",
                _suggest(assertion.stance, STANCES) or "write stance: affirms (or denies)",
            )
        self.check_certainty(assertion)
        if assertion.when is not None:
            date = parse_date(assertion.when)
            if date is None:
                self.problem(
                    where,
                    f"date '{assertion.when}' of '{assertion.id}' does not parse",
                    _date_hint("when"),
                )
            else:
                self.dates["assertion:" + assertion.id] = date
        for key, targets in (
            ("disputes", assertion.disputes),
            ("corroborates", assertion.corroborates),
        ):
            for target in targets:
                if target == assertion.id:
                    self.problem(where, f"'{assertion.id}' {key} itself")
                elif target not in self.assertions:
                    self.problem(
                        where,
                        f"unknown assertion '{target}' in '{key}'",
                        _suggest(target, self.assertions)
                        or "use the id of an assertion in the seeds",
                    )
        self.check_quote(assertion)
        self.check_claims(assertion)

    def check_exemptions(self) -> None:
        for exemption in self.seeds.exemptions:
            text = self.texts.get(exemption.document)
            if text is not None and not quotes.find_all(text, exemption.text):
                self.problem(
                    exemption.where,
                    f"no_checkable_claim text not found in '{exemption.document}': \"{exemption.text[:80]}\"",
                    "copy the sentence's opening words exactly from the text",
                )

    def check_certainty(self, assertion: Assertion) -> None:
        certainty = assertion.certainty
        if assertion.hedge and certainty == "stated":
            certainty = "hedged"
        if certainty not in CERTAINTIES:
            self.problem(
                assertion.where,
                f"certainty '{certainty}' of '{assertion.id}' is not one of {', '.join(CERTAINTIES)}",
                _suggest(certainty, CERTAINTIES)
                or "write certainty: hedged and the words in 'hedge:'",
            )
            return
        if certainty == "hedged" and not assertion.hedge:
            self.problem(
                assertion.where,
                f"'{assertion.id}' is hedged but names no hedge",
                "add hedge: with the hedging words of the text, e.g. hedge: reportedly",
            )
        self.certainty[assertion.id] = certainty

    def document_ref(self, document_id: str, where: Where, role: str) -> bool:
        if document_id not in self.documents:
            self.problem(
                where,
                f"unknown document '{document_id}' ({role})",
                _suggest(document_id, self.documents) or "declare it under 'documents:'",
            )
            return False
        return True

    def check_quote(self, assertion: Assertion) -> None:
        where = assertion.where
        if not self.document_ref(assertion.stated_in, where, f"stated_in of '{assertion.id}'"):
            return
        text = self.texts.get(assertion.stated_in)
        if text is None:
            if (
                self.documents[assertion.stated_in].text_file
                or self.documents[assertion.stated_in].span
            ):
                return  # its own problem was reported already
            self.problem(
                where,
                f"document '{assertion.stated_in}' has no stored text to find the quote in",
                "state the assertion in a document that has 'text:' or 'span:'",
            )
            return
        if assertion.stated_in not in self.quote_starts:
            wanted = [a.quote for a in self.assertions_in[assertion.stated_in]]
            self.quote_starts[assertion.stated_in] = quotes.find_starts(text, wanted)
        starts = self.quote_starts[assertion.stated_in].get(assertion.quote)
        try:
            match = quotes.find_quote(text, assertion.quote, assertion.prefix, starts)
        except quotes.QuoteNotFoundError as exc:
            closest = exc.closest[:160]
            after = f' after prefix "{assertion.prefix}"' if assertion.prefix else ""
            self.problem(
                where,
                f"quote of '{assertion.id}' not found in '{assertion.stated_in}'{after}; "
                f'closest passage: "{closest}"',
                "copy the quote exactly from the text (straight quotes may stand for curly ones)",
            )
            return
        except quotes.QuoteAmbiguousError as exc:
            shown = "; ".join(f"…{prefix}" for prefix in exc.prefixes[:4])
            self.problem(
                where,
                f"quote of '{assertion.id}' occurs {len(exc.prefixes)} times in '{assertion.stated_in}' "
                f"(after: {shown})",
                "lengthen the quote, or add prefix: with the words just before the one you mean",
            )
            return
        self.matches[assertion.id] = match
        if assertion.hedge:
            window = text[max(0, match.start - HEDGE_WINDOW) : match.end + HEDGE_WINDOW]
            if not quotes.find_all(window.lower(), assertion.hedge.lower()):
                self.problem(
                    where,
                    f"hedge '{assertion.hedge}' of '{assertion.id}' is not in the text near the quote",
                    "copy the hedging words from the text around the quote",
                )

    def check_claims(self, assertion: Assertion) -> None:
        triples: list[Triple] = []
        if not assertion.claims:
            self.problem(
                assertion.where,
                f"assertion '{assertion.id}' has no claim triple",
                "write claim: [[subject, relation, object]]",
            )
        for claim in assertion.claims:
            relation = self.schema.relation_named(claim.relation)
            if relation is None:
                names = [r.name for r in self.schema.relations.values()]
                self.problem(
                    claim.where,
                    f"unknown relation '{claim.relation}'",
                    _suggest(claim.relation, names)
                    or "use a claim relation of ontology/attest.ttl",
                )
                continue
            if not self.entity(claim.subject, claim.where, f"subject of '{relation.name}'"):
                continue
            subject_types = self.entity_types.get(claim.subject, frozenset())
            if relation.domain and not relation.domain <= subject_types:
                self.type_problem(
                    claim.where, relation.name, "subject", claim.subject, relation.domain
                )
                continue
            obj = self.claim_object(claim.object, relation.literal, relation.name, claim.where)
            if obj is None:
                continue
            if isinstance(obj, str):
                object_id = claim.object
                assert isinstance(object_id, str)
                if relation.range and not relation.range <= self.entity_types.get(
                    object_id, frozenset()
                ):
                    self.type_problem(
                        claim.where, relation.name, "object", object_id, relation.range
                    )
                    continue
            triples.append((self.iris.entity(claim.subject), relation.iri, obj))
        self.claims[assertion.id] = triples

    def claim_object(
        self, obj: object, literal: bool, relation: str, where: Where
    ) -> str | Literal | None:
        if literal:
            if isinstance(obj, str):
                return Literal(obj)
            if isinstance(obj, SeedLiteral):
                if obj.kind == "text":
                    return Literal(obj.value)
                if obj.kind == "date":
                    date = parse_date(obj.value)
                    if date is None:
                        self.problem(
                            where, f"date '{obj.value}' does not parse", _date_hint("the date")
                        )
                    return date
                return Literal(
                    obj.value,
                    datatype=NamedNode(str(XSD.decimal if "." in obj.value else XSD.integer)),
                )
            return None
        if not isinstance(obj, str):
            self.problem(
                where,
                f"'{relation}' links to an entity, not a literal",
                "write an entity id as the object, or use a literal relation such as describedAs",
            )
            return None
        if not self.entity(obj, where, f"object of '{relation}'"):
            return None
        return self.iris.entity(obj)

    def type_problem(
        self, where: Where, relation: str, end: str, entity_id: str, required: frozenset[str]
    ) -> None:
        ours = {iri for iri in required if iri.startswith(str(AT._NS))}
        specific = {
            iri
            for iri in ours
            if not any(iri in self.schema.super_classes.get(o, ()) for o in ours)
        }
        wanted = " and ".join(
            _article(iri.rsplit("#", 1)[-1]) for iri in sorted(specific or required)
        )
        kind = self.entities[entity_id].type
        self.problem(
            where,
            f"'{relation}' needs {wanted} as {end}, but '{entity_id}' is {_article(kind)}",
            "choose another relation, or fix the entity's type in the catalogue",
        )


def _is_web_url(text: str) -> bool:
    parts = urlsplit(text.strip())
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _article(noun: str) -> str:
    return f"an {noun}" if noun[:1].lower() in "aeiou" else f"a {noun}"


def check(seeds: Seeds, schema: Schema, iris: Iris) -> Corpus:
    """Check the seeds and resolve every reference.

    :returns: the corpus, ready to build.
    :raises ValidationError: listing every problem found, if any.
    """
    checker = _Checker(seeds, schema, iris)
    checker.check_entities()
    checker.check_documents()
    checker.check_assertions()
    checker.check_exemptions()
    checker.problems.extend(
        readings.check_readings(
            checker.assertions,
            checker.entities,
            checker.entity_types,
            checker.documents,
            checker.texts,
            checker.matches,
            checker.certainty,
        )
    )
    warnings = [problem for problem in checker.problems if problem.is_warning]
    if len(warnings) < len(checker.problems):
        raise ValidationError(checker.problems)
    return Corpus(
        seeds=seeds,
        schema=schema,
        iris=iris,
        entities=checker.entities,
        documents=checker.documents,
        assertions=checker.assertions,
        texts=checker.texts,
        text_files=checker.text_files,
        positions=checker.positions,
        matches=checker.matches,
        claims=checker.claims,
        entity_types=checker.entity_types,
        dates=checker.dates,
        certainty=checker.certainty,
        warnings=sorted(set(warnings)),
    )


def where_by_iri(corpus: Corpus) -> Callable[[str], Where]:
    def lookup(iri: str) -> Where:
        parts = corpus.iris.split(iri)
        if parts is not None:
            kind, item_id, _ = parts
            tables: dict[str, Mapping[str, Any]] = {
                "entity": corpus.entities,
                "document": corpus.documents,
                "assertion": corpus.assertions,
            }
            item = tables.get(kind, {}).get(item_id)
            if item is not None:
                return item.where  # type: ignore[no-any-return]
        return Where("(built graph)", 0)

    return lookup
