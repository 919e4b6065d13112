"""Run users' SPARQL queries with a timeout that really stops them, and a result cap.

Queries run in worker processes, each with the store opened read-only. When a
query outlives ``query_timeout`` its process is killed — Oxigraph cannot be
interrupted from Python — and a fresh one takes its place, so the worker is
free again. An answer longer than ``result_limit`` rows or triples is cut, and
says so (headers, and in the body where the format allows).

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

from loader.errors import QueryError
from loader.errors import QueryTimeoutError
from loader.errors import StoreError
from loader.settings import Settings
from loader.store import Store
from loader.store import open_store
from server import formats

log = logging.getLogger(__name__)

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
        return Answer(503, error=str(exc))
    except RuntimeError as exc:
        # Oxigraph reports a function it does not implement only while evaluating.
        if "is not supported" in str(exc):
            return Answer(
                400, error=f"{exc}: the engine offers SPARQL 1.1's functions and XSD casts"
            )
        raise


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

    def run(self, job: Job, timeout: float) -> Answer:
        return evaluate(self.store, job)

    def close(self) -> None:
        return None


def _worker_main(settings: Settings, connection: Connection) -> None:
    """Body of a query process: open the store read-only, answer jobs until told to stop."""
    store = open_store(settings)
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            answer = evaluate(store, job)
        except Exception:  # reported to the server, which answers a plain 500
            answer = Answer(
                500, error="internal error while running the query\n" + traceback.format_exc()
            )
        connection.send(answer)


class _Worker:
    def __init__(self, context: Any, settings: Settings) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(settings, child), daemon=True)
        self.process.start()
        child.close()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()


class ProcessPool:
    """Worker processes that run queries; a timed-out worker is killed and replaced."""

    def __init__(self, settings: Settings, size: int) -> None:
        self.settings = settings
        self.size = size
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(size):
            self._add()
        atexit.register(self.close)

    def _add(self) -> None:
        worker = _Worker(self._context, self.settings)
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
        threading.Thread(target=self._add, daemon=True).start()

    def run(self, job: Job, timeout: float) -> Answer:
        """Run *job* in a free worker, waiting at most *timeout* seconds in all.

        :raises QueryTimeoutError: if no worker was free in time, or the query ran too long.
        """
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise QueryTimeoutError(
                f"all {self.size} query workers stayed busy for {timeout:g} s "
                "(settings query_workers and query_timeout); try again shortly"
            ) from None
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
            self._replace(worker)
            raise StoreError(f"a query worker failed: {exc}") from exc
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


def make_runner(settings: Settings, store: Store) -> InlineRunner | ProcessPool:
    """Choose how queries run: processes for oxigraph and remote stores, inline for memory."""
    if settings.store == "memory":
        return InlineRunner(store)
    return ProcessPool(settings, settings.query_workers)
