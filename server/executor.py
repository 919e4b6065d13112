"""Run users' SPARQL queries with a timeout that really stops them, and a result cap.

Queries run in worker processes, each with the store opened read-only. When a
query outlives ``query_timeout`` its process is killed — Oxigraph cannot be
interrupted from Python — and a fresh one takes its place, so the worker is
free again. An answer longer than ``result_limit`` rows or triples is cut, and
says so (headers, and in the body where the format allows).

A worker cuts itself off the network before it opens the store
(:mod:`server.isolation`), then caps the memory a query may add
(``query_memory_limit``); one that dies mid-query is answered 422 naming the limits.

With the memory store (tests only) there is no process to share it with, so
queries run in the calling thread and the timeout cannot interrupt them.
"""

from __future__ import annotations

import atexit
import dataclasses
import json
import logging
import multiprocessing
import queue
import resource
import signal
import threading
import traceback
from multiprocessing.connection import Connection
from typing import Any

from pyoxigraph import QueryBoolean
from pyoxigraph import QueryResultsFormat
from pyoxigraph import QuerySolutions
from pyoxigraph import parse_query_results
from pyoxigraph import serialize
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from loader.errors import LoadError
from loader.errors import QueryError
from loader.errors import QueryTimeoutError
from loader.errors import StoreError
from loader.settings import Settings
from loader.store import Store
from loader.store import open_store
from server import formats
from server import isolation

log = logging.getLogger(__name__)

STARTUP_TIMEOUT = 120.0

TRUNCATION_HINT = (
    "answer cut at {limit} {unit} (setting result_limit); "
    "add LIMIT and OFFSET to the query to fetch the rest page by page"
)


@dataclasses.dataclass(frozen=True)
class Job:
    """One query to run, with its dataset and the client's format wishes."""

    query: str
    union: bool = False
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    format_name: str | None = None
    accept: str = ""
    limit: int = 10000
    base_iri: str | None = None


@dataclasses.dataclass(frozen=True)
class Answer:
    """A serialised answer, or an error status with its message."""

    status: int
    media_type: str = ""
    body: bytes = b""
    truncated: bool = False
    count: int = 0
    unit: str = "rows"
    error: str = ""


def evaluate(store: Store, job: Job) -> Answer:
    """Run *job* on *store* and serialise the answer in the negotiated format."""
    try:
        result = store.query(
            job.query,
            union=job.union,
            default_graphs=list(job.default_graphs) or None,
            named_graphs=list(job.named_graphs) or None,
            base_iri=job.base_iri,
        )
        accept = parse_accept_header(job.accept, MIMEAccept)
        if isinstance(result, QueryBoolean):
            chosen = formats.choose(formats.RESULT_FORMATS, accept, job.format_name)
            assert chosen.results is not None
            return Answer(
                200, chosen.media_type, result.serialize(format=chosen.results) or b"", count=1
            )
        if isinstance(result, QuerySolutions):
            chosen = formats.choose(formats.RESULT_FORMATS, accept, job.format_name)
            return _solutions(result, chosen, job.limit)
        chosen = formats.choose(formats.GRAPH_FORMATS, accept, job.format_name)
        return _triples(result, chosen, job.limit)
    except formats.NotAcceptableError as exc:
        return Answer(406, error=str(exc))
    except QueryError as exc:
        return Answer(exc.status, error=str(exc))
    except StoreError as exc:
        return _upstream(str(exc).removeprefix("cannot read the store: "))
    except OSError as exc:  # the engine reports a failed SERVICE call while iterating
        return _upstream(str(exc))
    except RuntimeError as exc:
        # Oxigraph reports a function it does not implement only while evaluating.
        if "is not supported" in str(exc):
            return Answer(
                400, error=f"{exc}: the engine offers SPARQL 1.1's functions and XSD casts"
            )
        raise


def _upstream(reason: str) -> Answer:
    status = 504 if "timed out" in reason.lower() else 502
    return Answer(
        status,
        error=f"the query could not be completed: {reason} (a SERVICE call reaches only "
        "endpoints on the service_allowlist setting)",
    )


def _solutions(result: QuerySolutions, chosen: formats.Format, limit: int) -> Answer:
    names = [variable.value for variable in result.variables]
    lines = ["\t".join("?" + name for name in names)]
    count = 0
    truncated = False
    for solution in result:
        if count == limit:
            truncated = True
            break
        lines.append("\t".join("" if solution[n] is None else str(solution[n]) for n in names))
        count += 1
    # The engine's own writers serialise: the capped rows go through its TSV parser.
    tsv = ("\n".join(lines) + "\n").encode("utf-8")
    assert chosen.results is not None
    body = parse_query_results(tsv, QueryResultsFormat.TSV).serialize(format=chosen.results) or b""
    if truncated:
        body = _mark_results(body, chosen, limit)
    return Answer(200, chosen.media_type, body, truncated, count, "rows")


def _triples(result: Any, chosen: formats.Format, limit: int) -> Answer:
    triples: list[Any] = []
    truncated = False
    for triple in result:
        if len(triples) == limit:
            truncated = True
            break
        triples.append(triple)
    body = serialize(triples, format=chosen.rdf) or b""
    if truncated and chosen.name in ("turtle", "ntriples", "trig", "nquads"):
        body = ("# " + TRUNCATION_HINT.format(limit=limit, unit="triples") + "\n").encode() + body
    return Answer(200, chosen.media_type, body, truncated, len(triples), "triples")


def _mark_results(body: bytes, chosen: formats.Format, limit: int) -> bytes:
    hint = TRUNCATION_HINT.format(limit=limit, unit="rows")
    if chosen.name == "json":
        document = json.loads(body)
        document["head"]["link"] = ["urn:attest:result-limit"]
        document["attest"] = {"truncated": True, "limit": limit, "message": hint}
        return json.dumps(document, ensure_ascii=False).encode("utf-8")
    if chosen.name == "xml":
        text = body.decode("utf-8")
        link = '<link href="urn:attest:result-limit"/>'
        text = text.replace("<head/>", f"<head>{link}</head>", 1)
        text = text.replace("</head>", f"{link}</head>", 1) if link not in text else text
        return text.encode("utf-8")
    return body


# ---------------------------------------------------------------------------
# Runners
# ---------------------------------------------------------------------------


class InlineRunner:
    """Run queries in the calling thread (memory store: nothing to share)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    isolated = False

    def run(self, job: Job, timeout: float) -> Answer:
        return evaluate(self.store, job)

    def close(self) -> None:
        return None


def _worker_main(
    settings: Settings,
    connection: Connection,
    control: Connection | None,
    targets: tuple[isolation.Target, ...],
) -> None:
    """Body of a query process: isolate, open the store read-only, answer jobs until told to stop.

    The first message to the parent says whether the worker is ready or why not.
    """
    try:
        if settings.network_isolation and settings.store == "oxigraph":
            isolation.isolate(targets, control)
        store = open_store(settings)
        _warm_up(store)
        _cap_memory(settings.query_memory_limit)
    except (LoadError, OSError) as exc:
        connection.send(("failed", str(exc)))
        return
    connection.send(("ready", ""))
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            answer = evaluate(store, job)
        except MemoryError:
            answer = Answer(422, error=memory_message(settings))
        except Exception:  # reported to the server, which answers a plain 500
            answer = Answer(
                500, error="internal error while running the query\n" + traceback.format_exc()
            )
        connection.send(answer)


def _warm_up(store: Store) -> None:
    # The engine's first query maps its thread pools: count them in the idle size.
    try:
        store.query("ASK { }")
    except LoadError:
        pass


def _cap_memory(megabytes: int) -> None:
    """Let a query add at most *megabytes* of address space to this worker."""
    size = 0
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                size = int(line.split()[1]) * 1024
    limit = size + megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def memory_message(settings: Settings) -> str:
    """Say that a query needed more memory than a worker may use."""
    return (
        f"the query needed more than {settings.query_memory_limit} MB of memory and was stopped "
        "(setting query_memory_limit); narrow it down, or add a LIMIT"
    )


def death_message(settings: Settings, exitcode: int | None) -> str:
    """Explain a query worker that died while running a query, naming the limits involved."""
    how = f"signal {signal.Signals(-exitcode).name}" if exitcode and exitcode < 0 else "exit"
    return (
        f"the query stopped its worker ({how}): it needed more memory than a query may use "
        f"(setting query_memory_limit, {settings.query_memory_limit} MB) or nested deeper than "
        f"the engine can (setting max_query_depth, {settings.max_query_depth}); simplify it"
    )


class _Worker:
    def __init__(
        self, context: Any, settings: Settings, targets: tuple[isolation.Target, ...]
    ) -> None:
        self.connection, child = context.Pipe()
        control = child_control = None
        if targets:
            control, child_control = context.Pipe()
        self.process = context.Process(
            target=_worker_main, args=(settings, child, child_control, targets), daemon=True
        )
        self.process.start()
        child.close()
        self.forwarder = None
        if targets:
            assert control is not None and child_control is not None
            child_control.close()
            self.forwarder = isolation.Forwarder(
                targets, control, self.process.pid, settings.query_timeout
            )
        self.control = control
        self.ready = False

    def wait_ready(self, timeout: float) -> None:
        """Wait for the worker to say it is ready.

        :raises IsolationError: if it could not isolate itself or open the store.
        """
        if self.ready:
            return
        reason = f"it did not start within {timeout:g} s"
        try:
            if self.connection.poll(timeout):
                state, reason = self.connection.recv()
                if state == "ready":
                    self.ready = True
                    return
        except (EOFError, OSError) as exc:
            reason = f"it exited ({exc or self.process.exitcode})"
        self.kill()
        raise isolation.IsolationError(f"a query worker could not start: {reason}")

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()
        if self.control is not None:
            self.control.close()


class ProcessPool:
    """Worker processes that run queries; a timed-out worker is killed and replaced.

    With *targets*, the pool is the federation pool: its workers reach those
    endpoints (and nothing else) through relays; without, they reach nothing.
    """

    def __init__(
        self, settings: Settings, size: int, targets: tuple[isolation.Target, ...] = ()
    ) -> None:
        self.settings = settings
        self.size = size
        self.targets = targets
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        atexit.register(self.close)
        try:
            for _ in range(size):
                self._add()
        except isolation.IsolationError:
            self.close()
            raise

    @property
    def isolated(self) -> bool:
        """Whether the queries this pool runs can reach nothing beyond the allow-list."""
        return self.settings.network_isolation and self.settings.store == "oxigraph"

    def _add(self, *, wait: bool = True) -> None:
        """Start a worker; with *wait*, first make sure it started (isolated, store open).

        A replacement is offered at once: its first job waits for it to be ready, so
        the time it takes to start does not count against the query timeout.
        """
        worker = _Worker(self._context, self.settings, self.targets)
        if wait:
            worker.wait_ready(STARTUP_TIMEOUT)
        with self._lock:
            if self._closed:
                worker.kill()
                return
            self._all.add(worker)
        self._idle.put(worker)

    def _replace(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.kill()
        self._add(wait=False)

    def run(self, job: Job, timeout: float) -> Answer:
        """Run *job* in a free worker, waiting at most *timeout* seconds in all.

        :raises QueryTimeoutError: if no worker was free in time, or the query ran too long.
        :raises QueryError: if the query stopped its worker (a limit, named in the message).
        """
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise QueryTimeoutError(
                f"all {self.size} query workers stayed busy for {timeout:g} s "
                "(settings query_workers and query_timeout); try again shortly"
            ) from None
        try:
            worker.wait_ready(STARTUP_TIMEOUT)
        except isolation.IsolationError as exc:
            log.error("%s", exc)
            self._replace(worker)
            raise StoreError(str(exc)) from None
        try:
            worker.connection.send(job)
            if not worker.connection.poll(timeout):
                self._replace(worker)
                raise QueryTimeoutError(
                    f"the query ran longer than {timeout:g} s and was stopped "
                    "(setting query_timeout); narrow it down, or add a LIMIT"
                )
            answer: Answer = worker.connection.recv()
        except (EOFError, OSError, BrokenPipeError) as exc:
            worker.process.join(timeout=5)
            exitcode = worker.process.exitcode
            self._replace(worker)
            log.warning("a query worker died (exit code %s): %s", exitcode, exc)
            raise QueryError(death_message(self.settings, exitcode), status=422) from None
        self._idle.put(worker)
        if answer.status == 500:
            log.error("query worker error: %s", answer.error)
            return dataclasses.replace(answer, error="internal error while running the query")
        return answer

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            try:
                worker.connection.send(None)
            except (OSError, BrokenPipeError):
                pass
            worker.kill()
