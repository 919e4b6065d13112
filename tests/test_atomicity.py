"""Loads are atomic: readers see the old data or the new, never half, never an unchecked load.

Old and new data differ (the new fixture drops one of the five assertions), so
a store that swapped in new data too early, or kept it after its check failed,
is caught. The reader is sampled in the middle of a load deterministically:
the quads a load writes come from a generator that stops half-way to query the
store, and the check passed to ``replace`` queries it again before the swap.
No thread, no timing.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import Quad
from pyoxigraph import QuerySolutions
from pyoxigraph import Store as OxStore

from loader import pipeline
from loader.errors import ValidationError
from loader.settings import Settings
from loader.store import MemoryStore
from loader.store import OxigraphStore
from loader.store import Store
from loader.store import open_store
from tests.inprocess import fixture_app
from tests.inprocess import fixture_settings

ASSERTIONS = "SELECT (COUNT(*) AS ?n) WHERE { ?a a <https://w3id.org/attest/ontology#Assertion> }"
DROPPED = "  - id: page-guild-met-council-again"
OLD, NEW = 5, 4


def _count(store: Store | OxStore) -> int:
    rows = store.query(ASSERTIONS)
    assert isinstance(rows, QuerySolutions)
    return int(next(rows)["n"].value)


def _drop_last_assertion(settings: Settings) -> None:
    page = settings.seeds_dir / "documents" / "page.yaml"
    text = page.read_text(encoding="utf-8")
    assert text.count(DROPPED) == 1
    page.write_text(text.split(DROPPED)[0], encoding="utf-8")


def _old_and_new(root: Path) -> tuple[list[Quad], list[Quad]]:
    """The quads of the good fixture (5 assertions) and of the fixture less one (4), once each."""
    old = list(dict.fromkeys(pipeline.quads_of(pipeline.prepare(fixture_settings(root / "old")))))
    changed = fixture_settings(root / "new")
    _drop_last_assertion(changed)
    new = list(dict.fromkeys(pipeline.quads_of(pipeline.prepare(changed))))
    return old, new


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Quad], list[Quad]]:
    return _old_and_new(tmp_path_factory.mktemp("atomicity"))


class Probe:
    """Samples a reader in the middle of a load: half-way through the quads, and in the check."""

    def __init__(self, reader: Store, quads: list[Quad], *, accept: bool) -> None:
        self.reader = reader
        self.quads = quads
        self.accept = accept
        self.mid_load: list[int] = []
        self.in_check: list[int] = []
        self.staged: list[int] = []

    def stream(self) -> Iterator[Quad]:
        half = len(self.quads) // 2
        yield from self.quads[:half]
        self.mid_load.append(_count(self.reader))
        yield from self.quads[half:]

    def check(self, staged: OxStore) -> None:
        self.staged.append(_count(staged))
        self.in_check.append(_count(self.reader))
        if not self.accept:
            raise ValidationError([])


@pytest.mark.parametrize("accept", [True, False], ids=["check-passes", "check-fails"])
def test_memory_store_serves_old_data_until_its_check_passes(
    data: tuple[list[Quad], list[Quad]], accept: bool
) -> None:
    old, new = data
    store = MemoryStore()
    assert store.replace(iter(old)) == len(old)
    assert _count(store) == OLD
    probe = Probe(store, new, accept=accept)
    if accept:
        assert store.replace(probe.stream(), check=probe.check) == len(new)
    else:
        with pytest.raises(ValidationError):
            store.replace(probe.stream(), check=probe.check)
    assert probe.mid_load == [OLD] and probe.in_check == [OLD], "new data live before its check"
    assert probe.staged == [NEW], "the check sees the new data"
    assert _count(store) == (NEW if accept else OLD)
    assert len(list(store.quads())) == (len(new) if accept else len(old))


@pytest.mark.parametrize("accept", [True, False], ids=["check-passes", "check-fails"])
def test_on_disk_reader_sees_old_store_mid_load_then_new_or_old(
    tmp_path: Path, data: tuple[list[Quad], list[Quad]], accept: bool
) -> None:
    old, new = data
    settings = fixture_settings(tmp_path).replace(store="oxigraph")
    writer = OxigraphStore(settings.data_dir, writable=True)
    writer.replace(iter(old))
    reader = open_store(settings)
    assert _count(reader) == OLD
    current = (settings.data_dir / "CURRENT").read_text(encoding="utf-8")
    stores = {p.name for p in (settings.data_dir / "stores").iterdir()}

    probe = Probe(reader, new, accept=accept)
    seen_dirs: list[set[str]] = []
    stream = probe.stream()

    def watched() -> Iterator[Quad]:
        for index, quad in enumerate(stream):
            if index == len(new) // 2:
                seen_dirs.append({p.name for p in (settings.data_dir / "stores").iterdir()})
            yield quad

    if accept:
        writer.replace(watched(), check=probe.check)
    else:
        with pytest.raises(ValidationError):
            writer.replace(watched(), check=probe.check)
    assert seen_dirs and len(seen_dirs[0] - stores) == 1, "the sample was taken mid-load"
    assert probe.mid_load == [OLD] and probe.in_check == [OLD]
    assert probe.staged == [NEW]
    assert _count(reader) == (NEW if accept else OLD)
    after = (settings.data_dir / "CURRENT").read_text(encoding="utf-8")
    assert (after == current) is not accept
    if not accept:
        assert {p.name for p in (settings.data_dir / "stores").iterdir()} == stores


def test_failed_load_leaves_the_app_serving_the_old_data(tmp_path: Path) -> None:
    """What a user sees: the server keeps answering from the old data after a refused load."""
    with fixture_app(tmp_path) as app:
        client = app.test_client()
        before = client.get("/api/provenance?predicate=met&per_page=100").get_json()
        assert before["total"] >= 1, "the assertion the new seeds drop is served"
        settings = fixture_settings(tmp_path)
        _drop_last_assertion(settings)
        ontology = tmp_path / "ontology"
        shutil.copytree(settings.ontology_dir, ontology)
        with (ontology / "shapes.ttl").open("a", encoding="utf-8") as shapes:
            shapes.write(
                "\nshapes:PublisherRequired a sh:NodeShape ; sh:targetClass at:Letter ;\n"
                '  sh:property [ sh:path dcterms:publisher ; sh:minCount 1 ; sh:message "a letter needs a publisher" ] .\n'
            )
        with pytest.raises(ValidationError, match="a letter needs a publisher"):
            pipeline.load(
                settings.replace(ontology_dir=ontology), store=app.extensions["attest"].store
            )
        after = client.get("/api/provenance?predicate=met&per_page=100").get_json()
        assert after == before
        sparql = client.get(
            "/sparql", query_string={"query": ASSERTIONS}, headers={"Accept": "application/json"}
        ).get_json()
        assert sparql["results"]["bindings"][0]["n"]["value"] == str(OLD)
        pipeline.load(settings, store=app.extensions["attest"].store)
        assert client.get("/api/provenance?predicate=met").get_json()["total"] == 0
