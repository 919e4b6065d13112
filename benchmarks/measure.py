"""Time one look-up: HTTP over a keep-alive client and the raw query, alternately."""

from __future__ import annotations

import dataclasses
import math
import statistics
import time
from typing import Any

import httpx
from lookups import Lookup


@dataclasses.dataclass
class Figures:
    """The timings of one look-up at one corpus size (seconds, bytes)."""

    status: str  # "ok", "n/a" (no such endpoint), "HTTP 500", …
    http: list[float] = dataclasses.field(default_factory=list)
    raw: list[float] = dataclasses.field(default_factory=list)
    size: int | None = None
    raw_status: str = "ok"  # "ok", "–" (none for this look-up), "error: …"
    raw_rows: int | None = None
    empty: bool = False  # the HTTP answer says it found nothing (a look-up of nothing)

    @property
    def samples(self) -> int:
        return max(len(self.http), len(self.raw))


def p50(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def p95(values: list[float]) -> float | None:
    """The nearest-rank 95th percentile (the largest value below 20 samples)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _request(client: httpx.Client, lookup: Lookup) -> httpx.Response:
    response = client.get(lookup.path, params=lookup.params, headers={"Accept": lookup.accept})
    response.read()
    return response


def _run_raw(store: Any, sparql: str) -> int:
    rows = 0
    for _ in store.query(sparql):
        rows += 1
    return rows


def measure(
    lookup: Lookup,
    client: httpx.Client,
    store: Any,
    oxigraph: httpx.Client | None,
    *,
    repeat: int,
    budget: float,
) -> Figures:
    """Time *lookup* *repeat* times over HTTP and raw, alternately, after one warm-up each.

    A look-up whose warm-up answers 404 is "n/a" over HTTP (an endpoint not built
    yet); its raw query is still timed. Repetitions stop early, after at least three,
    once *budget* seconds have gone, so a very slow look-up does not stall the run.
    """
    figures = Figures(status="ok")
    try:
        first = _request(client, lookup)
    except httpx.HTTPError as exc:
        first = None
        figures.status = f"error: {type(exc).__name__}"
    if first is not None:
        if first.status_code == 404:
            figures.status = "n/a"
        elif first.status_code != 200:
            figures.status = f"HTTP {first.status_code}"
        figures.size = len(first.content)
        if first.status_code == 200 and "json" in first.headers.get("content-type", ""):
            body = first.json()
            figures.empty = isinstance(body, dict) and (
                body.get("total") == 0 or body.get("results") == []
            )

    def raw() -> int:
        if lookup.against_oxigraph_serve:
            assert oxigraph is not None
            answer = oxigraph.get("/query", params=lookup.params, headers={"Accept": lookup.accept})
            answer.raise_for_status()
            return len(answer.content)
        assert lookup.raw is not None
        return _run_raw(store, lookup.raw)

    has_raw = lookup.raw is not None or (lookup.against_oxigraph_serve and oxigraph is not None)
    if not has_raw:
        figures.raw_status = "–"
    else:
        try:
            figures.raw_rows = raw()
        except (httpx.HTTPError, OSError, SyntaxError, ValueError) as exc:
            figures.raw_status = f"error: {exc}"[:80]
            has_raw = False
    http_ok = figures.status == "ok"
    started = time.perf_counter()
    for done in range(repeat):
        if http_ok:
            start = time.perf_counter()
            try:
                _request(client, lookup)
            except httpx.HTTPError as exc:  # keep the run going; say what happened
                figures.status = f"error: {type(exc).__name__}"
                figures.http.clear()
                http_ok = False
            else:
                figures.http.append(time.perf_counter() - start)
        if has_raw:
            start = time.perf_counter()
            raw()
            figures.raw.append(time.perf_counter() - start)
        if done >= 2 and time.perf_counter() - started > budget:
            break
    return figures
