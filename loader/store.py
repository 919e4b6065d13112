"""Where the graph lives: an embedded on-disk Oxigraph store, memory, or a remote endpoint.

One setting (``store``) chooses. All three offer the same operations (the remote
store is in :mod:`loader.remote`):

- :meth:`query` runs SPARQL with Oxigraph's engine (locally) or the endpoint's;
- :meth:`replace` swaps in a whole new dataset atomically: readers see the old
  one or the new one, never half of either;
- :meth:`quads` streams the dataset back (for export and tests).

The on-disk store keeps each load in its own directory under
``data_dir/stores/`` and a ``CURRENT`` file naming the live one. A load writes
a fresh directory, then replaces ``CURRENT`` with one rename, so a crash
mid-load leaves the previous store live. Readers open the live directory
read-only and reopen when ``CURRENT`` changes; a replaced version stays a while
for the readers still on it (:mod:`loader.versions`).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol
from typing import TypeVar

from pyoxigraph import Literal
from pyoxigraph import NamedNode
from pyoxigraph import Quad
from pyoxigraph import QueryBoolean
from pyoxigraph import QuerySolutions
from pyoxigraph import QueryTriples
from pyoxigraph import Store as OxStore
from pyoxigraph import Triple

from loader import versions
from loader.errors import QueryError
from loader.errors import StoreError
from loader.settings import Settings
from loader.versions import STORES
from loader.working import WorkingCopy

log = logging.getLogger(__name__)

Term = NamedNode | Literal
Result = QuerySolutions | QueryBoolean | QueryTriples | Iterator[Triple]
Check = Callable[[OxStore], None]
Stages = Callable[[str, int, int], None]
_S = TypeVar("_S", bound="_Closing")
BULK_SLICE = 250_000  # quads per bulk-loader call


def _counting(quads: Iterator[Quad], taken: list[int]) -> Iterator[Quad]:
    for quad in quads:
        taken[0] += 1
        yield quad


class Store(Protocol):
    """What every back end offers."""

    kind: str

    def query(
        self,
        sparql: str,
        *,
        union: bool = False,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        base_iri: str | None = None,
    ) -> Result:
        """Run a SPARQL query (*base_iri* resolves its relative IRIs).

        :raises QueryError: if the query does not parse or the endpoint refuses it.
        :raises StoreError: if the store cannot be read.
        """

    def replace(
        self, quads: Iterable[Quad], check: Check | None = None, progress: Stages | None = None
    ) -> int:
        """Replace the whole dataset atomically; return the number of quads written.

        :param check: called with the staged new dataset before it goes live; if
            it raises, the new dataset is dropped and the old one stays.
        :param progress: told of the store's own stages as ``(stage, done, total)``.
        :raises StoreError: if writing fails (the previous dataset stays live).
        """

    def update(self, sparql: str) -> None:
        """Apply a SPARQL Update atomically (the server allows it only when configured).

        :raises QueryError: if the update does not parse.
        :raises StoreError: if the store cannot be written.
        """

    def quads(self) -> Iterator[Quad]:
        """Stream every quad of the dataset."""

    def is_empty(self) -> bool:
        """Tell whether the store holds no data yet."""

    def pinned(self) -> Store:
        """This store as it is now, for several queries that must read one version.

        A load that switches the on-disk store meanwhile is not seen by the pinned
        view (it keeps reading the version it started with).
        """

    def close(self) -> None:
        """Release the store's resources."""

    def __enter__(self) -> Store:
        """Use as a context manager that closes the store."""

    def __exit__(self, *_: object) -> None:
        """Close the store."""


class _Closing:
    """Context-manager support: ``with open_store(settings) as store: …``."""

    def close(self) -> None:
        return None

    def pinned(self) -> Store:
        return self  # type: ignore[return-value]  # one version already (memory, remote)

    def __enter__(self: _S) -> _S:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def open_store(settings: Settings, *, writable: bool = False) -> Store:
    """Open the store the settings name.

    :param writable: open for :meth:`Store.replace` (loaders) rather than read-only.
    :raises StoreError: if it cannot be opened.
    """
    if settings.store == "memory":
        return MemoryStore()
    if settings.store == "remote":
        from loader.remote import RemoteStore

        return RemoteStore(
            settings.store_url,
            settings.update_url or settings.store_url,
            base_iri=settings.base_iri,
        )
    return OxigraphStore(settings.data_dir, writable=writable, keep=versions.grace(settings))


def _query_local(
    store: OxStore,
    sparql: str,
    union: bool,
    default_graphs: list[str] | None,
    named_graphs: list[str] | None,
    base_iri: str | None,
) -> Result:
    options: dict[str, object] = {}
    if base_iri:
        options["base_iri"] = base_iri
    if union:
        options["use_default_graph_as_union"] = True
    if default_graphs:
        options["default_graph"] = [NamedNode(iri) for iri in default_graphs]
    if named_graphs:
        options["named_graphs"] = [NamedNode(iri) for iri in named_graphs]
    try:
        return store.query(sparql, **options)  # type: ignore[arg-type]
    except SyntaxError as exc:
        raise QueryError(f"SPARQL syntax error: {exc}") from None
    except OSError as exc:
        raise StoreError(f"cannot read the store: {exc}") from exc


def apply_update(store: OxStore, sparql: str) -> None:
    """Run a SPARQL Update on an Oxigraph store, in one transaction.

    :raises QueryError: if it does not parse, or fails as SPARQL says it should (DROP of a
        graph that does not exist, without SILENT).
    :raises StoreError: if the store cannot be written.
    """
    try:
        store.update(sparql)
    except SyntaxError as exc:
        raise QueryError(f"SPARQL syntax error: {exc}") from None
    except OSError as exc:
        raise StoreError(f"cannot write the store: {exc}") from exc
    except RuntimeError as exc:  # the engine's evaluation errors: "The graph <g> does not exist"
        raise QueryError(f"the update failed: {exc}") from None


class _LocalStore(_Closing):
    """Queries and reads served by Oxigraph in this process (memory and on-disk stores)."""

    def _oxigraph(self) -> OxStore:
        raise NotImplementedError

    def query(
        self,
        sparql: str,
        *,
        union: bool = False,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        base_iri: str | None = None,
    ) -> Result:
        return _query_local(self._oxigraph(), sparql, union, default_graphs, named_graphs, base_iri)

    def quads(self) -> Iterator[Quad]:
        return iter(self._oxigraph())


class MemoryStore(_LocalStore):
    """An in-memory Oxigraph store, for tests. Gone when the process ends."""

    kind = "memory"

    def __init__(self) -> None:
        self._store = OxStore()

    def _oxigraph(self) -> OxStore:
        return self._store

    def replace(
        self, quads: Iterable[Quad], check: Check | None = None, progress: Stages | None = None
    ) -> int:
        fresh = OxStore()
        fresh.extend(quads)
        if check is not None:
            check(fresh)
        self._store = fresh  # one reference swap: readers see old or new
        return len(fresh)

    def update(self, sparql: str) -> None:
        apply_update(self._store, sparql)

    def is_empty(self) -> bool:
        return len(self._store) == 0

    def close(self) -> None:
        return None


class OxigraphStore(_LocalStore):
    """The embedded on-disk store (RocksDB via pyoxigraph), swapped atomically per load."""

    kind = "oxigraph"

    def __init__(
        self, data_dir: Path, *, writable: bool = False, keep: float = versions.MINIMUM_GRACE
    ) -> None:
        self.data_dir = Path(data_dir)
        self.writable = writable
        self.keep = keep  # seconds a retired version stays for its readers
        self._store: OxStore | None = None
        self._opened: str | None = None

    @property
    def current_path(self) -> Path | None:
        """The live store directory, or None if nothing was loaded yet."""
        name = versions.live_name(self.data_dir)
        return self.data_dir / STORES / name if name else None

    def pinned(self) -> Store:
        return _PinnedStore(self._oxigraph())

    def _oxigraph(self) -> OxStore:
        path = self.current_path
        if path is None:
            raise StoreError(
                f"no store in {self.data_dir}; build it with 'attest load' (or 'attest serve')"
            )
        if self._store is None or self._opened != path.name:
            try:
                self._store = OxStore.read_only(str(path))
            except OSError as exc:
                raise StoreError(f"cannot open the store in {path}: {exc}") from exc
            self._opened = path.name
        return self._store

    def replace(
        self, quads: Iterable[Quad], check: Check | None = None, progress: Stages | None = None
    ) -> int:
        if not self.writable:
            raise StoreError("the store was opened read-only")
        tell = progress or (lambda stage, done, total: None)

        def fill(fresh: OxStore) -> None:
            # The bulk loader (sorted files, no transaction log) buffers what it is given
            # (about 1 KB a quad): feeding it in slices keeps memory bounded at any size.
            it = iter(quads)
            taken = [BULK_SLICE]
            while taken[0] == BULK_SLICE:
                taken[0] = 0
                fresh.bulk_extend(_counting(itertools.islice(it, BULK_SLICE), taken))
            fresh.flush()
            if check is not None:
                check(fresh)
            tell("optimizing", 0, 1)
            fresh.optimize()  # compact once now rather than on the readers' time
            tell("optimizing", 1, 1)

        return self._write_new(fill)

    def update(self, sparql: str) -> None:
        """Apply *sparql* to a working copy of the live store, then switch (:mod:`loader.working`).

        One update, so the copy is made for it and removed after; a server that
        takes updates keeps its copy open between them instead.
        """
        working = WorkingCopy(self.data_dir, keep=self.keep)
        try:
            working.publish(lambda store: apply_update(store, sparql))
        finally:
            working.close()

    def _write_new(self, fill: Callable[[OxStore], None]) -> int:
        """Write a new store directory with *fill*, then make it the live one (one rename)."""
        with versions.writing(self.data_dir) as target:
            try:
                fresh = OxStore(str(target))
                fill(fresh)
                count = len(fresh)
                del fresh
            except OSError as exc:
                raise StoreError(f"cannot write the store in {target}: {exc}") from exc
            versions.switch(self.data_dir, target.name, keep=self.keep)
        return count

    def is_empty(self) -> bool:
        return self.current_path is None

    def close(self) -> None:
        self._store = None
        self._opened = None


class _PinnedStore(_LocalStore):
    """One version of the on-disk store, held by a reader; it is never written."""

    kind = "oxigraph"

    def __init__(self, store: OxStore) -> None:
        self._store = store

    def _oxigraph(self) -> OxStore:
        return self._store

    def replace(
        self, quads: Iterable[Quad], check: Check | None = None, progress: Stages | None = None
    ) -> int:
        raise StoreError("a pinned view of the store is read-only")

    def update(self, sparql: str) -> None:
        raise StoreError("a pinned view of the store is read-only")

    def is_empty(self) -> bool:
        return next(iter(self._store), None) is None


def __getattr__(name: str) -> object:
    """``loader.store.RemoteStore`` lives in :mod:`loader.remote` (imported on first use)."""
    if name == "RemoteStore":
        from loader.remote import RemoteStore

        return RemoteStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
