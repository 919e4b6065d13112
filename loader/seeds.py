"""Read seed YAML files into frozen dataclasses that remember file and line.

Layout of the seeds directory::

    texts/*.txt          source texts, exactly as given
    entities/*.yaml      the entity catalogue  (key: entities)
    documents/*.yaml     per source text: its documents, assertions, and the
                         sentences that make no checkable claim
                         (keys: documents, assertions, no_checkable_claim)
    wikidata/cache.json  Wikidata's labels and statements (attest wikidata refresh)

This module only reads and shapes; :mod:`loader.validate` checks meaning.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from loader.errors import Problem

# "unnamed": what the text says of a voice it does not name (marks it as unnamed).
ENTITY_KEYS = {"id", "type", "label", "aliases", "wikidata", "note", "unnamed"}
DOCUMENT_KEYS = {
    "id",
    "kind",
    "title",
    "text",
    "part_of",
    "span",
    "author",
    "author_note",
    "publisher",
    "publisher_note",
    "issued",
    "issued_note",
    "source_url",
    "language",
    "note",
    *("translated_from", "translator", "translation_note"),
}
SPAN_KEYS = {"start", "end"}
ASSERTION_KEYS = {
    "id",
    "claim",
    "speaker",
    "stated_in",
    "via",
    "quote",
    "prefix",
    "stance",
    "certainty",
    "hedge",
    "when",
    "addressee",
    "original_document",
    "disputes",
    "corroborates",
    "note",
    *("hedged_by", "language", "translated_from", "translator", "translation_note"),
}
STEP_KEYS = {"by", "in"}
EXEMPTION_KEYS = {"text", "why"}
TRIPLE_KEYS = {"subject", "relation", "object"}
LITERAL_KEYS = {"text", "date", "number"}


@dataclasses.dataclass(frozen=True)
class Where:
    """A place in a seed file: path relative to the seeds directory, 1-based line."""

    file: str
    line: int

    def problem(self, message: str, hint: str = "") -> Problem:
        return Problem(self.file, self.line, message, hint)


@dataclasses.dataclass(frozen=True)
class Entity:
    id: str
    type: str
    label: str
    aliases: tuple[str, ...]
    wikidata: str | None
    note: str | None
    where: Where
    unnamed: str | None = None


@dataclasses.dataclass(frozen=True)
class Translation:
    """How the words reached their language: from which language, by whom, or a note why unknown."""

    source_language: str | None
    translator: str | None
    note: str | None


@dataclasses.dataclass(frozen=True)
class Span:
    """Where an embedded document lies in its container: first and last words."""

    start: str
    end: str
    where: Where


@dataclasses.dataclass(frozen=True)
class Document:
    id: str
    kind: str
    title: str
    text_file: str | None
    part_of: str | None
    span: Span | None
    author: str | None
    author_note: str | None
    publisher: str | None
    publisher_note: str | None
    issued: str | None
    issued_note: str | None
    source_url: str | None
    language: str
    note: str | None
    where: Where
    translation: Translation | None = None


@dataclasses.dataclass(frozen=True)
class Literal:
    """A literal claim object: kind is 'text', 'date' or 'number'."""

    kind: str
    value: str


@dataclasses.dataclass(frozen=True)
class ClaimTriple:
    subject: str
    relation: str
    object: str | Literal
    where: Where


@dataclasses.dataclass(frozen=True)
class Step:
    reporter: str
    document: str | None
    where: Where


@dataclasses.dataclass(frozen=True)
class Assertion:
    id: str
    claims: tuple[ClaimTriple, ...]
    speaker: str
    stated_in: str
    via: tuple[Step, ...]
    quote: str
    prefix: str | None
    stance: str
    certainty: str
    hedge: str | None
    when: str | None
    addressee: str | None
    original_document: str | None
    disputes: tuple[str, ...]
    corroborates: tuple[str, ...]
    note: str | None
    where: Where
    hedged_by: str | None = None
    language: str | None = None
    translation: Translation | None = None


@dataclasses.dataclass(frozen=True)
class Exemption:
    """A sentence of a source text that makes no checkable claim, and why."""

    document: str
    text: str
    why: str
    where: Where


@dataclasses.dataclass
class Seeds:
    """Everything read from a seeds directory, plus the problems met reading it."""

    root: Path
    entities: list[Entity] = dataclasses.field(default_factory=list)
    documents: list[Document] = dataclasses.field(default_factory=list)
    assertions: list[Assertion] = dataclasses.field(default_factory=list)
    exemptions: list[Exemption] = dataclasses.field(default_factory=list)
    files: list[Path] = dataclasses.field(default_factory=list)
    problems: list[Problem] = dataclasses.field(default_factory=list)


# --------------------------------------------------------------------------
# YAML with line numbers
# --------------------------------------------------------------------------


class _Map(dict[str, Any]):
    line: int = 0
    key_lines: dict[str, int]


class _List(list[Any]):
    line: int = 0
    item_lines: list[int]


# libyaml's C parser where PyYAML was built with it (about 10× faster); the
# constructors below stay in Python and read line numbers off its marks.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """SafeLoader that keeps line numbers and leaves dates as strings."""


# Dates stay strings: the validator parses them with the precision given.
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_map(loader: _LineLoader, node: yaml.MappingNode) -> _Map:
    result = _Map()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        result[str(key)] = loader.construct_object(value_node, deep=True)
        result.key_lines[str(key)] = key_node.start_mark.line + 1
    return result


def _construct_list(loader: _LineLoader, node: yaml.SequenceNode) -> _List:
    result = _List(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_list)


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------


def read_seeds(root: Path) -> Seeds:
    """Read every seed file under *root*.

    :returns: the parsed seeds; problems found while reading are in ``.problems``
        (nothing is raised for bad content).
    :raises FileNotFoundError: if *root* is not a directory.
    """
    if not root.is_dir():
        raise FileNotFoundError(f"seeds directory not found: {root}")
    seeds = Seeds(root=root)
    for path in sorted((root / "entities").glob("*.yaml")):
        data = _read_yaml(seeds, path)
        if data is not None:
            _read_entities(seeds, path, data)
    for path in sorted((root / "documents").glob("*.yaml")):
        data = _read_yaml(seeds, path)
        if data is not None:
            _read_document_file(seeds, path, data)
    if not seeds.files:
        seeds.problems.append(
            Problem(
                str(root),
                0,
                "no seed files found",
                "put the entity catalogue in entities/*.yaml and documents in documents/*.yaml",
            )
        )
    return seeds


def _rel(seeds: Seeds, path: Path) -> str:
    try:
        return path.relative_to(seeds.root).as_posix()
    except ValueError:
        return path.as_posix()


def _read_yaml(seeds: Seeds, path: Path) -> _Map | None:
    seeds.files.append(path)
    name = _rel(seeds, path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506
    except UnicodeDecodeError as exc:
        seeds.problems.append(Problem(name, 0, f"not UTF-8: {exc}", "save the file as UTF-8"))
        return None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        seeds.problems.append(
            Problem(name, line, f"YAML syntax error: {exc.problem}", "fix the YAML syntax")
        )
        return None
    if data is None:
        return _Map()
    if not isinstance(data, _Map):
        seeds.problems.append(
            Problem(name, 1, "the file must be a mapping", "start with 'entities:' or 'documents:'")
        )
        return None
    return data


def _items(seeds: Seeds, name: str, data: _Map, key: str) -> Iterator[tuple[_Map, Where]]:
    value = data.get(key)
    if value is None:
        return
    where = Where(name, data.key_lines.get(key, data.line))
    if not isinstance(value, _List):
        seeds.problems.append(
            where.problem(f"'{key}' must be a list", f"write '{key}:' then '- ' items")
        )
        return
    for item, line in zip(value, value.item_lines, strict=True):
        item_where = Where(name, line)
        if isinstance(item, _Map):
            yield item, item_where
        else:
            seeds.problems.append(item_where.problem(f"each item of '{key}' must be a mapping"))


def _check_keys(seeds: Seeds, item: _Map, allowed: set[str], where: Where, what: str) -> None:
    for key in item:
        if key not in allowed:
            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            hint = (
                f"did you mean '{close[0]}'?"
                if close
                else f"allowed keys: {', '.join(sorted(allowed))}"
            )
            line = item.key_lines.get(key, where.line)
            seeds.problems.append(Problem(where.file, line, f"unknown key '{key}' in {what}", hint))


def _text(
    seeds: Seeds, item: _Map, key: str, where: Where, *, required: bool = False
) -> str | None:
    value = item.get(key)
    line = item.key_lines.get(key, where.line)
    if value is None:
        if required:
            seeds.problems.append(
                Problem(where.file, where.line, f"'{key}' is missing", f"add '{key}:'")
            )
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        seeds.problems.append(Problem(where.file, line, f"'{key}' must be text"))
        return None
    text = str(value)
    if required and not text.strip():
        seeds.problems.append(
            Problem(where.file, line, f"'{key}' is empty", f"give '{key}' a value")
        )
        return None
    return text


def _text_list(seeds: Seeds, item: _Map, key: str, where: Where) -> tuple[str, ...]:
    value = item.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    line = item.key_lines.get(key, where.line)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        seeds.problems.append(Problem(where.file, line, f"'{key}' must be a list of text"))
        return ()
    return tuple(value)


def _read_entities(seeds: Seeds, path: Path, data: _Map) -> None:
    name = _rel(seeds, path)
    _check_keys(seeds, data, {"entities"}, Where(name, 1), "an entity file")
    for item, where in _items(seeds, name, data, "entities"):
        _check_keys(seeds, item, ENTITY_KEYS, where, "an entity")
        entity_id = _text(seeds, item, "id", where, required=True)
        kind = _text(seeds, item, "type", where, required=True)
        label = _text(seeds, item, "label", where, required=True)
        if entity_id is None or kind is None or label is None:
            continue
        wikidata = _text(seeds, item, "wikidata", where)
        seeds.entities.append(
            Entity(
                id=entity_id,
                type=kind,
                label=label,
                aliases=_text_list(seeds, item, "aliases", where),
                wikidata=wikidata,
                note=_text(seeds, item, "note", where),
                where=Where(name, item.key_lines.get("id", where.line)),
                unnamed=_text(seeds, item, "unnamed", where),
            )
        )


def _read_document_file(seeds: Seeds, path: Path, data: _Map) -> None:
    name = _rel(seeds, path)
    _check_keys(
        seeds,
        data,
        {"documents", "assertions", "no_checkable_claim"},
        Where(name, 1),
        "a document file",
    )
    first_document: str | None = None
    for item, where in _items(seeds, name, data, "documents"):
        document = _read_document(seeds, item, where)
        if document is not None:
            seeds.documents.append(document)
            first_document = first_document or document.id
    for item, where in _items(seeds, name, data, "assertions"):
        assertion = _read_assertion(seeds, item, where, first_document)
        if assertion is not None:
            seeds.assertions.append(assertion)
    for item, where in _items(seeds, name, data, "no_checkable_claim"):
        _check_keys(seeds, item, EXEMPTION_KEYS, where, "a no_checkable_claim entry")
        text = _text(seeds, item, "text", where, required=True)
        why = _text(seeds, item, "why", where, required=True)
        if text is not None and why is not None and first_document is not None:
            seeds.exemptions.append(Exemption(first_document, text, why, where))


def _read_document(seeds: Seeds, item: _Map, where: Where) -> Document | None:
    _check_keys(seeds, item, DOCUMENT_KEYS, where, "a document")
    document_id = _text(seeds, item, "id", where, required=True)
    kind = _text(seeds, item, "kind", where, required=True)
    title = _text(seeds, item, "title", where, required=True)
    if document_id is None or kind is None or title is None:
        return None
    span = None
    raw_span = item.get("span")
    if raw_span is not None:
        span_where = Where(where.file, item.key_lines.get("span", where.line))
        if isinstance(raw_span, _Map):
            _check_keys(seeds, raw_span, SPAN_KEYS, span_where, "a span")
            start = _text(seeds, raw_span, "start", span_where, required=True)
            end = _text(seeds, raw_span, "end", span_where, required=True)
            if start is not None and end is not None:
                span = Span(start, end, span_where)
        else:
            seeds.problems.append(
                span_where.problem("'span' must be a mapping", "write span: {start: '…', end: '…'}")
            )
    return Document(
        id=document_id,
        kind=kind,
        title=title,
        text_file=_text(seeds, item, "text", where),
        part_of=_text(seeds, item, "part_of", where),
        span=span,
        author=_text(seeds, item, "author", where),
        author_note=_text(seeds, item, "author_note", where),
        publisher=_text(seeds, item, "publisher", where),
        publisher_note=_text(seeds, item, "publisher_note", where),
        issued=_text(seeds, item, "issued", where),
        issued_note=_text(seeds, item, "issued_note", where),
        source_url=_text(seeds, item, "source_url", where),
        language=_text(seeds, item, "language", where) or "en",
        note=_text(seeds, item, "note", where),
        where=Where(where.file, item.key_lines.get("id", where.line)),
        translation=_read_translation(seeds, item, where),
    )


def _read_translation(seeds: Seeds, item: _Map, where: Where) -> Translation | None:
    """Read the optional translated_from / translator / translation_note fields."""
    fields = [_text(seeds, item, key, where) for key in _TRANSLATION_KEYS]
    return Translation(*fields) if any(field is not None for field in fields) else None


_TRANSLATION_KEYS = ("translated_from", "translator", "translation_note")


def _read_assertion(
    seeds: Seeds, item: _Map, where: Where, default_document: str | None
) -> Assertion | None:
    _check_keys(seeds, item, ASSERTION_KEYS, where, "an assertion")
    assertion_id = _text(seeds, item, "id", where, required=True)
    speaker = _text(seeds, item, "speaker", where, required=True)
    quote = _text(seeds, item, "quote", where, required=True)
    stated_in = _text(seeds, item, "stated_in", where) or default_document
    claims = _read_claims(seeds, item, where)
    if assertion_id is None or speaker is None or quote is None:
        return None
    if stated_in is None:
        seeds.problems.append(
            where.problem(
                "no document to find the quote in", "add 'stated_in:' or a 'documents:' list"
            )
        )
        return None
    return Assertion(
        id=assertion_id,
        claims=claims,
        speaker=speaker,
        stated_in=stated_in,
        via=_read_steps(seeds, item, where),
        quote=quote,
        prefix=_text(seeds, item, "prefix", where),
        stance=_text(seeds, item, "stance", where) or "affirms",
        certainty=_text(seeds, item, "certainty", where) or "stated",
        hedge=_text(seeds, item, "hedge", where),
        when=_text(seeds, item, "when", where),
        addressee=_text(seeds, item, "addressee", where),
        original_document=_text(seeds, item, "original_document", where),
        disputes=_text_list(seeds, item, "disputes", where),
        corroborates=_text_list(seeds, item, "corroborates", where),
        note=_text(seeds, item, "note", where),
        where=Where(where.file, item.key_lines.get("id", where.line)),
        hedged_by=_text(seeds, item, "hedged_by", where),
        language=_text(seeds, item, "language", where),
        translation=_read_translation(seeds, item, where),
    )


def _read_claims(seeds: Seeds, item: _Map, where: Where) -> tuple[ClaimTriple, ...]:
    raw = item.get("claim")
    line = item.key_lines.get("claim", where.line)
    hint = "write claim: [[subject, relation, object]] (a list of triples)"
    if raw is None:
        seeds.problems.append(where.problem("'claim' is missing", hint))
        return ()
    if not isinstance(raw, _List) or not raw:
        seeds.problems.append(
            Problem(where.file, line, "'claim' must be a non-empty list of triples", hint)
        )
        return ()
    # A single triple written flat, claim: [s, p, o], is accepted too.
    if len(raw) == 3 and all(isinstance(part, str) for part in raw):
        single = _List([raw])
        single.item_lines = [raw.line]
        raw = single
    triples = []
    for value, value_line in zip(raw, raw.item_lines, strict=True):
        triple_where = Where(where.file, value_line)
        if isinstance(value, _Map):
            _check_keys(seeds, value, TRIPLE_KEYS, triple_where, "a claim triple")
            parts = [value.get("subject"), value.get("relation"), value.get("object")]
        elif isinstance(value, list) and len(value) == 3:
            parts = list(value)
        else:
            seeds.problems.append(triple_where.problem("a claim triple must have 3 parts", hint))
            continue
        subject, relation, obj = parts
        if not isinstance(subject, str) or not isinstance(relation, str):
            seeds.problems.append(
                triple_where.problem(
                    "subject and relation must be ids", "e.g. [qassem-soleimani, commanded, …]"
                )
            )
            continue
        literal = _read_object(seeds, obj, triple_where)
        if literal is not None:
            triples.append(ClaimTriple(subject, relation, literal, triple_where))
    return tuple(triples)


def _read_object(seeds: Seeds, obj: Any, where: Where) -> str | Literal | None:
    if isinstance(obj, str):
        return obj
    if isinstance(obj, bool):
        seeds.problems.append(where.problem("a claim object cannot be true/false"))
        return None
    if isinstance(obj, int | float):
        return Literal("number", str(obj))
    if isinstance(obj, _Map) and len(obj) == 1 and next(iter(obj)) in LITERAL_KEYS:
        kind, value = next(iter(obj.items()))
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return Literal(kind, str(value))
    seeds.problems.append(
        where.problem(
            "a claim object must be an entity id or one of {text: …}, {date: …}, {number: …}",
            "write the object as an entity id, or e.g. {text: 'tens of thousands'}",
        )
    )
    return None


def _read_steps(seeds: Seeds, item: _Map, where: Where) -> tuple[Step, ...]:
    raw = item.get("via")
    if raw is None:
        return ()
    line = item.key_lines.get("via", where.line)
    if not isinstance(raw, _List):
        seeds.problems.append(
            Problem(
                where.file,
                line,
                "'via' must be a list",
                "write via: [{by: agent-id, in: document-id}]",
            )
        )
        return ()
    steps = []
    for value, value_line in zip(raw, raw.item_lines, strict=True):
        step_where = Where(where.file, value_line)
        if isinstance(value, str):
            steps.append(Step(value, None, step_where))
        elif isinstance(value, _Map):
            _check_keys(seeds, value, STEP_KEYS, step_where, "a reporting step")
            reporter = _text(seeds, value, "by", step_where, required=True)
            if reporter is not None:
                steps.append(Step(reporter, _text(seeds, value, "in", step_where), step_where))
        else:
            seeds.problems.append(
                step_where.problem("a reporting step is an agent id or {by: …, in: …}")
            )
    return tuple(steps)
