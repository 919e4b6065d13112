"""CORS and HTTP caching for the read-only pages, registered with one call.

- **CORS.** Every answer says ``Access-Control-Allow-Origin: *`` (the server
  holds no cookies or sessions, so any origin may read what it serves) and
  exposes the headers clients look at. A preflight (``OPTIONS`` with
  ``Access-Control-Request-Method``) is answered 204 on any path, echoing the
  headers the browser asks to send, so a client with an API key header passes.
- **Validators.** Pages, Linked Data, the API and the JSON-LD context depend
  only on the data and the software, so their ETag is derived from the load
  (the seed digest the loader records and the live store the ``CURRENT`` file
  names, or an update counter for the memory store) and the software version,
  with the Accept header mixed in because one URL has one answer per format.
  ``Last-Modified`` is the time the live store was switched in. A conditional
  GET that still matches is answered 304 before the page is built.
- **Cache-Control.** Those answers are ``public, max-age=60``: a cache may
  reuse them for a minute, then must revalidate (cheap, by ETag). SPARQL and
  reconciliation answers are left alone, and a remote store, which others may
  change, gets ``no-cache`` and no validators.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import time
from datetime import UTC
from datetime import datetime
from importlib import metadata
from pathlib import Path

from flask import Flask
from flask import Response
from flask import current_app
from flask import request
from pyoxigraph import QuerySolutions
from werkzeug.http import http_date

from loader.vocab import AT

CACHE_CONTROL = "public, max-age=60"
EXPOSED = "Warning, Link, ETag, Last-Modified, X-Attest-Truncated, X-Attest-Result-Limit, X-SPARQL-MaxRows"
ALLOWED_HEADERS = "Accept, Authorization, Content-Type"
# Answers that depend on more than the data (a query, a token, a callback).
UNCACHED = ("/sparql", "/reconcile", "/static/")
EXTENSION = "attest-caching"


@dataclasses.dataclass
class _Validators:
    """What the current load looks like to HTTP caches; recomputed when the store changes."""

    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)
    marker: object = None
    tag: str = ""
    modified: float = 0.0
    generation: int = 0
    started: float = dataclasses.field(default_factory=time.time)


def register(app: Flask) -> None:
    """Install CORS, validators and Cache-Control on *app*."""
    app.extensions[EXTENSION] = _Validators()
    app.before_request(_preflight_or_not_modified)
    app.after_request(_headers)


def data_changed() -> None:
    """Tell the validators the data changed without a new store (an update on the memory store)."""
    state: _Validators = current_app.extensions[EXTENSION]
    with state.lock:
        state.generation += 1


def _current(state: _Validators) -> tuple[str, float] | None:
    """The load's tag and modification time, or None when they cannot be known (remote store)."""
    from server import runtime

    settings = runtime().settings
    if settings.store == "remote":
        return None
    pointer = Path(settings.data_dir) / "CURRENT"
    try:
        stat = pointer.stat() if settings.store != "memory" else None
    except OSError:
        stat = None
    switched = (stat.st_mtime_ns, stat.st_ino, stat.st_size) if stat else None
    with state.lock:
        marker = (switched, state.generation)
        if marker != state.marker or not state.tag:
            digest = _seed_digest()
            source = f"{version()} {digest} {marker}"
            state.tag = hashlib.sha256(source.encode()).hexdigest()[:20]
            state.modified = stat.st_mtime if stat else state.started
            state.marker = marker
        return state.tag, state.modified


def version() -> str:
    """The installed version of Attest: a new release may render the same data differently."""
    try:
        return metadata.version("attest")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def _seed_digest() -> str:
    from server import runtime

    rows = runtime().store.query(f"SELECT ?digest WHERE {{ ?load <{AT.seedDigest}> ?digest }}")
    if isinstance(rows, QuerySolutions):
        for row in rows:
            return str(row["digest"].value)
    return ""


def _cacheable() -> bool:
    return request.method in ("GET", "HEAD") and not request.path.startswith(UNCACHED)


def _etag(tag: str) -> str:
    accept = request.headers.get("Accept", "")
    return hashlib.sha256(f"{tag} {accept}".encode()).hexdigest()[:24]


def _preflight_or_not_modified() -> Response | None:
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        response = Response(status=204)
        response.headers["Allow"] = "GET, HEAD, POST, OPTIONS"
        return response
    if not _cacheable():
        return None
    state: _Validators = current_app.extensions[EXTENSION]
    current = _current(state)
    if current is None:
        return None
    tag, modified = current
    etag = _etag(tag)
    matches = False
    if request.if_none_match:
        matches = request.if_none_match.contains_weak(etag)
    elif request.if_modified_since is not None:
        matches = int(modified) <= request.if_modified_since.timestamp()
    if not matches:
        return None
    response = Response(status=304)
    _validators(response, etag, modified)
    return response


def _validators(response: Response, etag: str, modified: float) -> None:
    response.set_etag(etag, weak=True)
    response.headers["Last-Modified"] = http_date(datetime.fromtimestamp(int(modified), UTC))
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["Vary"] = _vary(response.headers.get("Vary"))


def _vary(existing: str | None) -> str:
    names = [n.strip() for n in (existing or "").split(",") if n.strip()]
    if not any(n.lower() == "accept" for n in names):
        names.append("Accept")
    return ", ".join(names)


def _headers(response: Response) -> Response:
    response.headers.setdefault("Access-Control-Allow-Origin", "*")
    response.headers["Access-Control-Expose-Headers"] = EXPOSED
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, OPTIONS"
        asked = request.headers.get("Access-Control-Request-Headers", "")
        response.headers["Access-Control-Allow-Headers"] = _allowed_headers(asked)
        response.headers["Access-Control-Max-Age"] = "600"
        return response
    if response.status_code != 200 or not _cacheable():
        return response
    state: _Validators = current_app.extensions[EXTENSION]
    current = _current(state)
    if current is None:
        response.headers["Cache-Control"] = "no-cache"
        return response
    tag, modified = current
    _validators(response, _etag(tag), modified)
    return response


def _allowed_headers(asked: str) -> str:
    """The headers a preflight may send: ours, plus whatever the browser asked for."""
    names = [n.strip() for n in ALLOWED_HEADERS.split(",")]
    for name in asked.split(","):
        name = name.strip()
        if name and name.lower() not in (n.lower() for n in names):
            names.append(name)
    return ", ".join(names)
