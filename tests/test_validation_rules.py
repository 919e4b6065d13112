"""One bad case for each validation rule not already in tests/test_validate.py.

Each case breaks one thing in a copy of the good fixture and checks what a
curator reads: the rule's own message, its hint, and the file and line of the
entry at fault. In-process (``pipeline.validate``: every check a load runs).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from loader import pipeline
from loader.errors import ValidationError
from tests.inprocess import fixture_settings

PAGE = "documents/page.yaml"
ENTITIES = "entities/fixture.yaml"
AGENTS = "use a Person, Organization, Group or Country"

# (case, file, text to replace, replacement, message, hint, line); the line is the
# entry's "- id:" line or the line of the key at fault (see the fixture's numbering).
CASES = [
    (
        "invalid-id",
        PAGE,
        "id: page-council-created-guild",
        "id: Page_Council",
        "assertion id 'Page_Council' is not a valid id",
        "use lowercase letters, digits and single hyphens",
        19,
    ),
    (
        "unknown-entity-type",
        ENTITIES,
        "    type: Place\n    label: Port Town",
        "    type: Planet\n    label: Port Town",
        "unknown entity type 'Planet' for 'port-town'",
        "did you mean 'Place'?",
        20,
    ),
    (
        "speaker-not-an-agent",
        PAGE,
        "speaker: bob-example",
        "speaker: port-town",
        "'port-town' is a Place, but the speaker of 'bob-council-armed-guild' must be an Agent",
        AGENTS,
        24,
    ),
    (
        "reporter-not-an-agent",
        PAGE,
        "via: [alice-example]",
        "via: [port-town]",
        "'port-town' is a Place, but the reporter in 'via' must be an Agent",
        AGENTS,
        27,
    ),
    (
        "unknown-document-kind",
        PAGE,
        "kind: Letter",
        "kind: Telegram",
        "unknown document kind 'Telegram'",
        "use one of Article, WebPage, Letter",
        11,
    ),
    (
        "issued-date-does-not-parse",
        PAGE,
        'issued: "1902"',
        'issued: "19th century"',
        "issued date '19th century' does not parse",
        "write issued as YYYY-MM-DD, YYYY-MM or YYYY",
        11,
    ),
    (
        "own-text-and-a-span",
        PAGE,
        "    part_of: fixture-page\n",
        "    part_of: fixture-page\n    text: texts/page.txt\n",
        "document 'fixture-letter' has both its own text file and a span in a container",
        "a page has 'text:'",
        11,
    ),
    (
        "text-file-not-found",
        PAGE,
        "text: texts/page.txt",
        "text: texts/missing.txt",
        "text file 'texts/missing.txt' of 'fixture-page' not found",
        "give the path relative to the seeds directory",
        3,
    ),
    (
        "part-of-without-span",
        PAGE,
        '    span: {start: "Dear Council", end: "Signed, Carol Example."}\n',
        "",
        "document 'fixture-letter' needs both 'part_of' and 'span'",
        "name the containing document and the first and last words",
        11,
    ),
    (
        "unknown-container",
        PAGE,
        "part_of: fixture-page",
        "part_of: no-such-page",
        "unknown document 'no-such-page' (part_of)",
        "",
        11,
    ),
    (
        "span-not-found",
        PAGE,
        'span: {start: "Dear Council"',
        'span: {start: "Dear Counsel"',
        "span of 'fixture-letter' not found in 'fixture-page'; closest passage: \"Dear Council",
        "copy the first ('start') and last ('end') words exactly",
        15,
    ),
    (
        "span-start-ambiguous",
        PAGE,
        'span: {start: "Dear Council", end: "Signed, Carol Example."}',
        'span: {start: "the Guild met", end: "Council."}',
        "span start of 'fixture-letter' occurs 2 times in 'fixture-page'",
        "lengthen 'start' until it occurs once",
        15,
    ),
    (
        "disputes-itself",
        PAGE,
        "disputes: [bob-council-armed-guild]",
        "disputes: [council-denies-arming]",
        "'council-denies-arming' disputes itself",
        "",
        31,
    ),
    (
        "disputes-an-unknown-assertion",
        PAGE,
        "disputes: [bob-council-armed-guild]",
        "disputes: [bob-council-armed-gild]",
        "unknown assertion 'bob-council-armed-gild' in 'disputes'",
        "did you mean 'bob-council-armed-guild'?",
        31,
    ),
    (
        "corroborates-an-unknown-assertion",
        PAGE,
        '    prefix: "And again:"\n',
        '    prefix: "And again:"\n    corroborates: [nothing-here]\n',
        "unknown assertion 'nothing-here' in 'corroborates'",
        "use the id of an assertion in the seeds",
        48,
    ),
    (
        "exemption-not-in-the-text",
        PAGE,
        '    prefix: "And again:"\n',
        '    prefix: "And again:"\nno_checkable_claim:\n  - text: Not in the text at all\n    why: test\n',
        "no_checkable_claim text not found in 'fixture-page': \"Not in the text at all\"",
        "copy the sentence's opening words exactly",
        54,
    ),
    (
        "certainty-not-a-value",
        PAGE,
        "    hedge: reportedly\n",
        "    hedge: reportedly\n    certainty: maybe\n",
        "certainty 'maybe' of 'bob-council-armed-guild' is not one of stated, hedged",
        "write certainty: hedged",
        24,
    ),
    (
        "hedged-without-a-hedge",
        PAGE,
        "    hedge: reportedly\n",
        "    certainty: hedged\n",
        "'bob-council-armed-guild' is hedged but names no hedge",
        "add hedge: with the hedging words",
        24,
    ),
    (
        "unknown-stated-in",
        PAGE,
        "stated_in: fixture-letter",
        "stated_in: fixture-lettre",
        "unknown document 'fixture-lettre' (stated_in of 'carol-guild-liberated-port-town')",
        "did you mean 'fixture-letter'?",
        39,
    ),
    (
        "unknown-document-in-via",
        PAGE,
        "via: [{by: alice-example, in: fixture-page}]",
        "via: [{by: alice-example, in: nowhere-page}]",
        "unknown document 'nowhere-page' (document in 'via')",
        "declare it under 'documents:'",
        34,
    ),
    (
        "unknown-addressee",
        PAGE,
        "addressee: town-council",
        "addressee: town-counsel",
        "unknown entity 'town-counsel' (addressee of 'carol-guild-liberated-port-town')",
        "did you mean 'town-council'?",
        39,
    ),
    (
        "no-claim-triple",
        PAGE,
        "    claim: [[harbour-guild, met, town-council]]\n",
        "    claim: []\n",
        "assertion 'page-guild-met-council-again' has no claim triple",
        "write claim: [[subject, relation, object]]",
        48,
    ),
    (
        "literal-for-an-entity-relation",
        PAGE,
        "claim: [[harbour-guild, met, town-council]]",
        "claim: [[harbour-guild, met, {text: the council}]]",
        "'met' links to an entity, not a literal",
        "write an entity id as the object",
        49,
    ),
    (
        "claim-date-does-not-parse",
        PAGE,
        "claim: [[harbour-guild, met, town-council]]",
        "claim: [[harbour-guild, describedAs, {date: 1902-13-01}]]",
        "date '1902-13-01' does not parse",
        "write the date as YYYY-MM-DD, YYYY-MM or YYYY",
        49,
    ),
]


@pytest.mark.parametrize(
    ("case", "name", "old", "new", "message", "hint", "line"), CASES, ids=[c[0] for c in CASES]
)
def test_rule_reports_its_message_hint_file_and_line(
    tmp_path: Path,
    case: str,
    name: str,
    old: str,
    new: str,
    message: str,
    hint: str,
    line: int,
) -> None:
    settings = fixture_settings(tmp_path)
    path = settings.seeds_dir / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{case}: fixture text to replace must occur once: {old!r}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        pipeline.validate(settings)
    matching = [p for p in caught.value.problems if message in p.message]
    assert matching, f"expected {message!r} among:\n{caught.value}"
    [problem] = matching
    assert (problem.file, problem.line) == (name, line)
    assert hint in problem.hint
    assert f"{name}:{line}: " in str(caught.value)
