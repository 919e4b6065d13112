"""Where SPARQL work runs: query workers, federation workers, the update process, fair turns.

- Queries without SERVICE run in the query workers, which reach no host at all.
- Queries whose every SERVICE endpoint is allow-listed run in the federation
  workers, which reach only the allow-listed hosts and ports.
- Updates (on-disk store) run one at a time in the update process, which has
  no network either and keeps the working copy of the store open between
  updates (:mod:`loader.working`); the checks of :mod:`server.updates` run there.
- Each query waits for its turn at the :class:`~server.fairness.Gate`.

With the memory store (tests) everything runs in the server process; with the
remote store the remote engine evaluates, so the parser check in
:mod:`server.sparql` is what refuses LOAD and off-list SERVICE there.
"""

from __future__ import annotations

import threading

from loader.errors import QueryError
from loader.errors import QueryTimeoutError
from loader.iris import Iris
from loader.settings import Settings
from loader.store import Store
from server import isolation
from server import sparqltext
from server import updates
from server.executor import Answer
from server.executor import InlineRunner
from server.executor import Job
from server.executor import ProcessPool
from server.fairness import Gate
from server.updater import Updater


class Runners:
    """The query workers, the federation workers (if any), and the update process (if any)."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.federation: ProcessPool | None = None
        self.updater: Updater | None = None
        self._inline_updates = threading.Lock()
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
        if settings.allow_updates and settings.update_token and settings.store == "oxigraph":
            self.updater = Updater(settings)

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
        """Check and apply a SPARQL update: in the update process (on-disk store), else here.

        :raises UpdateRefusedError: if it would break one of Attest's invariants (403).
        :raises QueryError: if it is malformed (400), the store was reloaded meanwhile
            (409) or it took too long (503).
        :raises StoreError: if the store cannot be written.
        """
        if self.updater is not None:
            self.updater.run(text)
            return
        with self._inline_updates:  # one at a time, as in the update process
            updates.apply_checked(
                self.store,
                text,
                Iris(self.settings.base_iri),
                may_run=not sparqltext.may_reach_network(text),  # never reach out from here
            )

    def close(self) -> None:
        self.local.close()
        if self.federation is not None:
            self.federation.close()
        if self.updater is not None:
            self.updater.close()


def make_runner(settings: Settings, store: Store) -> Runners:
    """Start the query workers the settings ask for.

    :raises IsolationError: if the workers cannot be cut off from the network.
    """
    return Runners(settings, store)
