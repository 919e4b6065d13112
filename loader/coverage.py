"""Curation coverage: which sentences naming a catalogued entity no assertion covers.

A reviewer's check, run by ``attest coverage`` and by the tests: every sentence
of a source text that mentions an entity of the catalogue must overlap at
least one assertion's quote (in that text or in a document embedded in it),
unless the document file lists it under ``no_checkable_claim`` with a reason.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

from loader.validate import Corpus

_ABBREVIATIONS = (
    "Dr",
    "Mr",
    "Mrs",
    "Ms",
    "St",
    "Gen",
    "Lt",
    "No",
    "Vol",
    "i.e",
    "e.g",
    "U.S",
    "etc",
)
_BOUNDARY = re.compile(r"(?<=[.!?])[\"”’)\]]*(\s+)(?=[\"“‘(\[#]?[A-Z0-9])")


@dataclasses.dataclass(frozen=True)
class Sentence:
    """A sentence of a source text: [start, end) in code points, and the entities it names."""

    document: str
    start: int
    end: int
    text: str
    entities: tuple[str, ...]


def sentences(text: str) -> Iterator[tuple[int, int]]:
    """Split *text* into sentence spans: lines first, then at sentence-ending punctuation."""
    offset = 0
    for line in text.split("\n"):
        start = 0
        for match in _BOUNDARY.finditer(line):
            before = line[start : match.start()]
            if before.rstrip(".").split(" ")[-1] in _ABBREVIATIONS:
                continue
            yield from _trimmed(line, offset, start, match.start(1))
            start = match.end()
        yield from _trimmed(line, offset, start, len(line))
        offset += len(line) + 1


def _trimmed(line: str, offset: int, start: int, end: int) -> Iterator[tuple[int, int]]:
    chunk = line[start:end]
    stripped = chunk.strip()
    if stripped:
        lead = len(chunk) - len(chunk.lstrip())
        yield offset + start + lead, offset + start + lead + len(stripped)


@dataclasses.dataclass(frozen=True)
class Names:
    """Every catalogued name, matched case-insensitively and longest first."""

    pattern: re.Pattern[str]
    owner: dict[str, str]
    capitalised_words: frozenset[str]

    @classmethod
    def of(cls, corpus: Corpus) -> Names:
        owner: dict[str, str] = {}
        capitalised = set()
        for entity in corpus.entities.values():
            for name in (entity.label, *entity.aliases):
                if len(name) >= 3:
                    owner.setdefault(name.casefold(), entity.id)
                    if " " not in name and name[:1].isupper():
                        capitalised.add(name.casefold())
        alternatives = "|".join(re.escape(name) for name in sorted(owner, key=len, reverse=True))
        # A lookahead finds overlapping candidates; mentions() keeps the longest.
        pattern = re.compile(r"(?=(?<!\w)(" + alternatives + r")(?!\w))", re.IGNORECASE)
        return cls(pattern, owner, frozenset(capitalised))

    def mentions(self, text: str) -> tuple[str, ...]:
        """Entities named in *text*; a name overlapping a longer one is dropped.

        Case is ignored, except that a one-word name written with a capital
        ('Leader') does not match the word in lower case ('a leader of').
        """
        candidates = []
        for match in self.pattern.finditer(text):
            found = match.group(1)
            key = found.casefold()
            if key in self.capitalised_words and found[:1].islower():
                continue
            candidates.append((match.start(1), match.end(1), self.owner[key]))
        kept: list[tuple[int, int, str]] = []
        for start, end, entity in sorted(candidates, key=lambda c: c[0] - c[1]):
            if all(end <= s or start >= e for s, e, _ in kept):
                kept.append((start, end, entity))
        return tuple(dict.fromkeys(entity for _, _, entity in sorted(kept)))


def root_documents(corpus: Corpus) -> list[str]:
    """Documents with a text file of their own (not embedded in another)."""
    return [doc_id for doc_id in corpus.text_files if corpus.documents[doc_id].part_of is None]


def covered_spans(corpus: Corpus, document_id: str) -> list[tuple[int, int]]:
    """Quote spans in *document_id*'s text, including those in documents embedded in it."""
    offsets = {document_id: 0}
    for doc_id, (start, _) in corpus.positions.items():
        if corpus.documents[doc_id].part_of == document_id:
            offsets[doc_id] = start
    spans = []
    for assertion_id, match in corpus.matches.items():
        stated_in = corpus.assertions[assertion_id].stated_in
        if stated_in in offsets:
            shift = offsets[stated_in]
            spans.append((match.start + shift, match.end + shift))
    return spans


def uncovered(corpus: Corpus, document_id: str) -> list[Sentence]:
    """Sentences of *document_id* that name an entity but no assertion or exemption covers."""
    text = corpus.texts[document_id]
    names = Names.of(corpus)
    spans = covered_spans(corpus, document_id)
    exempt = [
        (start, start + len(e.text))
        for e in corpus.seeds.exemptions
        if e.document == document_id
        for start in _occurrences(text, e.text)
    ]
    missing = []
    for start, end in sentences(text):
        sentence = text[start:end]
        named = names.mentions(sentence)
        if not named:
            continue
        if any(s < end and start < e for s, e in spans + exempt):
            continue
        missing.append(Sentence(document_id, start, end, sentence, named))
    return missing


def _occurrences(text: str, needle: str) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(needle), text)]
