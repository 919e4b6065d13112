"""Where SPARQL work runs: query workers, federation workers, isolated updates, fair turns.

- Queries without SERVICE run in the query workers, which reach no host at all.
- Queries whose every SERVICE endpoint is allow-listed run in the federation
  workers, which reach only the allow-listed hosts and ports.
- Updates run in a one-off process with no network (on-disk store).
- Each query waits for its turn at the :class:`~server.fairness.Gate`.

With the memory store (tests) everything runs in the server process; with the
remote store the remote engine evaluates, so the parser check in
:mod:`server.sparql` is what refuses LOAD and off-list SERVICE there.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection

from loader.errors import LoadError
from loader.errors import QueryError
from loader.errors import QueryTimeoutError
from loader.errors import StoreError
from loader.settings import Settings
from loader.store import Store
from loader.store import open_store
from server import isolation
from server.executor import STARTUP_TIMEOUT
from server.executor import Answer
from server.executor import InlineRunner
from server.executor import Job
from server.executor import ProcessPool
from server.fairness import Gate


def _update_main(settings: Settings, connection: Connection, text: str) -> None:
    """Body of a one-off update process: isolate, apply the update, report."""
    try:
        if settings.network_isolation and settings.store == "oxigraph":
            isolation.isolate()
        open_store(settings).update(text)
    except QueryError as exc:
        connection.send((exc.status, str(exc)))
    except (LoadError, OSError) as exc:
        connection.send((503, f"the update failed: {exc}"))
    else:
        connection.send((204, ""))


class Runners:
    """The query workers, the federation workers (if any), and isolated updates."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.federation: ProcessPool | None = None
        self.gate = Gate(
            settings, {"local": settings.query_workers, "federation": settings.federation_workers}
        )
        if settings.store == "memory":
            self.local: InlineRunner | ProcessPool = InlineRunner(store)
            return
        self.local = ProcessPool(settings, settings.query_workers)
        if settings.service_allowlist and settings.store == "oxigraph":
            targets = isolation.targets_of(settings.service_allowlist)
            try:
                self.federation = ProcessPool(settings, settings.federation_workers, targets)
            except isolation.IsolationError:
                self.local.close()
                raise

    @property
    def isolated(self) -> bool:
        """Whether queries run where nothing beyond the allow-list can be reached."""
        return self.local.isolated

    def run(self, job: Job, timeout: float, *, federated: bool = False, client: str = "") -> Answer:
        """Run *job* for *client* in the federation pool if *federated*, else in the local one.

        :raises BusyError: if the client's share or the server's queue is full (429/503).
        :raises QueryTimeoutError: if the query ran too long or no worker was free.
        :raises QueryError: if the query stopped its worker.
        """
        name = "federation" if federated and self.federation is not None else "local"
        pool = self.federation if name == "federation" and self.federation else self.local
        with self.gate.admit(client, name):
            try:
                return pool.run(job, timeout)
            except QueryTimeoutError as exc:
                if name != "federation":
                    raise
                raise QueryError(
                    f"{exc} — the query calls SERVICE endpoints, which may have been too slow",
                    status=504,
                ) from None

    def update(self, text: str) -> None:
        """Apply a SPARQL update, in a process with no network when the store is on disk.

        :raises QueryError: if the update is malformed (400) or took too long (503).
        :raises StoreError: if the store cannot be written.
        """
        if not self.isolated:
            self.store.update(text)
            return
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(target=_update_main, args=(self.settings, child, text))
        process.start()
        child.close()
        try:
            if not parent.poll(STARTUP_TIMEOUT + self.settings.query_timeout):
                raise QueryTimeoutError(
                    "the update ran too long and was stopped (setting query_timeout)"
                )
            status, message = parent.recv()
        except EOFError:
            raise StoreError("the update process died; the store was not changed") from None
        finally:
            process.kill()
            process.join(timeout=5)
            parent.close()
        if status == 503:
            raise StoreError(message)
        if status != 204:
            raise QueryError(message, status=status)

    def close(self) -> None:
        self.local.close()
        if self.federation is not None:
            self.federation.close()


def make_runner(settings: Settings, store: Store) -> Runners:
    """Start the query workers the settings ask for.

    :raises IsolationError: if the workers cannot be cut off from the network.
    """
    return Runners(settings, store)
