"""Warnings: readings a curator should check, printed with file and line.

``attest validate`` exits 0 on warnings alone and 1 with ``--strict``; an
error still exits 1. Each case edits the tiny fixture seed set and runs the
real CLI as a subprocess.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from loader import pipeline
from loader.errors import ValidationError
from loader.settings import Settings
from tests.conftest import run_attest

PAGE = "documents/page.yaml"
ENTITIES = "entities/fixture.yaml"
UNSAID = (
    "documents/page.yaml:24: warning: 'bob-council-armed-guild' is hedged ('reportedly') and "
    "reported through others, but does not say whose hedge it is"
)


def _edit(seeds: Path, name: str, old: str, new: str) -> None:
    path = seeds / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_warning_alone_prints_file_and_line_and_exits_0(fixture_seeds: Path) -> None:
    _edit(fixture_seeds, PAGE, "    hedged_by: alice-example\n", "")
    result = run_attest("validate", str(fixture_seeds))
    assert result.returncode == 0, result.stderr
    assert UNSAID in result.stderr
    assert (
        "fix: add hedged_by: the speaker, or the reporter whose word the hedge is" in result.stderr
    )
    assert result.stdout.strip().endswith("every quote grounded; 1 warning")


def test_strict_makes_a_warning_fail(fixture_seeds: Path) -> None:
    _edit(fixture_seeds, PAGE, "    hedged_by: alice-example\n", "")
    result = run_attest("validate", "--strict", str(fixture_seeds))
    assert result.returncode == 1
    assert UNSAID in result.stderr
    assert "Error: 1 warning found in" in result.stderr and "(--strict)" in result.stderr
    assert "Traceback" not in result.stderr


def test_strict_passes_clean_seeds(fixture_seeds: Path) -> None:
    result = run_attest("validate", "--strict", str(fixture_seeds))
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr


def test_speaker_named_inside_the_quote_is_a_warning(fixture_seeds: Path) -> None:
    # The page's own sentence is about the Town Council; making the Council its speaker is the
    # kind of misreading of issue 12 (a person named inside the words is not their speaker).
    _edit(
        fixture_seeds,
        PAGE,
        "    speaker: alice-example\n    quote: The Harbour",
        "    speaker: town-council\n    quote: The Harbour",
    )
    result = run_attest("validate", str(fixture_seeds))
    assert result.returncode == 0, result.stderr
    assert (
        "documents/page.yaml:19: warning: the speaker of 'page-council-created-guild' (Town Council) "
        "is named inside the quote ('Town Council') and not before it"
    ) in result.stderr


def test_hedge_word_in_a_stated_quote_is_a_warning(fixture_seeds: Path) -> None:
    _edit(
        fixture_seeds,
        PAGE,
        "    quote: that the Town Council armed the Harbour Guild\n    hedge: reportedly\n"
        "    hedged_by: alice-example\n",
        "    quote: Bob Example reportedly said that the Town Council armed the Harbour Guild\n",
    )
    result = run_attest("validate", str(fixture_seeds))
    assert result.returncode == 0, result.stderr
    assert (
        "documents/page.yaml:24: warning: the quote of 'bob-council-armed-guild' contains "
        "'reportedly' but the assertion is stated"
    ) in result.stderr


def test_warnings_do_not_stop_a_load(settings: Settings, fixture_seeds: Path) -> None:
    _edit(fixture_seeds, PAGE, "    hedged_by: alice-example\n", "")
    report = pipeline.load(settings)
    assert report.assertions == 5
    assert [w.message for w in pipeline.prepare(settings).corpus.warnings] == [
        UNSAID.split(": ", 2)[2]
    ]


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        (
            PAGE,
            "    hedged_by: alice-example\n",
            "    hedged_by: carol-example\n",
            "hedged_by 'carol-example' of 'bob-council-armed-guild' is neither its speaker nor a "
            "reporter in its 'via'",
        ),
        (
            ENTITIES,
            "    label: Port Town\n",
            "    label: Port Town\n    unnamed: a town the page does not name\n",
            "'port-town' is marked unnamed but is a Place, not a voice",
        ),
        (
            PAGE,
            "    hedged_by: alice-example\n",
            "    hedged_by: alice-example\n    translated_from: English please\n",
            "'English please' is not a language tag",
        ),
    ],
)
def test_wrong_reading_fields_are_errors(
    settings: Settings, fixture_seeds: Path, name: str, old: str, new: str, message: str
) -> None:
    _edit(fixture_seeds, name, old, new)
    with pytest.raises(ValidationError) as caught:
        pipeline.prepare(settings)
    errors = [p for p in caught.value.problems if not p.is_warning]
    assert [p.message for p in errors] == [message]
    result = run_attest("validate", str(fixture_seeds))
    assert result.returncode == 1 and message in result.stderr


def test_a_speaker_without_a_chain_who_is_not_the_documents_voice_is_a_warning(
    fixture_seeds: Path,
) -> None:
    _edit(fixture_seeds, PAGE, "    via: [alice-example]\n", "")
    _edit(fixture_seeds, PAGE, "    hedged_by: alice-example\n", "")
    result = run_attest("validate", str(fixture_seeds))
    assert result.returncode == 0, result.stderr
    assert (
        "documents/page.yaml:24: warning: the speaker of 'bob-council-armed-guild' is not the voice "
        "of 'fixture-page' (alice-example), yet no one reports the words (no via)"
    ) in result.stderr
