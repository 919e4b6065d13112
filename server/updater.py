"""The update process: SPARQL updates on the on-disk store, one at a time, with no network.

It is started once with the server (when updates are allowed) rather than per
update: starting a Python process and opening the store cost far more than an
update. It cuts itself off the network first (:func:`server.isolation.isolate`),
so LOAD or SERVICE could reach nothing even if a check missed them, then holds
the working copy of the store (:mod:`loader.working`) for as long as it runs.

Per update: the server sends the text; the process makes sure its copy is the
live version and says "started"; then it checks the update
(:mod:`server.updates`), applies it to the copy, checks the result and switches,
and answers ``(status, message)``. The update's time (``query_timeout``) runs
from "started", so remaking the copy after a load does not count against it. An
update that runs too long, or that kills the process, gets the process
replaced; the copy it held is made again, the store is never switched.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import resource
import threading
import traceback
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import Any

from loader import versions
from loader.errors import LoadError
from loader.errors import QueryError
from loader.errors import QueryTimeoutError
from loader.errors import StoreError
from loader.iris import Iris
from loader.settings import Settings
from loader.versions import StoreChangedError
from loader.working import WorkingCopy
from server import isolation
from server import updates

log = logging.getLogger(__name__)

STARTUP_TIMEOUT = 120.0  # seconds to start, or to make the working copy of a large store


def _main(settings: Settings, connection: Connection) -> None:
    """Body of the update process: isolate, then apply updates until told to stop."""
    try:
        if settings.network_isolation:
            isolation.isolate()
    except (LoadError, OSError) as exc:
        connection.send(("failed", str(exc)))
        return
    connection.send(("ready", ""))
    working = WorkingCopy(settings.data_dir, keep=versions.grace(settings))
    iris = Iris(settings.base_iri)
    try:
        with contextlib.suppress(StoreError):  # no store yet, or another holder: said per update
            working.store()  # ready before the first update comes
        while True:
            try:
                text = connection.recv()
            except (EOFError, OSError):
                return
            if text is None:
                return
            connection.send(_apply(settings, working, iris, text, connection))
    finally:
        working.close()


def _apply(
    settings: Settings, working: WorkingCopy, iris: Iris, text: str, connection: Connection
) -> tuple[int, str]:
    """Apply one update; say "started" once the copy is ready, then return (status, message)."""
    try:
        working.store()  # made again here if a load replaced the live version
        connection.send(("started", ""))
        with _memory_capped(settings.query_memory_limit):
            updates.apply_to_copy(working, text, iris, may_run=settings.network_isolation)
    except StoreChangedError as exc:
        return 409, f"{exc}; nothing was changed: send the update again"
    except QueryError as exc:
        return exc.status, str(exc)
    except MemoryError:
        return 422, _memory_message(settings)
    except (LoadError, OSError) as exc:
        return 503, f"the update failed, the store was not changed: {exc}"
    except Exception:  # reported to the server, which logs it and answers a plain 500
        return 500, traceback.format_exc()
    return 204, ""


@contextlib.contextmanager
def _memory_capped(megabytes: int) -> Iterator[None]:
    """Let an update add at most *megabytes* of address space, then lift the cap again.

    Only the soft limit is set, so it can be lifted: the working copy and the
    engine's caches grow between updates and must not count against the next one.
    """
    previous = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/status", encoding="ascii") as status:
        size = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
    limit = size + megabytes * 1024 * 1024
    if previous[1] != resource.RLIM_INFINITY:
        limit = min(limit, previous[1])
    resource.setrlimit(resource.RLIMIT_AS, (limit, previous[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, previous)


def _memory_message(settings: Settings) -> str:
    return (
        f"the update needed more than {settings.query_memory_limit} MB of memory and was "
        "stopped (setting query_memory_limit); the store was not changed: split it up"
    )


class Updater:
    """The server's side of the update process: start it, send updates one at a time, replace it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._context = multiprocessing.get_context("spawn")
        self._turn = threading.Lock()
        self._start()

    def _start(self) -> None:
        self.connection, child = self._context.Pipe()
        self.process: Any = self._context.Process(
            target=_main, args=(self.settings, child), daemon=True
        )
        self.process.start()
        child.close()
        self.ready = False

    def _receive(self, timeout: float, waiting_for: str) -> Any:
        if not self.connection.poll(timeout):
            raise TimeoutError(waiting_for)
        return self.connection.recv()

    def run(self, text: str) -> None:
        """Apply *text* in the update process.

        :raises QueryError: 400 malformed, 403 refused, 409 the store was reloaded
            meanwhile, 422 too much memory, 503 too slow or another update holds the turn.
        :raises StoreError: if the process cannot start or the store cannot be written.
        """
        timeout = self.settings.query_timeout
        if not self._turn.acquire(timeout=timeout):
            raise QueryTimeoutError(
                f"another update kept the store busy for {timeout:g} s (setting query_timeout); "
                "try again shortly"
            )
        try:
            status, message = self._exchange(text, timeout)
        finally:
            self._turn.release()
        if status == 204:
            return
        if status == 500:
            log.error("update process error: %s", message)
            raise RuntimeError("the update process failed (the store was not changed)")
        if status == 503:
            raise StoreError(message)
        raise QueryError(message, status=status)

    def _exchange(self, text: str, timeout: float) -> tuple[int, str]:
        try:
            if not self.ready:
                state, reason = self._receive(STARTUP_TIMEOUT, "to start")
                if state != "ready":
                    self._replace()
                    raise StoreError(f"the update process could not start: {reason}")
                self.ready = True
            self.connection.send(text)
            first: tuple[Any, str] = self._receive(STARTUP_TIMEOUT, "to open the store")
            if first[0] != "started":
                return first  # it ended before it started: no store, say
            answer: tuple[int, str] = self._receive(timeout, "to apply the update")
            return answer
        except TimeoutError as exc:
            self._replace()
            raise QueryTimeoutError(
                f"the update took too long {exc} and was stopped (setting query_timeout); "
                "the store was not changed"
            ) from None
        except (EOFError, OSError):
            self.process.join(timeout=5)
            code = self.process.exitcode
            self._replace()
            log.warning("the update process died (exit code %s)", code)
            raise QueryError(
                "the update stopped the update process (it may have needed more memory than "
                f"setting query_memory_limit allows, {self.settings.query_memory_limit} MB); "
                "the store was not changed",
                status=422,
            ) from None

    def _replace(self) -> None:
        self._kill()
        self._start()

    def _kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()

    def close(self) -> None:
        try:
            self.connection.send(None)
            self.process.join(timeout=5)
        except (OSError, BrokenPipeError):
            pass
        self._kill()
