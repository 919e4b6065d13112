"""Share the query workers fairly between clients, and shed load instead of hanging.

A client (its remote address) may have ``client_queries`` queries running and
``client_queue`` more waiting; one more is answered 429. All clients together may
have ``queue_limit`` queries waiting; one more is answered 503. Both carry
Retry-After. A query that waited a whole ``query_timeout`` for its turn is
answered 503 too, so no request hangs.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from loader.errors import QueryError
from loader.settings import Settings


class BusyError(QueryError):
    """The server, or this client's share of it, is busy: try again later."""


class Gate:
    """Admit SPARQL work per client and per pool, within the configured bounds."""

    def __init__(self, settings: Settings, capacity: dict[str, int]) -> None:
        self.settings = settings
        self.capacity = capacity
        self._turn = threading.Condition()
        self._running: Counter[str] = Counter()
        self._pools: Counter[str] = Counter()
        self._waiting: Counter[str] = Counter()
        self._all_waiting = 0

    def _free(self, client: str, pool: str) -> bool:
        return (
            self._running[client] < self.settings.client_queries
            and self._pools[pool] < self.capacity[pool]
        )

    @contextmanager
    def admit(self, client: str, pool: str = "local") -> Iterator[None]:
        """Hold a place for *client* in *pool* while the body runs.

        :raises BusyError: 429 if the client's queue is full, 503 if the server's
            queue is full or the turn did not come within ``query_timeout``.
        """
        settings = self.settings
        with self._turn:
            if not self._free(client, pool):
                if self._waiting[client] >= settings.client_queue:
                    raise BusyError(
                        f"you have {self._running[client]} queries running and "
                        f"{self._waiting[client]} waiting, the most one client may "
                        "(settings client_queries and client_queue); wait for them to finish",
                        status=429,
                    )
                if self._all_waiting >= settings.queue_limit:
                    raise BusyError(
                        f"the server has {self._all_waiting} queries waiting, its most "
                        "(setting queue_limit); try again shortly",
                        status=503,
                    )
                self._waiting[client] += 1
                self._all_waiting += 1
                try:
                    came = self._turn.wait_for(
                        lambda: self._free(client, pool), settings.query_timeout
                    )
                finally:
                    self._waiting[client] -= 1
                    self._all_waiting -= 1
                    if not self._waiting[client]:
                        del self._waiting[client]
                if not came:
                    raise BusyError(
                        f"no query worker came free within {settings.query_timeout:g} s "
                        "(settings query_workers and query_timeout); try again shortly",
                        status=503,
                    )
            self._running[client] += 1
            self._pools[pool] += 1
        try:
            yield
        finally:
            with self._turn:
                self._running[client] -= 1
                self._pools[pool] -= 1
                if not self._running[client]:
                    del self._running[client]
                self._turn.notify_all()
