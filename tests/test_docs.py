"""The docs tell the truth: commands, settings, examples, counts and curl lines of the README."""

from __future__ import annotations

import re
import shlex

import click
import pytest
import yaml
from pyoxigraph import Quad
from pyoxigraph import RdfFormat
from pyoxigraph import parse
from rdflib import Graph
from rdflib import URIRef

import loader
import server
from loader.settings import PROJECT_DIR
from loader.settings import SETTINGS
from loader.settings import Settings
from loader.store import open_store
from loader.vocab import AT
from server.cli import main
from server.examples import load as examples

README = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
SEEDS_README = (PROJECT_DIR / "seeds" / "README.md").read_text(encoding="utf-8")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, re.S)


def _commands(group: click.Group, prefix: str = "attest") -> list[str]:
    found = []
    for name, command in group.commands.items():
        found.append(f"{prefix} {name}")
        if isinstance(command, click.Group):
            found += _commands(command, f"{prefix} {name}")
    return found


def test_readme_starts_with_the_two_setup_commands() -> None:
    first, second = _blocks("sh")[:2]
    assert (
        first.strip()
        == "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/attest serve"
    )
    assert (
        second.strip()
        == "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest"
    )
    ci = (PROJECT_DIR / ".ci" / "run").read_text(encoding="utf-8")
    assert second.strip() in ci


@pytest.mark.parametrize("command", _commands(main))
def test_every_command_is_in_the_readme_with_help(command: str) -> None:
    assert f"`{command}" in README or f"{command} " in README, command
    path = command.split()[1:]
    target: click.Command = main
    for name in path:
        assert isinstance(target, click.Group)
        target = target.commands[name]
    assert target.help and target.help.strip()


@pytest.mark.parametrize("setting", SETTINGS, ids=[s.name for s in SETTINGS])
def test_every_setting_is_documented(setting: object) -> None:
    row = next(
        (line for line in README.splitlines() if line.startswith(f"| {setting.name} |")), None
    )  # type: ignore[attr-defined]
    assert row is not None, f"{setting.name} is missing from the README's settings table"  # type: ignore[attr-defined]
    assert f"`{setting.option}`" in row and f"`{setting.env}`" in row  # type: ignore[attr-defined]
    assert setting.help  # type: ignore[attr-defined]


def test_public_api_lists_what_it_exports() -> None:
    for module in (loader, server):
        assert sorted(module.__all__) == sorted(n for n in module.__all__ if hasattr(module, n))
    assert {"load", "validate", "export"} <= set(loader.__all__)


def test_every_vocab_term_is_in_the_ontology() -> None:
    ontology = Graph().parse(PROJECT_DIR / "ontology" / "attest.ttl")
    terms = [name for name in AT.__annotations__]
    assert terms
    for name in terms:
        assert (URIRef(AT._NS[name]), None, None) in ontology, name


def test_example_questions_in_the_readme_are_the_served_ones() -> None:
    queries = [block.strip() for block in _blocks("sparql")]
    for example in examples():
        body = "\n".join(example.query.strip().splitlines()[1:]).strip()
        assert body in queries, example.title
        assert example.title in README


def test_readme_yaml_example_is_the_curated_assertion() -> None:
    [block] = _blocks("yaml")
    shown = yaml.safe_load(block)[0]
    curated = yaml.safe_load(
        (PROJECT_DIR / "seeds" / "documents" / "001-presstv-40-days.yaml").read_text(
            encoding="utf-8"
        )
    )
    stored = next(a for a in curated["assertions"] if a["id"] == shown["id"])
    assert {k: stored[k] for k in shown} == shown


def test_readme_trig_example_is_in_the_store(seed_settings: Settings) -> None:
    [block] = _blocks("trig")
    quads = list(parse(block.encode("utf-8"), RdfFormat.TRIG))
    assert len(quads) > 30
    with open_store(seed_settings) as store:
        stored = set(store.quads())
    missing = [
        q for q in quads if Quad(q.subject, q.predicate, q.object, q.graph_name) not in stored
    ]
    assert not missing, missing[:3]


def test_readme_counts_match_the_corpus(seed_settings: Settings) -> None:
    with open_store(seed_settings) as store:

        def count(query: str) -> int:
            return int(next(iter(store.query(query)))[0].value)  # type: ignore[index, call-overload]

        assertions = count(
            "SELECT (COUNT(?a) AS ?n) WHERE { ?a a <https://w3id.org/attest/ontology#Assertion> }"
        )
        linked = count(
            "SELECT (COUNT(?e) AS ?n) WHERE { ?e <https://w3id.org/attest/ontology#wikidataItem> ?i }"
        )
    entities = len([e for e in loader.pipeline.prepare(seed_settings).corpus.entities])
    assert f"{assertions} assertions over {entities} entities" in README
    assert f"{linked} of the {entities} entities are linked" in README


def _curl_requests() -> list[tuple[str, str, dict[str, str], dict[str, str], bytes | None]]:
    requests = []
    for block in _blocks("sh"):
        for line in block.splitlines():
            if not line.startswith("curl ") or "127.0.0.1:5000" not in line:
                continue
            words = shlex.split(line, comments=True)
            url, headers, form, body, method = "", {}, {}, None, "GET"
            index = 1
            while index < len(words):
                word = words[index]
                if word == "-H":
                    name, _, value = words[index + 1].partition(":")
                    headers[name.strip()] = value.strip()
                    index += 2
                elif word == "--data-urlencode":
                    name, _, value = words[index + 1].partition("=")
                    form[name] = value
                    method = "POST"
                    index += 2
                elif word == "--data-binary":
                    body = (PROJECT_DIR / words[index + 1].lstrip("@")).read_bytes()
                    method = "POST"
                    index += 2
                else:
                    url = word
                    index += 1
            requests.append((method, url, headers, form, body))
    return requests


CURLS = _curl_requests()


def test_seeds_readme_worked_examples_are_the_curated_entries(seed_settings: Settings) -> None:
    section = SEEDS_README.split("## Worked examples from the hard cases", 1)[1]
    assert len(re.findall(r"^### Worked example \d: ", section, re.M)) >= 3
    corpus = loader.pipeline.prepare(seed_settings).corpus
    shown = []
    for block in re.findall(r"```yaml\n(.*?)```", section, re.S):
        data = yaml.safe_load(block)
        shown += data.get("assertions", []) if isinstance(data, dict) else data
    assert len(shown) >= 3
    curated = {}
    for path in (PROJECT_DIR / "seeds" / "documents").glob("*.yaml"):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")).get("assertions", []):
            curated[item["id"]] = item
    for item in shown:
        assert item["id"] in corpus.assertions
        stored = curated[item["id"]]
        assert {k: " ".join(str(stored[k]).split()) for k in item} == {
            k: " ".join(str(v).split()) for k, v in item.items()
        }


def test_home_page_counts_what_each_page_and_stats_count(http: httpx.Client) -> None:
    # The Khamenei.ir page reproduces two letters: 8 assertions are stated on the
    # page itself (the translator's note among them), 50 in the letters; its page and
    # `attest stats` count all 58.
    home = http.get("/", headers={"Accept": "text/html"}).text
    document = "khamenei-ir-2017-11-22-letters"
    row = re.search(rf'href="/document/{document}">.*?</tr>', home, re.S)
    assert row is not None
    shown = re.findall(r"<td>(\d+)</td>", row.group(0))
    stated = http.get(f"/api/documents/{document}").json()
    assert shown == [str(len(stated["assertions"]))] == ["58"]


ID_KEYS = {
    "id",
    "speaker",
    "author",
    "publisher",
    "part_of",
    "by",
    "in",
    "disputes",
    "corroborates",
}


def _ids_in(value: object, key: str = "") -> list[str]:
    """Every id a seeds/README.md example names (placeholders '…' aside)."""
    found: list[str] = []
    if isinstance(value, dict):
        for name, inner in value.items():
            found += _ids_in(inner, name)
    elif isinstance(value, list):
        if key == "claim":
            for triple in value:
                found += [str(triple[0]), str(triple[2])] if isinstance(triple, list) else []
        else:
            for inner in value:
                found += _ids_in(inner, key)
    elif key in ID_KEYS and isinstance(value, str) and value != "…":
        found.append(value)
    return found


def test_every_id_in_the_seeds_readme_exists(seed_settings: Settings) -> None:
    corpus = loader.pipeline.prepare(seed_settings).corpus
    known = set(corpus.entities) | set(corpus.documents) | set(corpus.assertions)
    named = [
        name
        for block in re.findall(r"```yaml\n(.*?)```", SEEDS_README, re.S)
        for name in _ids_in(yaml.safe_load(block))
    ]
    assert len(named) > 20
    assert sorted(set(named) - known) == []


def test_docs_name_the_wikidata_cache_the_code_writes() -> None:
    from loader.wikidata import CACHE_FILE

    for text in (README, SEEDS_README):
        assert "cache.ttl" not in text
    assert f"seeds/{CACHE_FILE}" in README and CACHE_FILE.split("/")[-1] in SEEDS_README


def test_readme_trig_example_is_abridged_from_the_served_answer(http: httpx.Client) -> None:
    [block] = _blocks("trig")
    command = re.search(r"`(curl -H 'Accept: application/trig' [^`]+)`", README)
    assert command is not None
    path = command.group(1).split("127.0.0.1:5000", 1)[1]
    served = http.get(path, headers={"Accept": "application/trig"}).text.splitlines()
    # Every line, prefixes included, is a line of the real answer: nothing reworded.
    assert [line for line in block.splitlines() if line not in served] == []
