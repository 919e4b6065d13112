"""``attest stats`` counts, checked against the fixture by hand and against the quads themselves."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator

import pytest
from pyoxigraph import DefaultGraph

from loader import pipeline
from loader import stats
from loader.store import MemoryStore
from tests.inprocess import fixture_settings

BASE = "https://w3id.org/attest/"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MemoryStore]:
    """The good fixture, with one corroboration added so every column counts something."""
    settings = fixture_settings(tmp_path_factory.mktemp("stats"))
    page = settings.seeds_dir / "documents" / "page.yaml"
    text = page.read_text(encoding="utf-8")
    marker = '    prefix: "And again:"\n'
    assert text.count(marker) == 1
    page.write_text(
        text.replace(marker, marker + "    corroborates: [page-council-created-guild]\n"),
        encoding="utf-8",
    )
    memory = MemoryStore()
    pipeline.load(settings, store=memory)
    yield memory


def test_counts_of_the_fixture_by_hand(store: MemoryStore) -> None:
    counted = stats.store_stats(store)
    # tests/fixtures/good: 2 documents (the page and Carol's letter), 8 entities,
    # 5 assertions with 6 curated claim triples between them, no Wikidata cache.
    assert (counted.documents, counted.entities, counted.assertions) == (2, 8, 5)
    assert counted.claim_triples == 6
    assert counted.wikidata_triples == 0


def test_triple_counts_add_up_to_the_quads_in_the_store(store: MemoryStore) -> None:
    counted = stats.store_stats(store)
    quads = list(store.quads())
    per_graph = Counter(
        "" if isinstance(q.graph_name, DefaultGraph) else q.graph_name.value for q in quads
    )
    assert counted.triples == len(quads)
    assert counted.default_graph_triples == per_graph.pop("")
    assert counted.named_graphs == len(per_graph)
    assert counted.claim_triples == sum(n for g, n in per_graph.items() if g.endswith("/claim"))
    assert counted.inferred_triples == sum(
        n
        for g, n in per_graph.items()
        if g.startswith(BASE + "assertion/") and g.endswith("/inferred")
    )
    assert counted.background_inferred_triples == per_graph[BASE + "graph/inferred"] > 0
    assert counted.read_model_triples == per_graph[BASE + "graph/readmodel"] > 0


def test_lines_label_every_count_in_order(store: MemoryStore) -> None:
    counted = stats.store_stats(store)
    lines = counted.lines()
    assert [label for label, _ in lines][:3] == ["documents", "entities", "assertions"]
    assert dict(lines)["  curated claim triples"] == 6
    assert len(lines) == 11 and all(isinstance(value, int) for _, value in lines)


def test_by_document_counts_the_letter_towards_its_page(store: MemoryStore) -> None:
    [row] = stats.by_document(store)
    assert row == {
        "document": BASE + "document/fixture-page",
        "title": "Test fixture page",
        "assertions": 5,  # four on the page, one in Carol's letter embedded in it
        "speakers": 4,  # Alice (twice), Bob, the Town Council, Carol
        "disputes": 1,  # the Council disputes Bob's claim
        "corroborates": 1,  # added above
        "hedged_assertions": 1,  # Bob's, "reportedly"
        "denials": 1,  # the Council's
    }


def test_an_empty_store_counts_zero() -> None:
    empty = MemoryStore()
    counted = stats.store_stats(empty)
    assert counted == stats.Stats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    assert stats.by_document(empty) == []


def test_counts_cannot_be_changed_after_they_are_made() -> None:
    counted = stats.Stats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        counted.documents = 1  # type: ignore[misc]
