"""The curation is faithful to the words (issue 12), and the model says whose hedge,
which voices are unnamed, and which words are translations.

The two example questions run on a real server over HTTP; their answers are
checked against the curated YAML files, read here on their own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from pyoxigraph import DefaultGraph
from pyoxigraph import RdfFormat
from pyoxigraph import serialize
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef

from loader import pipeline
from loader import shacl
from loader.settings import PROJECT_DIR
from loader.settings import Settings
from loader.store import open_store
from loader.vocab import AT
from server.examples import load as examples
from tests.conftest import run_attest

SEEDS = PROJECT_DIR / "seeds"
BASE = "https://w3id.org/attest/"


def _yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _curated_assertions() -> dict[str, dict[str, Any]]:
    found = {}
    for path in sorted((SEEDS / "documents").glob("*.yaml")):
        for item in _yaml(path).get("assertions", []):
            found[item["id"]] = item
    return found


def _unnamed_entities() -> dict[str, str]:
    found = {}
    for path in sorted((SEEDS / "entities").glob("*.yaml")):
        for item in _yaml(path)["entities"]:
            if "unnamed" in item:
                found[item["id"]] = item["unnamed"]
    return found


def _reporters(item: dict[str, Any]) -> list[str]:
    return [step if isinstance(step, str) else step["by"] for step in item.get("via", [])]


def _run_example(http: httpx.Client, name: str) -> list[dict[str, str]]:
    [example] = [e for e in examples() if e.name == name]
    response = http.post(
        "/sparql",
        data={"query": example.query},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200, response.text[:300]
    return [
        {name: cell["value"] for name, cell in row.items()}
        for row in response.json()["results"]["bindings"]
    ]


def test_unnamed_voices_question_answers_from_the_curated_files(http: httpx.Client) -> None:
    unnamed = _unnamed_entities()
    expected = set()
    for assertion_id, item in _curated_assertions().items():
        if item["speaker"] in unnamed:
            expected.add((BASE + "assertion/" + assertion_id, "speaker", unnamed[item["speaker"]]))
        for reporter in _reporters(item):
            if reporter in unnamed:
                expected.add((BASE + "assertion/" + assertion_id, "reporter", unnamed[reporter]))
    rows = _run_example(http, "6-unnamed-voices")
    answered = {(r["assertion"], r["role"], " ".join(r["identifiedAs"].split())) for r in rows}
    assert answered == {(a, role, " ".join(said.split())) for a, role, said in expected}
    speakers = {r["voice"] for r in rows if r["role"] == "speaker"}
    assert "Unnamed speakers at a meeting in Baghdad (text 003)" in speakers
    assert "Unnamed translator of the letters on the Khamenei.ir page (text 002)" in speakers


def test_reporter_hedged_question_answers_from_the_curated_files(http: httpx.Client) -> None:
    expected = {
        BASE + "assertion/" + assertion_id: (item["hedged_by"], item["hedge"])
        for assertion_id, item in _curated_assertions().items()
        if item.get("hedged_by") not in (None, item["speaker"])
    }
    rows = _run_example(http, "7-reporter-hedged-claims")
    assert {r["assertion"] for r in rows} == set(expected)
    for row in rows:
        reporter, hedge = expected[row["assertion"]]
        assert row["hedge"] == hedge
        item = _curated_assertions()[row["assertion"].rsplit("/", 1)[1]]
        assert _reporters(item)[int(row["step"]) - 1] == reporter
    # Speakers' own hedges are not in this answer.
    assert BASE + "assertion/cr22-callamard-killings-likely-violate-international-law" not in {
        r["assertion"] for r in rows
    }


@pytest.fixture(scope="module")
def corpus(seed_settings: Settings) -> Any:
    return pipeline.prepare(seed_settings).corpus


def _relations(corpus: Any, assertion_id: str) -> set[tuple[str, str, str]]:
    return {(c.subject, c.relation, c.object) for c in corpus.assertions[assertion_id].claims}


def test_the_issue_examples_are_corrected(corpus: Any) -> None:
    assertions = corpus.assertions
    # Trump says nothing in this corpus; the acknowledgment passage is Soleimani's.
    assert assertions["ptv24-trump-acknowledged-us-created-isis"].speaker == "qassem-soleimani"
    assert not [a for a in assertions.values() if a.speaker == "donald-trump"]
    # "was able to use the Russians' operational capacity" is not persuasion.
    assert not {
        r
        for r in _relations(corpus, "an21-tasnim-soleimani-persuaded-putin")
        if r[1] == "persuaded"
    }
    assert assertions["an21-tasnim-soleimani-persuaded-putin"].hedged_by == "unnamed-author-003"
    # "helped save", "helped stabilize" are not "saved"; "emerged" is not "operated in".
    for assertion in assertions.values():
        if "helped s" in assertion.quote:
            assert "saved" not in {c.relation for c in assertion.claims}, assertion.id
    assert _relations(corpus, "ptv20-presstv-isis-emerged-in-iraq-2014") == {
        ("isis", "emergedIn", "iraq")
    }
    # "major supporters of terrorists" reaches Daesh questions; "its allies" is kept.
    assert ("united-states", "supported", "isis") in _relations(
        corpus, "ptv20-presstv-us-israel-saudi-believed-supporters-of-terrorists"
    )
    assert ("us-allied-regional-governments", "created", "isis") in _relations(
        corpus, "ptv24-khamenei-us-and-allies-created-isis"
    )
    # The hedge 'apparently' is on "wrote back", not on the words of the reply.
    assert corpus.certainty["an21-khamenei-soleimani-disintegrated-isis"] == "stated"
    assert assertions["an21-author-khamenei-thanked-soleimani"].hedge == "apparently"
    # The translator's note is recorded, in the translator's voice.
    note = assertions["kir17-translator-verse-from-quran"]
    assert note.speaker == "unnamed-translator-002" and "Translator's note" in note.quote
    # Unnamed participants are not folded into other speakers.
    for assertion_id in (
        "an21-intelligence-official-soleimani-saved-baghdad-najaf-karbala",
        "an21-intelligence-official-baghdad-officials-preparing-to-leave",
        "an21-intelligence-official-soleimani-changed-situation",
    ):
        assert assertions[assertion_id].speaker == "unnamed-baghdad-meeting-speakers-003"
    assert assertions["an21-kurds-preparing-to-flee-dohuk"].speaker == "unnamed-kurds-003"


def test_the_seeds_validate_strictly_without_a_warning() -> None:
    result = run_attest("validate", "--strict", str(SEEDS))
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr


def _select(settings: Settings, query: str) -> list[dict[str, str]]:
    store = open_store(settings)
    try:
        rows = store.query("PREFIX at: <https://w3id.org/attest/ontology#>\n" + query)
        names = [v.value for v in rows.variables]  # type: ignore[union-attr]
        return [{n: row[n].value for n in names if row[n] is not None} for row in rows]  # type: ignore[union-attr]
    finally:
        store.close()


def test_translations_are_part_of_the_chain(seed_settings: Settings) -> None:
    [letter] = _select(
        seed_settings,
        "SELECT ?from ?to ?note ?quote WHERE { "
        "<https://w3id.org/attest/assertion/kir17-soleimani-declared-end-of-isis> "
        "at:translation ?t ; at:quoteLanguage ?quote . "
        "?t a at:Translation ; at:fromLanguage ?from ; at:toLanguage ?to ; at:translatorNote ?note }",
    )
    assert (letter["from"], letter["to"], letter["quote"]) == ("fa", "en", "en")
    assert letter["note"].startswith("translation, translator not named")
    # Another rendering of the same letter (text 003) keeps the source language, not the note.
    [other] = _select(
        seed_settings,
        "SELECT ?note WHERE { "
        "<https://w3id.org/attest/assertion/an21-khamenei-soleimani-disintegrated-isis> "
        'at:originalLanguage "fa" ; at:translation/at:translatorNote ?note }',
    )
    assert other["note"] == "translation, translator not named"
    # A quote in the speaker's own language has no translation.
    assert not _select(
        seed_settings,
        "SELECT ?t WHERE { <https://w3id.org/attest/assertion/cr22-bangash-us-killed-soleimani> "
        "at:translation ?t }",
    )


def test_whose_hedge_is_data(seed_settings: Settings) -> None:
    rows = _select(
        seed_settings,
        "SELECT ?a ?role ?by WHERE { ?a at:hedgeRole ?role ; at:hedgedBy ?by }",
    )
    roles = {r["a"].rsplit("/", 1)[1]: (r["role"].rsplit("#", 1)[1], r["by"]) for r in rows}
    assert roles["cr22-callamard-killings-likely-violate-international-law"] == (
        "SpeakerHedge",
        BASE + "entity/agnes-callamard",
    )
    assert roles["cr22-commentators-killing-war-crime"] == (
        "ReporterHedge",
        BASE + "entity/zafar-bangash",
    )
    hedged = _select(seed_settings, "SELECT ?a WHERE { ?a at:certainty at:Hedged }")
    assert {r["a"].rsplit("/", 1)[1] for r in hedged} == set(roles)


def _default_graph(prepared: pipeline.Prepared) -> Graph:
    triples = [q.triple for q in pipeline.quads_of(prepared) if q.graph_name == DefaultGraph()]
    return Graph().parse(data=serialize(triples, format=RdfFormat.N_TRIPLES), format="nt")


def test_shapes_hold_the_new_terms_to_their_form(settings: Settings, fixture_seeds: Path) -> None:
    page = fixture_seeds / "documents" / "page.yaml"
    text = page.read_text(encoding="utf-8")
    page.write_text(
        text.replace(
            "    hedged_by: alice-example\n",
            "    hedged_by: alice-example\n    translated_from: fr\n",
        ),
        encoding="utf-8",
    )
    entities = fixture_seeds / "entities" / "fixture.yaml"
    entities.write_text(
        entities.read_text(encoding="utf-8").replace(
            "    label: Bob Example\n",
            "    label: Bob Example\n    unnamed: a man the page calls Bob\n",
        ),
        encoding="utf-8",
    )
    prepared = pipeline.prepare(settings)
    data = _default_graph(prepared)
    assert not shacl.shacl_problems(data, prepared.shapes, prepared.corpus)
    base = "https://w3id.org/attest/"
    bob = URIRef(base + "entity/bob-example")
    assertion = URIRef(base + "assertion/bob-council-armed-guild")
    translation = URIRef(base + "assertion/bob-council-armed-guild/translation")
    assert (translation, URIRef(AT.translatorNote), None) in data
    data.remove((bob, URIRef(AT.identifiedAs), None))
    data.remove((translation, URIRef(AT.translatorNote), None))
    data.set((assertion, URIRef(AT.hedgedBy), URIRef(base + "entity/carol-example")))
    data.add((assertion, URIRef(AT.hedge), Literal("also")))
    messages = " | ".join(
        p.message for p in shacl.shacl_problems(data, prepared.shapes, prepared.corpus)
    )
    assert "an unnamed voice needs exactly one at:identifiedAs" in messages
    assert f"at <{translation}>" in messages
    assert "a reporter's hedge names the step of its reporter" in messages
