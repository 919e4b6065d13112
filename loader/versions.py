"""The on-disk store's versions: a directory each under ``data_dir/stores/``, ``CURRENT`` naming the live one.

A writer (a load, an update) writes a new version in a directory of its own,
then makes it live with :func:`switch`: one rename of ``CURRENT``. Readers open
the live version read-only and reopen when ``CURRENT`` changes, so they see the
old version or the new one, never a mix.

Clean-up must never pull a version from under someone using it:

- a version being written is marked (``marks/NAME.writing``, holding the
  writer's process id) until it is live or dropped;
- a version that stops being live is marked retired (``marks/NAME.retired``)
  and kept for :func:`grace` seconds, time for the readers still on it to
  finish the request or query they started (a deleted directory fails them);
- anything else that is not live is removed at the next switch.

The switch holds a lock (``CURRENT.lock``), so an update can switch only if the
version it changed is still the live one (:class:`StoreChangedError` otherwise:
a load came in between, and switching would undo it).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from loader.errors import StoreError
from loader.settings import Settings

CURRENT = "CURRENT"
STORES = "stores"
MARKS = "marks"
LOCK = CURRENT + ".lock"
MINIMUM_GRACE = 120.0  # seconds a retired version is kept, at the least


class StoreChangedError(StoreError):
    """Another writer made a different version live while this one was being written."""


def grace(settings: Settings) -> float:
    """Seconds to keep a retired version: readers hold one version per request or query.

    A query stops at ``query_timeout``; three times that (at least two minutes)
    also covers the look-ups of one request.
    """
    return max(MINIMUM_GRACE, 3 * settings.query_timeout)


def new_name() -> str:
    """A fresh name for a version's directory, ordered by the time it was made."""
    return f"store-{time.strftime('%Y%m%dT%H%M%S')}-{time.time_ns() % 10**9:09d}"


def live_name(data_dir: Path) -> str | None:
    """The name of the live version, or None if nothing was loaded yet.

    :raises StoreError: if ``CURRENT`` exists but cannot be read.
    """
    try:
        name = (data_dir / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"cannot read {data_dir / CURRENT}: {exc}") from exc
    return name if name and (data_dir / STORES / name).is_dir() else None


@contextlib.contextmanager
def writing(data_dir: Path) -> Iterator[Path]:
    """Mark a new version as being written; yield its (not yet existing) directory.

    On leaving, the mark goes; so does the directory unless the block made it live.

    :raises StoreError: if the directories cannot be created.
    """
    name = new_name()
    marks = data_dir / MARKS
    try:
        (data_dir / STORES).mkdir(parents=True, exist_ok=True)
        marks.mkdir(exist_ok=True)
        (marks / f"{name}.writing").write_text(str(os.getpid()), encoding="ascii")
    except OSError as exc:
        raise StoreError(f"cannot create {data_dir / STORES}: {exc}") from exc
    target = data_dir / STORES / name  # created only after the mark, which clean-up checks
    try:
        yield target
    finally:
        if live_name(data_dir) != name and not (marks / f"{name}.retired").exists():
            shutil.rmtree(target, ignore_errors=True)
        (marks / f"{name}.writing").unlink(missing_ok=True)


def switch(data_dir: Path, name: str, *, expected: str | None = None, keep: float = 0.0) -> None:
    """Make the version *name* live (one rename), retire the one it replaces, clean up.

    :param expected: switch only if this version is still the live one (an update
        made from it); None switches whatever is live (a load).
    :param keep: seconds to keep retired versions (see :func:`grace`).
    :raises StoreChangedError: if *expected* is no longer live; nothing was switched.
    :raises StoreError: if ``CURRENT`` cannot be written.
    """
    try:
        with _locked(data_dir):
            previous = live_name(data_dir)
            if expected is not None and previous != expected:
                raise StoreChangedError(
                    f"the store was replaced while this change was being written "
                    f"(by a load: {previous or 'nothing'} instead of {expected})"
                )
            pointer = data_dir / (CURRENT + ".tmp")
            pointer.write_text(name + "\n", encoding="utf-8")
            os.replace(pointer, data_dir / CURRENT)  # the atomic step
            if previous and previous != name:
                (data_dir / MARKS).mkdir(exist_ok=True)
                (data_dir / MARKS / f"{previous}.retired").touch()
    except OSError as exc:
        raise StoreError(f"cannot switch the store in {data_dir}: {exc}") from exc
    remove_stale(data_dir, keep)


@contextlib.contextmanager
def _locked(data_dir: Path) -> Iterator[None]:
    with (data_dir / LOCK).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def remove_stale(data_dir: Path, keep: float) -> None:
    """Delete versions nobody can be using: not live, not being written, retired over *keep* s ago."""
    live = live_name(data_dir)
    marks = data_dir / MARKS
    now = time.time()
    for path in (data_dir / STORES).iterdir():
        if path.name == live or _being_written(marks / f"{path.name}.writing"):
            continue
        retired = marks / f"{path.name}.retired"
        try:
            if now - retired.stat().st_mtime < keep:
                continue
        except FileNotFoundError:
            pass  # never live, or left by a writer that died: nobody reads it
        shutil.rmtree(path, ignore_errors=True)
        retired.unlink(missing_ok=True)


def _being_written(mark: Path) -> bool:
    try:
        pid = int(mark.read_text(encoding="ascii"))
    except (OSError, ValueError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
