"""Each kind of bad input: the message a curator sees (file, line, fix) and an untouched store."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from loader import pipeline
from loader.errors import ValidationError
from loader.settings import Settings
from tests.conftest import run_attest

PAGE = "documents/page.yaml"
ENTITIES = "entities/fixture.yaml"

# (case id, file, text to replace, replacement, expected message part, expected hint part, line)
CASES = [
    (
        "unknown-entity",
        PAGE,
        "claim: [[town-council, created, harbour-guild]]",
        "claim: [[town-counsil, created, harbour-guild]]",
        "unknown entity 'town-counsil' (subject of 'created')",
        "did you mean 'town-council'?",
        20,
    ),
    (
        "unknown-relation",
        PAGE,
        "claim: [[town-council, armed, harbour-guild]]\n    speaker: bob-example",
        "claim: [[town-council, armd, harbour-guild]]\n    speaker: bob-example",
        "unknown relation 'armd'",
        "did you mean 'armed'?",
        25,
    ),
    (
        "quote-not-found",
        PAGE,
        "quote: that the Town Council armed the Harbour Guild",
        "quote: that the Town Council armed the Harbor Guild",
        "quote of 'bob-council-armed-guild' not found in 'fixture-page'; closest passage: "
        '"that the Town Council armed the Harbour Guild',
        "copy the quote exactly from the text",
        24,
    ),
    (
        "quote-ambiguous",
        PAGE,
        '    prefix: "And again:"\n',
        "",
        "quote of 'page-guild-met-council-again' occurs 2 times in 'fixture-page'",
        "add prefix: with the words just before the one you mean",
        48,
    ),
    (
        "stance-does-not-parse",
        PAGE,
        "stance: denies",
        "stance: refutes",
        "stance 'refutes' of 'council-denies-arming' is not one of affirms, denies",
        "write stance: affirms (or denies)",
        31,
    ),
    (
        "date-does-not-parse",
        PAGE,
        "when: 1902-03-02",
        "when: 1902-03-32",
        "date '1902-03-32' of 'council-denies-arming' does not parse",
        "YYYY-MM-DD, YYYY-MM or YYYY",
        31,
    ),
    (
        "duplicate-id",
        PAGE,
        "id: page-guild-met-council-again",
        "id: bob-council-armed-guild",
        "duplicate assertion id 'bob-council-armed-guild' (first at documents/page.yaml:24)",
        "ids are published IRIs",
        48,
    ),
    (
        "unknown-key",
        PAGE,
        "    hedge: reportedly",
        "    hedge: reportedly\n    speeker: bob-example",
        "unknown key 'speeker' in an assertion",
        "did you mean 'speaker'?",
        30,
    ),
    (
        "yaml-syntax",
        PAGE,
        "    quote: We never armed anyone",
        "    quote: [We never armed anyone",
        "YAML syntax error",
        "fix the YAML syntax",
        None,
    ),
    (
        "wrong-type-for-relation",
        PAGE,
        "[port-town, locatedIn, harbour-region]",
        "[port-town, locatedIn, town-council]",
        "'locatedIn' needs a Place as object, but 'town-council' is an Organization",
        "choose another relation",
        42,
    ),
    (
        "hedge-not-in-text",
        PAGE,
        "hedge: reportedly",
        "hedge: allegedly",
        "hedge 'allegedly' of 'bob-council-armed-guild' is not in the text near the quote",
        "copy the hedging words",
        24,
    ),
    (
        "unverified-wikidata-id",
        ENTITIES,
        "    label: Port Town\n",
        "    label: Port Town\n    wikidata: Q1530\n",
        "Wikidata id Q1530 of 'port-town' is not in wikidata/verified.tsv",
        "never guess one",
        20,
    ),
    (
        "malformed-wikidata-id",
        ENTITIES,
        "    label: Port Town\n",
        "    label: Port Town\n    wikidata: https://www.wikidata.org/wiki/Q1530\n",
        "'https://www.wikidata.org/wiki/Q1530' is not a Wikidata item id",
        "write the bare id",
        20,
    ),
]


def _edit(seeds: Path, name: str, old: str, new: str) -> None:
    path = seeds / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"fixture text to replace must occur once: {old!r}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _snapshot(settings: Settings) -> tuple[str, str | None]:
    current = (settings.data_dir / "CURRENT").read_text(encoding="utf-8")
    return current, pipeline.store_digest(settings)


@pytest.fixture
def loaded(settings: Settings, fixture_seeds: Path) -> Settings:
    """The good fixture loaded, plus a verified-id list so Wikidata ids are checked."""
    (fixture_seeds / "wikidata").mkdir(exist_ok=True)  # git keeps no empty directory
    (fixture_seeds / "wikidata" / "verified.tsv").write_text(
        "label\tkind\tqid\tevidence\nTEST FIXTURE\tPlace\tQ1\tnone: a test fixture, not a real look-up\n",
        encoding="utf-8",
    )
    pipeline.load(settings)
    return settings


@pytest.mark.parametrize(
    ("case", "name", "old", "new", "message", "hint", "line"), CASES, ids=[c[0] for c in CASES]
)
def test_bad_input_is_reported_with_file_line_and_fix_and_store_is_untouched(
    loaded: Settings,
    fixture_seeds: Path,
    case: str,
    name: str,
    old: str,
    new: str,
    message: str,
    hint: str,
    line: int | None,
) -> None:
    before = _snapshot(loaded)
    _edit(fixture_seeds, name, old, new)
    with pytest.raises(ValidationError) as caught:
        pipeline.load(loaded)
    matching = [p for p in caught.value.problems if message in p.message]
    assert matching, f"expected {message!r} among:\n{caught.value}"
    problem = matching[0]
    assert problem.file == name
    assert hint in problem.hint
    if line is not None:
        assert problem.line == line
    assert "the store was not changed" in str(caught.value)
    assert _snapshot(loaded) == before


def test_shacl_violation_is_reported_and_store_is_untouched(
    loaded: Settings, tmp_path: Path
) -> None:
    """A shape the seeds break (documents must name a publisher): SHACL reports the letter."""
    ontology = tmp_path / "ontology"
    shutil.copytree(loaded.ontology_dir, ontology)
    with (ontology / "shapes.ttl").open("a", encoding="utf-8") as shapes:
        shapes.write(
            "\nshapes:PublisherRequired a sh:NodeShape ; sh:targetClass at:Letter ;\n"
            '  sh:property [ sh:path dcterms:publisher ; sh:minCount 1 ; sh:message "a letter needs a publisher" ] .\n'
        )
    strict = loaded.replace(ontology_dir=ontology)
    before = _snapshot(strict)
    with pytest.raises(ValidationError) as caught:
        pipeline.load(strict)
    [problem] = caught.value.problems
    assert problem.file == PAGE and problem.line == 11  # the letter's id line
    assert "SHACL: a letter needs a publisher" in problem.message
    assert "document/fixture-letter" in problem.message
    assert _snapshot(strict) == before


def test_every_problem_is_reported_at_once(loaded: Settings, fixture_seeds: Path) -> None:
    _edit(fixture_seeds, PAGE, "stance: denies", "stance: refutes")
    _edit(fixture_seeds, PAGE, "when: 1902-03-02", "when: someday")
    with pytest.raises(ValidationError) as caught:
        pipeline.load(loaded)
    messages = " | ".join(p.message for p in caught.value.problems)
    assert "stance 'refutes'" in messages and "date 'someday'" in messages


def test_validate_command_prints_problems_and_exits_1(fixture_seeds: Path, tmp_path: Path) -> None:
    _edit(fixture_seeds, PAGE, "stance: denies", "stance: refutes")
    result = run_attest("--data-dir", str(tmp_path / "data"), "validate", str(fixture_seeds))
    assert result.returncode == 1
    assert "documents/page.yaml:31: stance 'refutes' of 'council-denies-arming'" in result.stderr
    assert "fix: write stance: affirms (or denies)" in result.stderr
    assert "Error: 1 problem found" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()


def test_validate_command_accepts_good_seeds(fixture_seeds: Path) -> None:
    result = run_attest("validate", str(fixture_seeds))
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.strip() == "ok: 2 documents, 8 entities, 5 assertions, every quote grounded"
    )
