"""The coverage check's rules on small texts and on the good fixture, with hand-written answers.

In-process and fast (no seed corpus), so mutation testing can run it per mutant.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from loader import coverage
from loader import pipeline
from loader.validate import Corpus
from tests.inprocess import fixture_settings


def _split(text: str) -> list[str]:
    return [text[start:end] for start, end in coverage.sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One. Two! Three? four.", ["One.", "Two!", "Three? four."]),
        ("Line one\nLine two", ["Line one", "Line two"]),
        ("  padded.  \n\n  next  ", ["padded.", "next"]),
        ("Dr. Who met Mr. Smith. Then left.", ["Dr. Who met Mr. Smith.", "Then left."]),
        ('He said "no." Then he left.', ['He said "no."', "Then he left."]),
        ("The U.S. Army came. It won.", ["The U.S. Army came.", "It won."]),
        ("In 2014. 2015 came.", ["In 2014.", "2015 came."]),
        ("No end", ["No end"]),
        ("", []),
    ],
)
def test_sentences_split_at_lines_and_sentence_ends(text: str, expected: list[str]) -> None:
    assert _split(text) == expected


def test_sentence_offsets_are_code_points_across_lines() -> None:
    text = "🔻 First.\nSecond one."
    assert list(coverage.sentences(text)) == [(0, 8), (9, 20)]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return pipeline.prepare(fixture_settings(tmp_path_factory.mktemp("coverage"))).corpus


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the Harbour Guild met the Town Council", ("harbour-guild", "town-council")),
        ("THE HARBOUR GUILD", ("harbour-guild",)),
        ("a council of elders", ()),  # 'Council' is capitalised: the common word is not it
        ("the Council said", ("town-council",)),
        ("Port Townsend", ()),  # a name must end at a word boundary
        ("Bob Example and Bob Example", ("bob-example",)),
        ("Carol Example met Alice Example", ("carol-example", "alice-example")),
    ],
)
def test_mentions_find_catalogued_names(
    corpus: Corpus, text: str, expected: tuple[str, ...]
) -> None:
    assert coverage.Names.of(corpus).mentions(text) == expected


def test_of_two_overlapping_names_the_longer_wins(corpus: Corpus) -> None:
    names = coverage.Names.of(corpus)
    assert names.mentions("Port Town Council") == ("town-council",)
    assert names.mentions("Port Town, Council") == ("port-town", "town-council")


def test_root_documents_leave_out_embedded_ones(corpus: Corpus) -> None:
    assert coverage.root_documents(corpus) == ["fixture-page"]


def test_covered_spans_shift_the_letters_quotes_into_the_page(corpus: Corpus) -> None:
    text = corpus.texts["fixture-page"]
    quotes = {text[start:end] for start, end in coverage.covered_spans(corpus, "fixture-page")}
    assert quotes == {
        "The Harbour Guild was created by the Town Council in 1901",
        "that the Town Council armed the Harbour Guild",
        "We never armed anyone",
        "the Harbour Guild liberated Port Town",  # stated in the letter, found in the page
        "the Guild met the Council",
    }
    assert coverage.covered_spans(corpus, "fixture-letter") == [
        (
            corpus.matches["carol-guild-liberated-port-town"].start,
            corpus.matches["carol-guild-liberated-port-town"].end,
        )
    ]


def test_uncovered_sentences_of_the_fixture_by_hand(corpus: Corpus) -> None:
    missing = coverage.uncovered(corpus, "fixture-page")
    text = corpus.texts["fixture-page"]
    assert [(s.text, s.entities) for s in missing] == [
        ("By Alice Example", ("alice-example",)),
        ("Signed, Carol Example.", ("carol-example",)),
        ("The same words twice: the Guild met the Council.", ("harbour-guild", "town-council")),
    ]
    for sentence in missing:
        assert text[sentence.start : sentence.end] == sentence.text
        assert sentence.document == "fixture-page"


def test_an_exemption_covers_its_sentence(tmp_path: Path) -> None:
    settings = fixture_settings(tmp_path)
    page = settings.seeds_dir / "documents" / "page.yaml"
    page.write_text(
        page.read_text(encoding="utf-8")
        + "no_checkable_claim:\n  - text: By Alice Example\n    why: byline\n",
        encoding="utf-8",
    )
    corpus = pipeline.prepare(settings).corpus
    assert [s.text for s in coverage.uncovered(corpus, "fixture-page")] == [
        "Signed, Carol Example.",
        "The same words twice: the Guild met the Council.",
    ]


def test_sentences_and_names_cannot_be_changed_after_they_are_made(corpus: Corpus) -> None:
    sentence = coverage.Sentence("d", 0, 1, "x", ())
    with pytest.raises(dataclasses.FrozenInstanceError):
        sentence.start = 1  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        coverage.Names.of(corpus).owner = {}  # type: ignore[misc]
