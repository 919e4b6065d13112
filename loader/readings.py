"""How an assertion reads its words: whose hedge, which language, unnamed voices.

:func:`check_readings` checks the optional fields that say so (``hedged_by``,
``translated_from``, ``translator``, an entity's ``unnamed``) and warns about
readings a curator should look at again; :func:`hedge_of` and
:func:`translation_of` resolve them for :mod:`loader.build`.

Warnings are mechanical hints, never verdicts: each names the file and line
and what to check. They do not stop a load; ``attest validate --strict``
makes them fail.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from collections.abc import Mapping

from loader import quotes
from loader.errors import WARNING
from loader.errors import Problem
from loader.seeds import Assertion
from loader.seeds import Document
from loader.seeds import Entity
from loader.seeds import Translation
from loader.seeds import Where
from loader.vocab import AT

SPEAKER = "speaker"
REPORTER = "reporter"
NO_TRANSLATOR = "translation, translator not named"
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
# Words that lower the certainty of what follows them; a quote containing one
# while the assertion is 'stated' is worth a second look.
HEDGE_WORDS = re.compile(
    r"\b(reportedly|apparently|supposedly|allegedly|purportedly|claims?|claimed|"
    r"it was believed|are believed|is believed|most likely|may have|might have)\b",
    re.IGNORECASE,
)
# A speaker's name inside the quote is fine when the quote carries its own
# attribution: "according to <name>", or "<name> … said/wrote/thanked …".
REPORTING_VERB = re.compile(
    r"^[^.;:]{0,30}?\b(said|says|wrote|writes|told|tweeted|argued|announced|declared|"
    r"laid out|thanked|claimed|claims|stated|noted|warned|praised|lauded)\b"
)
# Short aliases (ISIS, US) are too common to tell a speaker from a topic.
MIN_NAME = 5


@dataclasses.dataclass(frozen=True)
class Hedge:
    """Whose hedge it is: the agent, its role, and the reporting step (1-based) if a reporter's."""

    agent: str
    role: str
    step: int | None


@dataclasses.dataclass(frozen=True)
class ResolvedTranslation:
    """The languages of an assertion's words and, when they differ, who translated them."""

    quote_language: str
    source_language: str | None
    translator: str | None
    note: str | None


def hedge_of(assertion: Assertion, certainty: str) -> Hedge | None:
    """Return whose hedge lowers *assertion*, or None if it is stated or nobody is said.

    Without ``hedged_by`` and without a reporting chain the hedge is the speaker's.
    """
    if certainty != "hedged":
        return None
    agent = assertion.hedged_by
    if agent is None:
        return Hedge(assertion.speaker, SPEAKER, None) if not assertion.via else None
    if agent == assertion.speaker:
        return Hedge(agent, SPEAKER, None)
    for index, step in enumerate(assertion.via, start=1):
        if step.reporter == agent:
            return Hedge(agent, REPORTER, index)
    return None


def translation_of(assertion: Assertion, documents: Mapping[str, Document]) -> ResolvedTranslation:
    """Resolve the languages of *assertion*: its own fields, else its document's.

    A translation declared on the document the quote is stated in applies in
    full; one declared on the ``original_document`` gives only the source
    language (another rendering of the same words may have another translator).
    """
    stated_in = documents.get(assertion.stated_in)
    quote_language = assertion.language or (stated_in.language if stated_in else "en")
    own = assertion.translation
    inherited = stated_in.translation if stated_in else None
    if own is None and inherited is None and assertion.original_document:
        original = documents.get(assertion.original_document)
        if original is not None and original.translation is not None:
            inherited = Translation(original.translation.source_language, None, None)
    chosen = own or inherited
    if chosen is None or chosen.source_language is None:
        return ResolvedTranslation(quote_language, None, None, None)
    note = chosen.note
    if chosen.translator is None and note is None:
        note = NO_TRANSLATOR
    return ResolvedTranslation(quote_language, chosen.source_language, chosen.translator, note)


def check_readings(
    assertions: Mapping[str, Assertion],
    entities: Mapping[str, Entity],
    entity_types: Mapping[str, frozenset[str]],
    documents: Mapping[str, Document],
    texts: Mapping[str, str],
    matches: Mapping[str, quotes.QuoteMatch],
    certainty: Mapping[str, str],
) -> list[Problem]:
    """Check the reading fields and warn about readings to look at again.

    :returns: errors (a ``hedged_by`` who is neither speaker nor reporter, a
        translator who is not an agent, a malformed language tag) and warnings.
    """
    problems: list[Problem] = []
    agent = str(AT.Agent)
    for entity in entities.values():
        if entity.unnamed is not None and agent not in entity_types.get(entity.id, frozenset()):
            problems.append(
                entity.where.problem(
                    f"'{entity.id}' is marked unnamed but is a {entity.type}, not a voice",
                    "mark only agents (Person, Organization, Group, Country) as unnamed",
                )
            )
    for document in documents.values():
        problems.extend(_translation_problems(document.translation, document.where, entity_types))
    for assertion in assertions.values():
        problems.extend(_assertion_problems(assertion, entity_types, certainty))
        problems.extend(_translation_problems(assertion.translation, assertion.where, entity_types))
        if assertion.language is not None and not LANGUAGE.match(assertion.language):
            problems.append(_bad_language(assertion.where, assertion.language))
        problems.extend(_chain_warnings(assertion, documents))
        match = matches.get(assertion.id)
        text = texts.get(assertion.stated_in)
        if match is not None and text is not None:
            problems.extend(_quote_warnings(assertion, entities, text, match, certainty))
    return problems


def _bad_language(where: Where, tag: str) -> Problem:
    return where.problem(
        f"'{tag}' is not a language tag", "write a BCP 47 tag such as en, fa or ar"
    )


def _translation_problems(
    translation: Translation | None, where: Where, entity_types: Mapping[str, frozenset[str]]
) -> Iterator[Problem]:
    if translation is None:
        return
    if translation.source_language is None:
        yield where.problem(
            "a translator or translation note without 'translated_from'",
            "say from which language the words were translated, e.g. translated_from: fa",
        )
    elif not LANGUAGE.match(translation.source_language):
        yield _bad_language(where, translation.source_language)
    if translation.translator is not None and str(AT.Agent) not in entity_types.get(
        translation.translator, frozenset()
    ):
        yield where.problem(
            f"translator '{translation.translator}' is not an agent of the catalogue",
            "name a Person or Organization of entities/*.yaml, or give a translation_note instead",
        )


def _assertion_problems(
    assertion: Assertion,
    entity_types: Mapping[str, frozenset[str]],
    certainty: Mapping[str, str],
) -> Iterator[Problem]:
    where = assertion.where
    hedged = certainty.get(assertion.id) == "hedged"
    if assertion.hedged_by is not None:
        voices = [assertion.speaker, *(step.reporter for step in assertion.via)]
        if not hedged:
            yield where.problem(
                f"'{assertion.id}' names whose hedge it is (hedged_by) but has no hedge",
                "add hedge: with the hedging words, or drop hedged_by",
            )
        elif assertion.hedged_by not in voices:
            yield where.problem(
                f"hedged_by '{assertion.hedged_by}' of '{assertion.id}' is neither its speaker "
                "nor a reporter in its 'via'",
                f"use one of: {', '.join(voices)}",
            )
    elif hedged and assertion.via:
        yield Problem(
            where.file,
            where.line,
            f"'{assertion.id}' is hedged ('{assertion.hedge}') and reported through others, "
            "but does not say whose hedge it is",
            "add hedged_by: the speaker, or the reporter whose word the hedge is",
            WARNING,
        )


def _chain_warnings(assertion: Assertion, documents: Mapping[str, Document]) -> Iterator[Problem]:
    """Warn when someone other than the document's own voice speaks with no reporting chain."""
    document = documents.get(assertion.stated_in)
    if document is None or assertion.via:
        return
    voice = document.author or document.publisher
    if voice is not None and assertion.speaker != voice:
        yield Problem(
            assertion.where.file,
            assertion.where.line,
            f"the speaker of '{assertion.id}' is not the voice of '{document.id}' ({voice}), "
            "yet no one reports the words (no via)",
            f"add via: [{{by: {voice}, in: {document.id}}}], or make the speaker the one who "
            "says these words",
            WARNING,
        )


def _quote_warnings(
    assertion: Assertion,
    entities: Mapping[str, Entity],
    text: str,
    match: quotes.QuoteMatch,
    certainty: Mapping[str, str],
) -> Iterator[Problem]:
    where = assertion.where
    speaker = entities.get(assertion.speaker)
    if speaker is not None:
        names = [n for n in (speaker.label, *speaker.aliases) if len(n) >= MIN_NAME]
        paragraph_start = text.rfind("\n", 0, match.start) + 1
        before = text[paragraph_start : match.start]
        named_inside = [n for n in names if n in match.exact]
        attributed = any(_attributes(match.exact, name) for name in named_inside)
        if named_inside and not attributed and not any(n in before for n in names):
            yield Problem(
                where.file,
                where.line,
                f"the speaker of '{assertion.id}' ({speaker.label}) is named inside the quote "
                f"('{named_inside[0]}') and not before it: is the speaker the one who says these "
                "words, or the one they are about?",
                "the speaker is who speaks the words; a person named inside them is usually not",
                WARNING,
            )
    found = HEDGE_WORDS.search(match.exact)
    own_verb = speaker is not None and any(
        _attributes(match.exact[: found.end()], name)
        for name in (speaker.label, *speaker.aliases)
        if found and name in match.exact[: found.start()]
    )
    if (
        found
        and not own_verb
        and certainty.get(assertion.id) == "stated"
        and assertion.stance == "affirms"
    ):
        yield Problem(
            where.file,
            where.line,
            f"the quote of '{assertion.id}' contains '{found.group(0)}' but the assertion is "
            "stated",
            "if the words hedge the claim, add hedge: and hedged_by:; otherwise say why in note:",
            WARNING,
        )


def _attributes(quote: str, name: str) -> bool:
    """Tell whether *quote* attributes words to *name* ("according to X", "X said")."""
    at = quote.find(name)
    while at != -1:
        if quote[max(0, at - 13) : at].lower().endswith("according to "):
            return True
        if REPORTING_VERB.match(quote[at + len(name) :]):
            return True
        at = quote.find(name, at + 1)
    return False
