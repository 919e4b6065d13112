"""Updates on the on-disk store: a working copy changed in place, published by checkpoint and switch.

Readers are sampled at deterministic points inside an update: in the change
itself (after the engine applied it to the copy) and in the check that runs
before the switch. No thread, no timing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pyoxigraph import QueryBoolean
from pyoxigraph import Store as OxStore

from loader import pipeline
from loader import versions
from loader.errors import StoreError
from loader.settings import Settings
from loader.store import Store
from loader.store import apply_update
from loader.store import open_store
from loader.versions import StoreChangedError
from loader.working import WorkingCopy

NOTE = "INSERT DATA { GRAPH <urn:notes> { <urn:n1> <urn:says> 'first' } }"
SEEN = "ASK { GRAPH <urn:notes> { <urn:n1> <urn:says> 'first' } }"


def _sees(store: Store | OxStore) -> bool:
    answer = store.query(SEEN)
    assert isinstance(answer, QueryBoolean)
    return bool(answer)


def _names(data_dir: Path) -> set[str]:
    return {p.name for p in (data_dir / "stores").iterdir()}


@pytest.fixture
def loaded(settings: Settings) -> Settings:
    pipeline.load(settings)
    return settings


@pytest.mark.parametrize("accept", [True, False], ids=["check-passes", "check-fails"])
def test_readers_never_see_a_partial_update(loaded: Settings, accept: bool) -> None:
    reader = open_store(loaded)  # follows CURRENT, like the query workers
    pinned = reader.pinned()  # one request's view
    before = versions.live_name(loaded.data_dir)
    names = _names(loaded.data_dir)
    seen: dict[str, list[bool]] = {"copy": [], "change": [], "check": []}

    def change(copy: OxStore) -> None:
        apply_update(copy, NOTE)
        seen["copy"].append(_sees(copy))
        seen["change"].append(_sees(reader))

    def check(copy: OxStore) -> None:
        seen["check"].append(_sees(reader))
        if not accept:
            raise StoreError("refused by the check (test)")

    working = WorkingCopy(loaded.data_dir)
    try:
        if accept:
            working.publish(change, check)
        else:
            with pytest.raises(StoreError, match="refused by the check"):
                working.publish(change, check)
    finally:
        working.close()
    assert seen == {"copy": [True], "change": [False], "check": [False]}
    assert _sees(reader) is accept, "after the switch a reader sees the whole update"
    assert _sees(pinned) is False, "a request that started before keeps its version"
    after = versions.live_name(loaded.data_dir)
    assert (after == before) is not accept
    if not accept:
        assert _names(loaded.data_dir) == names, "nothing written is left behind"


def _inodes(version: Path) -> set[int]:
    return {path.stat().st_ino for path in version.glob("*.sst")}


def test_the_copy_stays_open_between_updates_and_versions_are_hard_links(loaded: Settings) -> None:
    stores = loaded.data_dir / "stores"
    live = versions.live_name(loaded.data_dir)
    assert live is not None
    loaded_files = _inodes(stores / live)
    working = WorkingCopy(loaded.data_dir)
    try:
        copy = working.store()
        name = working.publish(lambda store: apply_update(store, NOTE))
        assert working.store() is copy, "the next update opens nothing"
        working.publish(lambda store: apply_update(store, NOTE.replace("first", "second")))
    finally:
        working.close()
    assert loaded_files and loaded_files <= _inodes(stores / name), "nothing was copied"
    assert not (loaded.data_dir / "working").exists(), "closing removes the copy"


def test_a_load_replaces_the_copy_and_an_update_never_undoes_a_load(loaded: Settings) -> None:
    working = WorkingCopy(loaded.data_dir)
    try:
        working.publish(lambda store: apply_update(store, NOTE))
        assert _sees(working.store())
        pipeline.load(loaded)  # the seeds are the source of truth: the note is gone
        assert not _sees(working.store()), "after a load the copy is made from the new store"

        def load_meanwhile(store: OxStore) -> None:
            apply_update(store, NOTE)
            pipeline.load(loaded)

        with pytest.raises(StoreChangedError):
            working.publish(load_meanwhile)
        loaded_version = versions.live_name(loaded.data_dir)
        assert not _sees(open_store(loaded)), "the load stays live"
        working.publish(lambda store: apply_update(store, NOTE))
        assert _sees(open_store(loaded)), "the next update starts from the load"
        assert versions.live_name(loaded.data_dir) != loaded_version
    finally:
        working.close()


def test_one_process_at_a_time_holds_the_working_copy(loaded: Settings) -> None:
    first = WorkingCopy(loaded.data_dir)
    try:
        first.store()
        with pytest.raises(StoreError, match="another process is changing the store"):
            WorkingCopy(loaded.data_dir).store()
        assert (loaded.data_dir / "working").is_dir(), "the holder's copy is left alone"
    finally:
        first.close()
    second = WorkingCopy(loaded.data_dir)
    second.store()
    second.close()


def test_store_update_goes_through_a_working_copy(loaded: Settings) -> None:
    store = open_store(loaded, writable=True)
    store.update(NOTE)
    assert _sees(open_store(loaded))
    assert not (loaded.data_dir / "working").exists()
    assert os.listdir(loaded.data_dir / "marks")  # the replaced version is marked retired
