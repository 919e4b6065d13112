"""The on-disk store's versions: retired ones stay while readers may use them, then go.

Time is never waited for: a retired version is aged by setting its mark's
modification time into the past.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pyoxigraph import QuerySolutions

from loader import pipeline
from loader import versions
from loader.errors import StoreError
from loader.settings import Settings
from loader.store import open_store
from loader.versions import StoreChangedError

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def _names(data_dir: Path) -> set[str]:
    return {p.name for p in (data_dir / "stores").iterdir()}


def _live(data_dir: Path) -> str:
    name = versions.live_name(data_dir)
    assert name is not None
    return name


def _age(data_dir: Path, name: str, seconds: float) -> None:
    mark = data_dir / "marks" / f"{name}.retired"
    past = time.time() - seconds
    os.utime(mark, (past, past))


def _count(store: object) -> int:
    rows = store.query(COUNT)  # type: ignore[attr-defined]
    assert isinstance(rows, QuerySolutions)
    return int(next(rows)["n"].value)


def test_retired_stores_stay_for_their_readers_then_go(settings: Settings) -> None:
    pipeline.load(settings)
    first = _live(settings.data_dir)
    reader = open_store(settings).pinned()  # a request that started on the first version
    quads = _count(reader)
    pipeline.load(settings)
    second = _live(settings.data_dir)
    pipeline.load(settings)
    third = _live(settings.data_dir)
    assert _names(settings.data_dir) == {first, second, third}, "retired ones stay a while"
    assert _count(reader) == quads, "the reader still reads the version it started on"

    grace = versions.grace(settings)
    assert grace >= 3 * settings.query_timeout
    _age(settings.data_dir, first, grace + 1)
    _age(settings.data_dir, second, grace - 30)
    pipeline.load(settings)
    fourth = _live(settings.data_dir)
    assert _names(settings.data_dir) == {second, third, fourth}, "only the long-retired one went"


def test_a_store_being_written_is_never_removed(settings: Settings) -> None:
    pipeline.load(settings)
    with versions.writing(settings.data_dir) as target:
        target.mkdir()
        versions.remove_stale(settings.data_dir, keep=0)
        assert target.is_dir(), "a version being written survives another writer's clean-up"
    assert not target.exists(), "a version left unfinished goes when its writer leaves"


def test_a_version_left_by_a_writer_that_died_is_removed(settings: Settings) -> None:
    pipeline.load(settings)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    orphan = settings.data_dir / "stores" / versions.new_name()
    orphan.mkdir()
    (settings.data_dir / "marks" / f"{orphan.name}.writing").write_text(dead, encoding="ascii")
    versions.remove_stale(settings.data_dir, keep=1000)
    assert not orphan.exists()
    assert _names(settings.data_dir) == {_live(settings.data_dir)}


def test_an_update_does_not_switch_over_a_load_that_came_in_between(settings: Settings) -> None:
    pipeline.load(settings)
    made_from = _live(settings.data_dir)
    pipeline.load(settings)  # a load lands while the update is being written
    loaded = _live(settings.data_dir)
    with pytest.raises(StoreChangedError, match="replaced while this change was being written"):
        with versions.writing(settings.data_dir) as target:
            target.mkdir()
            versions.switch(settings.data_dir, target.name, expected=made_from)
    assert _live(settings.data_dir) == loaded
    assert not target.exists()
    assert issubclass(StoreChangedError, StoreError)
