"""Each store back end round-trips the seed graph; loads are atomic."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import Quad
from pyoxigraph import QuerySolutions
from rdflib import Graph
from rdflib.compare import isomorphic

from loader import pipeline
from loader.errors import StoreError
from loader.errors import ValidationError
from loader.remote import Generation
from loader.remote import RemoteStore
from loader.settings import Settings
from loader.settings import resolve
from loader.store import MemoryStore
from loader.store import OxigraphStore
from loader.store import open_store
from tests.conftest import graphs_of

Graphs = dict[str, Graph]


def _dataset(quads: Iterator[Quad]) -> Graphs:
    return graphs_of(quads)


def _assert_same(left: Graphs, right: Graphs) -> None:
    assert left.keys() == right.keys()
    for name, graph in left.items():
        assert isomorphic(graph, right[name]), f"graph {name or 'default'} differs"


@pytest.fixture(scope="module")
def seed_built(seed_prepared: pipeline.Prepared) -> Graphs:
    """What the loader builds for the seed corpus, as an rdflib Dataset."""
    memory = MemoryStore()
    memory.replace(pipeline.quads_of(seed_prepared))
    return _dataset(memory.quads())


def test_memory_store_round_trips_the_seed_graph(
    seed_built: Graphs, seed_settings: Settings
) -> None:
    settings = seed_settings.replace(store="memory")
    store = open_store(settings, writable=True)
    count = store.replace(pipeline.quads_of(pipeline.prepare(settings)))
    assert count == len(list(store.quads())) > 10_000
    _assert_same(_dataset(store.quads()), seed_built)


def test_oxigraph_store_round_trips_the_seed_graph(
    seed_built: Graphs, seed_settings: Settings
) -> None:
    with open_store(seed_settings) as store:
        _assert_same(_dataset(store.quads()), seed_built)


def test_remote_store_round_trips_the_seed_graph(seed_built: Graphs, oxigraph_server: str) -> None:
    settings = resolve(
        {
            "store": "remote",
            "store_url": f"{oxigraph_server}/query",
            "update_url": f"{oxigraph_server}/update",
        },
        environ={},
    )
    report = pipeline.load(settings)
    assert report.store == "remote"
    with open_store(settings) as store:
        _assert_same(_dataset(store.quads()), seed_built)
        rows = store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        assert isinstance(rows, QuerySolutions)
        assert int(next(rows)["n"].value) > 1000


def test_remote_store_is_replaced_not_appended(oxigraph_server: str, settings: Settings) -> None:
    remote = settings.replace(
        store="remote", store_url=f"{oxigraph_server}/query", update_url=f"{oxigraph_server}/update"
    )
    pipeline.load(remote)
    with open_store(remote) as store:
        first = len(list(store.quads()))
    pipeline.load(remote)
    with open_store(remote) as store:
        assert len(list(store.quads())) == first


def test_unreachable_remote_store_is_a_clear_error(settings: Settings) -> None:
    remote = settings.replace(
        store="remote", store_url="http://127.0.0.1:9/query", update_url="http://127.0.0.1:9/update"
    )
    with pytest.raises(
        StoreError, match="cannot reach the remote store at http://127.0.0.1:9/update"
    ):
        pipeline.load(remote)


def _names(data_dir: Path) -> set[str]:
    return {p.name for p in (data_dir / "stores").iterdir()}


def test_failed_load_leaves_the_previous_store_live(settings: Settings) -> None:
    pipeline.load(settings)
    before = (settings.data_dir / "CURRENT").read_text()
    dirs = _names(settings.data_dir)
    store = OxigraphStore(settings.data_dir, writable=True)

    def crashing() -> Iterator[Quad]:
        yield from list(store.quads())[:10]
        raise RuntimeError("crash in the middle of a load")

    with pytest.raises(RuntimeError):
        store.replace(crashing())
    assert (settings.data_dir / "CURRENT").read_text() == before
    assert _names(settings.data_dir) == dirs, "the half-written store was removed"

    def refuse(_: object) -> None:
        raise ValidationError([])

    with pytest.raises(ValidationError):
        store.replace(iter(list(store.quads())), check=refuse)
    assert (settings.data_dir / "CURRENT").read_text() == before


def test_store_without_a_load_says_how_to_build_it(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "empty")
    assert store.is_empty()
    with pytest.raises(StoreError, match="attest load"):
        store.query("ASK {}")


def test_remote_store_sends_nothing_when_the_check_fails(oxigraph_server: str) -> None:
    with RemoteStore(f"{oxigraph_server}/query", f"{oxigraph_server}/update") as remote:
        before = len(list(remote.quads()))

        def refuse(_: object) -> None:
            raise ValidationError([])

        with pytest.raises(ValidationError):
            remote.replace(iter(list(remote.quads())[:5]), check=refuse)
        assert len(list(remote.quads())) == before


class _Recording(RemoteStore):
    """The real remote store, remembering the size of each update it sends."""

    def __init__(self, *args: object, fail_after: int | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.sent: list[str] = []
        self.fail_after = fail_after

    def update(self, sparql: str) -> None:
        if self.fail_after is not None and len(self.sent) >= self.fail_after:
            raise StoreError("the connection dropped (test)")
        self.sent.append(sparql)
        super().update(sparql)


def _generations(oxigraph_server: str, **kwargs: object) -> _Recording:
    return _Recording(
        f"{oxigraph_server}/query", f"{oxigraph_server}/update", generations=True, **kwargs
    )


def _fixture_built(settings: Settings) -> Graphs:
    memory = MemoryStore()
    memory.replace(pipeline.quads_of(pipeline.prepare(settings)))
    return _dataset(memory.quads())


def _graph_names(store: RemoteStore) -> set[str]:
    rows = store._rows("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    return {row["g"].value for row in rows}  # type: ignore[union-attr]


def test_remote_generations_are_written_in_bounded_batches_then_switched(
    oxigraph_server: str, settings: Settings
) -> None:
    with _generations(oxigraph_server, batch_quads=300) as remote:
        report = pipeline.load(settings, store=remote)
        generation = remote.current_generation()
        assert generation is not None
        *batches, switch, cleanup = remote.sent
        assert len(batches) >= report.quads // 300
        for batch in batches:  # every quad line of a batch ends in " ." and a newline
            assert batch.count(" .\n") <= 300
        assert f"<{generation.iri}>" in switch and len(switch) < 1000
        assert "DROP SILENT DEFAULT" in cleanup
        _assert_same(_dataset(remote.quads()), _fixture_built(settings))
        # readers that take the default graph from the pointer see this generation
        rows = remote.query(
            "SELECT (COUNT(?a) AS ?n) WHERE { ?a a <https://w3id.org/attest/ontology#Assertion> }"
        )
        assert isinstance(rows, QuerySolutions)
        assert int(next(rows)["n"].value) == 5  # type: ignore[union-attr]


def test_remote_generation_dataset_reads_a_named_graph_by_its_original_name(
    oxigraph_server: str, settings: Settings
) -> None:
    claim = "https://w3id.org/attest/assertion/bob-council-armed-guild/claim"
    with _generations(oxigraph_server) as remote:
        pipeline.load(settings, store=remote)
        generation = remote.current_generation()
        assert isinstance(generation, Generation)
        rows = remote.query(
            f"SELECT ?p {generation.dataset([claim])} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
        )
        assert isinstance(rows, QuerySolutions)
        assert [row["p"].value for row in rows] == ["https://w3id.org/attest/ontology#armed"]  # type: ignore[union-attr]
        assert generation.original(generation.graph(claim)) == claim


def test_a_remote_load_that_fails_midway_leaves_readers_on_the_old_generation(
    oxigraph_server: str, settings: Settings
) -> None:
    with _generations(oxigraph_server) as remote:
        pipeline.load(settings, store=remote)
        old = remote.current_generation()
        before = _dataset(remote.quads())
    with _generations(oxigraph_server, batch_quads=200, fail_after=2) as failing:
        with pytest.raises(StoreError, match="connection dropped"):
            pipeline.load(settings, store=failing)
        assert len(failing.sent) == 2, "two batches went out before the failure"
        assert failing.current_generation() == old
        _assert_same(_dataset(failing.quads()), before)


def test_remote_generations_keep_only_the_current_and_the_previous(
    oxigraph_server: str, settings: Settings
) -> None:
    with _generations(oxigraph_server) as remote:
        seen = []
        for _ in range(3):
            pipeline.load(settings, store=remote)
            seen.append(remote.current_generation())
        names = _graph_names(remote)
        first, second, third = seen
        assert first is not None and second is not None and third is not None
        assert second.default_graph in names and third.default_graph in names
        assert not any(n == first.default_graph or n.startswith(first.named_prefix) for n in names)
        assert remote.pointer in names
