"""A writer's own copy of the live on-disk store: changed in place, published by checkpoint and switch.

Readers must never open a store that is being written (pyoxigraph calls that
undefined behaviour), and a change should cost what it changes, not what the
store holds. So one writer process keeps a copy of the live version open for
writing, in ``data_dir/working`` where no reader looks:

1. the copy starts as a hard-link checkpoint of the live version
   (``Store.backup``: the immutable files are linked, not copied);
2. a change is applied to the copy in place, then checked there;
3. a hard-link checkpoint of the copy becomes a new version, which is made
   live with the compare-and-switch of :mod:`loader.versions`.

Readers see the old version or the new one, never a partial change. The copy
stays open between changes, so a change opens nothing; it is made again from
the live version when a load replaced that, and thrown away whenever a change
or its check fails (it may hold part of the change). One process at a time
holds the copy (``working.lock``).
"""

from __future__ import annotations

import fcntl
import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from pyoxigraph import Store as OxStore

from loader import versions
from loader.errors import StoreError
from loader.versions import STORES

log = logging.getLogger(__name__)

WORKING = "working"
Change = Callable[[OxStore], None]


class WorkingCopy:
    """The copy of the live version that one writer changes; see the module docstring."""

    def __init__(self, data_dir: Path, *, keep: float = versions.MINIMUM_GRACE) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / WORKING
        self.keep = keep
        self._store: OxStore | None = None
        self._mirrors: str | None = None  # the version the copy holds
        self._lock: IO[str] | None = None

    def store(self) -> OxStore:
        """The copy, equal to the live version (made again if a load replaced that).

        Read it to decide on a change before making one; never write it directly.

        :raises StoreError: if there is no live version, or the copy cannot be made.
        """
        live = versions.live_name(self.data_dir)
        if live is None:
            raise StoreError(f"no store in {self.data_dir}; build it with 'attest load'")
        if self._store is None or self._mirrors != live:
            self._hold()
            self._make(live)
        assert self._store is not None
        return self._store

    def publish(self, change: Change, check: Change | None = None) -> str:
        """Apply *change* to the copy, run *check* on the result, then make it the live version.

        :returns: the name of the new live version.
        :raises StoreChangedError: if a load made another version live meanwhile (nothing
            was switched).
        :raises StoreError: if the copy or the new version cannot be written.
        Whatever *change* or *check* raise passes through, and nothing is switched.
        """
        store = self.store()
        made_from = self._mirrors
        try:
            change(store)
            if check is not None:
                check(store)
            with versions.writing(self.data_dir) as target:
                store.backup(str(target))  # flushes the change, links every file
                versions.switch(self.data_dir, target.name, expected=made_from, keep=self.keep)
        except OSError as exc:
            del store  # a traceback keeps this frame: the copy must close before it goes
            self.discard()
            raise StoreError(f"cannot write the new version of the store: {exc}") from exc
        except BaseException:
            del store
            self.discard()
            raise
        self._mirrors = target.name
        return target.name

    def discard(self) -> None:
        """Close and remove the copy; the next change makes it again from the live version."""
        self._store = None
        self._mirrors = None
        if self._lock is not None:
            shutil.rmtree(self.path, ignore_errors=True)

    def close(self) -> None:
        """Remove the copy and let another process hold it."""
        self.discard()
        if self._lock is not None:
            self._lock.close()  # releases the lock
            self._lock = None

    def _hold(self) -> None:
        """Take the lock on the copy, so that no other process changes or removes it.

        :raises StoreError: if another process holds it.
        """
        if self._lock is not None:
            return
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            handle = (self.data_dir / f"{WORKING}.lock").open("a")
        except OSError as exc:
            raise StoreError(f"cannot lock the working copy in {self.data_dir}: {exc}") from exc
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise StoreError(
                f"another process is changing the store in {self.data_dir} (a server with "
                "allow_updates on?); send the update there, or stop it first"
            ) from None
        self._lock = handle

    def _make(self, live: str) -> None:
        self.discard()
        # A fresh directory each time: a handle on the one before that a traceback still
        # keeps alive would hold its lock (RocksDB refuses to open a path twice in a process).
        target = self.path / f"copy-{time.time_ns()}"
        try:
            self.path.mkdir(exist_ok=True)
            source = OxStore.read_only(str(self.data_dir / STORES / live))
            source.backup(str(target))
            del source
            self._store = OxStore(str(target))
        except OSError as exc:
            self.discard()
            raise StoreError(f"cannot make a working copy of the store in {target}: {exc}") from exc
        self._mirrors = live
        log.info("working copy made from %s", live)
