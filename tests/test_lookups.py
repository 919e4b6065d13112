"""Paged look-ups from the read model, followed along ``next`` as a client does.

Each expectation is computed from the curated files (the loader's parse of
them), never from the read model under test.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from loader import pipeline
from loader.settings import Settings
from server import create_app
from server import runtime
from server.lookups.cards import card
from server.lookups.search import fold
from tests.conftest import running_oxigraph
from tests.conftest import start_server
from tests.conftest import stop

ENTITY = "https://w3id.org/attest/entity/"


def follow(http: httpx.Client, url: str, key: str = "results") -> tuple[list[Any], list[dict]]:
    """Every item of a paged look-up, and every page, following ``next``."""
    items: list[Any] = []
    pages: list[dict] = []
    next_url: str | None = url
    while next_url:
        response = http.get(next_url)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body)
        items.extend(body[key])
        next_url = body["next"]
        assert len(pages) < 500, "next never ends"
    return items, pages


def said_on(corpus: Any, assertion_id: str) -> str:
    document = corpus.documents[corpus.assertions[assertion_id].stated_in]
    for key in (document.id, document.part_of):
        date = corpus.dates.get(f"document:{key}") if key else None
        if date is not None:
            return str(date.value)
    date = corpus.dates.get("assertion:" + assertion_id)
    return str(date.value) if date is not None else ""


def test_speaker_lists_every_assertion_newest_first(
    http: httpx.Client, seed_prepared: pipeline.Prepared
) -> None:
    corpus = seed_prepared.corpus
    expected = {a.id for a in corpus.assertions.values() if a.speaker == "ali-khamenei"}
    assert len(expected) > 3
    items, pages = follow(http, "/api/speakers/ali-khamenei?per_page=3")
    assert len(pages) > 1 and all(len(p["results"]) <= 3 for p in pages)
    assert [i["id"] for i in items] == list(dict.fromkeys(i["id"] for i in items))
    assert {i["id"] for i in items} == expected
    assert pages[0]["total"] == len(expected)
    dates = [said_on(corpus, i["id"]) for i in items]
    assert dates == sorted(dates, reverse=True)
    assert all(i["speaker"]["id"] == "ali-khamenei" for i in items)


def test_timeline_holds_every_dated_assertion_in_time_order(
    http: httpx.Client, seed_prepared: pipeline.Prepared
) -> None:
    corpus = seed_prepared.corpus
    expected = {a.id for a in corpus.assertions.values() if a.when}
    items, pages = follow(http, "/api/timeline?per_page=40")
    assert {i["assertion"]["id"] for i in items} == expected
    whens = [i["when"] for i in items]
    assert whens == sorted(whens)
    assert pages[-1]["page"] == pages[0]["pages"]


def test_neighbours_count_curated_claims_linking_two_entities(
    http: httpx.Client, seed_prepared: pipeline.Prepared
) -> None:
    focus = ENTITY + "isis"
    counted: Counter[str] = Counter()
    for claim in seed_prepared.corpus.claims.values():
        for s, _, o in claim:
            if isinstance(o, str) and o.startswith(ENTITY) and s != o and focus in (s, o):
                counted[o if s == focus else s] += 1
    items, _ = follow(http, "/api/entities/isis/neighbours?per_page=10")
    assert {i["iri"]: i["claims"] for i in items} == dict(counted)
    weights = [i["claims"] for i in items]
    assert weights == sorted(weights, reverse=True)


def test_document_assertions_page_in_text_order(
    http: httpx.Client, seed_prepared: pipeline.Prepared
) -> None:
    corpus = seed_prepared.corpus
    document = "khamenei-ir-2017-11-22-letters"
    inside = {d.id for d in corpus.documents.values() if d.part_of == document} | {document}
    expected = {a.id for a in corpus.assertions.values() if a.stated_in in inside}
    items, pages = follow(http, f"/api/documents/{document}?per_page=10", "assertions")
    assert len(pages) == -(-len(expected) // 10)
    assert [i["id"] for i in items if i["id"] in expected] == [i["id"] for i in items]
    assert {i["id"] for i in items} == expected
    starts = [i["start"] for i in items]
    assert starts == sorted(starts)
    text = pages[0]["text"]
    for item in items:  # offsets point at the quoted words in this document's text
        quoted = text[item["start"] : item["end"]]
        assert fold(quoted) == fold(item["quote"])


def test_contested_lists_each_contesting_assertion_once(http: httpx.Client) -> None:
    items, _ = follow(http, "/api/contested?per_page=1")
    assert items, "the seed corpus has contested claims"
    for claim in items:
        ids = [c["id"] for c in claim["contested_by"]]
        assert len(ids) == len(set(ids)), ids
        assert {c["how"] for c in claim["contested_by"]} <= {"denies", "disputes"}
        assert claim["affirmed_by"] and claim["contested_by"]


def test_provenance_shows_each_chain_step_once(http: httpx.Client) -> None:
    items, _ = follow(http, "/api/provenance?predicate=saved&per_page=5")
    assert items
    for item in items:
        chain = [s["index"] for s in item["assertion"]["reporting_chain"]]
        assert chain == list(range(1, len(chain) + 1)), chain


def test_provenance_pages_keep_their_filters(http: httpx.Client) -> None:
    items, pages = follow(http, "/api/provenance?subject=entity:isis&per_page=4")
    assert len(pages) > 1
    assert all("subject=entity%3Aisis" in p["next"] for p in pages[:-1])
    assert all(i["claim"]["subject"]["id"] == "isis" for i in items)
    assert len(items) == pages[0]["total"]


def test_quote_search_finds_assertions_holding_every_word(
    http: httpx.Client, seed_prepared: pipeline.Prepared
) -> None:
    words = ["weapons", "kurdish"]
    expected = {
        a.id
        for a in seed_prepared.corpus.assertions.values()
        if all(w in fold(a.quote).split() for w in words)
    }
    assert expected
    for _ in range(100):  # the index is built in the background on first use
        response = http.get("/api/quotes", params={"q": "Weapons, Kurdish!"})
        if response.status_code != 503:
            break
        time.sleep(0.1)
    assert response.status_code == 200, response.text
    items, _ = follow(http, "/api/quotes?q=weapons+kurdish&per_page=1")
    assert {i["assertion"]["id"] for i in items} == expected
    assert http.get("/api/quotes").status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/api/speakers/ali-khamenei?per_page=101",
        "/api/timeline?page=0",
        "/api/contested?per_page=x",
        "/api/entities/isis?page=-1",
    ],
)
def test_page_arguments_out_of_range_are_refused(http: httpx.Client, url: str) -> None:
    response = http.get(url)
    assert response.status_code == 400
    assert "between" in response.json()["error"] or "whole number" in response.json()["error"]


def test_unknown_speaker_is_404_with_suggestions(http: httpx.Client) -> None:
    response = http.get("/api/speakers/khamenei")
    assert response.status_code == 404
    assert "ali-khamenei" in response.json()["error"]


def test_speaker_and_timeline_pages_link_their_next_page(http: httpx.Client) -> None:
    page = http.get("/timeline", headers={"Accept": "text/html"})
    assert page.status_code == 200 and 'rel="next" href="?page=2"' in page.text
    second = http.get("/timeline?page=2", headers={"Accept": "text/html"})
    assert 'rel="prev"' in second.text
    speaker = http.get("/speaker/ali-khamenei?per_page=2", headers={"Accept": "text/html"})
    assert speaker.status_code == 200
    assert 'href="?per_page=2&amp;page=2"' in speaker.text


def test_a_store_with_another_read_model_format_is_refused_with_the_fix(
    settings: Settings,
) -> None:
    memory = settings.replace(store="memory")
    app = create_app(settings=memory)
    store = app.extensions["attest"].store
    try:
        pipeline.load(memory, store=store)
        client = app.test_client()
        assert client.get("/api/contested").status_code == 200
        store.update(  # what a store built by an older Attest looks like: no format recorded
            "DELETE WHERE { GRAPH ?g { <https://w3id.org/attest/graph/readmodel/home> ?p ?o } }"
        )
        app.extensions["attest.read_model_problem"] = "unchecked"
        for url in ("/api/contested", "/api/entities/town-council", "/"):
            response = client.get(url, headers={"Accept": "application/json"})
            assert response.status_code == 503
            assert "rebuild it with 'attest load'" in response.get_json()["error"]
        pipeline.load(memory, store=store)  # a reload fixes it without a restart
        assert client.get("/api/contested").status_code == 200
    finally:
        app.extensions["attest"].close()


def test_the_remote_store_serves_the_same_lookups_as_the_embedded_one(
    http: httpx.Client, seed_settings: Settings, tmp_path: Path
) -> None:
    with running_oxigraph(tmp_path) as base:
        remote = seed_settings.replace(
            store="remote", store_url=f"{base}/query", update_url=f"{base}/update"
        )
        pipeline.load(remote)
        server = start_server(
            tmp_path / "unused-data",
            tmp_path,
            "--store",
            "remote",
            "--store-url",
            f"{base}/query",
            serve_options=("--no-load",),
        )
        try:
            with httpx.Client(base_url=server.base, timeout=60) as remote_http:
                for url in (
                    "/api/provenance?subject=US&predicate=created&object=Daesh&per_page=5",
                    "/api/provenance?subject=entity:isis&per_page=7&page=2",
                    "/api/entities/isis?per_page=10&page=2",
                    "/api/speakers/ali-khamenei?per_page=4",
                    "/api/documents/khamenei-ir-2017-11-22-letters?per_page=5",
                    "/api/contested",
                    "/api/timeline?page=3",
                    "/api/entities/isis/neighbours",
                ):
                    embedded = http.get(url).json()
                    answered = remote_http.get(url).json()
                    assert answered == embedded, url
        finally:
            stop(server.process)


def test_the_queries_of_one_request_read_one_store_version(
    settings: Settings, tmp_path: Path
) -> None:
    pipeline.load(settings)
    app = create_app(settings=settings)
    try:
        with app.test_request_context("/api/contested"):
            store = runtime().store
            before = card(store, runtime().iris, runtime().iris.home_node)
            assert before is not None
            extra = settings.seeds_dir / "documents" / "more.yaml"
            text = settings.seeds_dir / "texts" / "more.txt"
            text.write_text("The Harbour Guild armed the Town Council.\n", encoding="utf-8")
            extra.write_text(
                "# TEST FIXTURE: one more invented document.\n"
                "documents:\n  - id: more\n    kind: Article\n    title: More (fixture)\n"
                "    text: texts/more.txt\nassertions:\n"
                "  - id: more-guild-armed-council\n"
                "    claim: [[harbour-guild, armed, town-council]]\n"
                "    speaker: town-council\n    stated_in: more\n"
                '    quote: "The Harbour Guild armed the Town Council"\n',
                encoding="utf-8",
            )
            pipeline.load(settings)  # a load switches the store mid-request
            assert runtime().store is store
            during = card(runtime().store, runtime().iris, runtime().iris.home_node)
            assert during == before
        with app.test_request_context("/api/contested"):  # the next request sees the new one
            after = card(runtime().store, runtime().iris, runtime().iris.home_node)
            assert after is not None and after["assertions"] == before["assertions"] + 1
    finally:
        app.extensions["attest"].close()


@pytest.mark.parametrize(
    "query",
    [
        "predicate=created",
        "object=entity:isis",
        "subject=entity:qassem-soleimani&predicate=persuaded",
        "subject=entity:isis&object=entity:iraq",
        "predicate=describedAs",
        "",
    ],
)
def test_provenance_totals_are_what_following_next_collects(http: httpx.Client, query: str) -> None:
    items, pages = follow(http, f"/api/provenance?{query}&per_page=100")
    assert len(items) == pages[0]["total"] > 0
    keys = [(i["assertion"]["id"], json.dumps(i["claim"], sort_keys=True)) for i in items]
    assert len(keys) == len(set(keys))


def test_assertions_show_whose_hedge_and_which_translation_the_store_records(
    http: httpx.Client,
) -> None:
    query = """PREFIX at: <https://w3id.org/attest/ontology#>
    SELECT ?a ?agent ?from WHERE {
      { ?a at:hedgedBy ?agent } UNION { ?a at:translation/at:fromLanguage ?from }
    }"""
    rows = http.post(
        "/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"}
    ).json()["results"]["bindings"]
    hedged = {r["a"]["value"]: r["agent"]["value"] for r in rows if "agent" in r}
    translated = {r["a"]["value"]: r["from"]["value"] for r in rows if "from" in r}
    assert hedged and translated
    for iri, agent in list(hedged.items())[:15]:
        body = http.get("/api/assertions/" + iri.rsplit("/", 1)[1]).json()
        assert body["hedged_by"]["agent"]["iri"] == agent
    for iri, language in list(translated.items())[:15]:
        body = http.get("/api/assertions/" + iri.rsplit("/", 1)[1]).json()
        assert body["translation"]["from"] == language
    unnamed = http.get("/api/speakers/unnamed-author-003?per_page=1").json()["results"][0]
    assert unnamed["speaker_unnamed"]


def test_a_document_page_says_how_many_spans_it_shows_and_links_the_next(
    http: httpx.Client,
) -> None:
    page = http.get(
        "/document/khamenei-ir-2017-11-22-letters?per_page=10", headers={"Accept": "text/html"}
    )
    assert page.status_code == 200
    assert "highlighted: 10 of 58 assertions" in page.text
    assert 'href="?per_page=10&amp;page=2"' in page.text
