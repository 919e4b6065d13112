"""Time a SPARQL update: over HTTP to Attest, and raw pyoxigraph on a writable copy of the same store.

The server is a second ``attest serve --no-load`` with updates allowed (a random
token), started after the look-ups so that its update process, which makes its
working copy of the store when it starts, does not run beside them. Each
repetition inserts one new triple into a named graph of the benchmark's own
(``urn:attest-benchmark:updates``): over HTTP, then by ``Store.update`` in this
process on a hard-link checkpoint of the same store (a committed transaction,
Oxigraph's own cost with nothing around it), alternately. After the first
update the benchmark asks the server whether it sees the triple, so a figure
cannot come from an update that was refused.
"""

from __future__ import annotations

import secrets
import tempfile
import time
from pathlib import Path

import httpx
import pyoxigraph
from lookups import Lookup
from measure import Figures
from processes import Server
from processes import attest
from processes import free_port

GRAPH = "urn:attest-benchmark:updates"
LOOKUP = Lookup("`/sparql` update: INSERT DATA, one triple into a named graph", "/sparql")


def _insert(number: int) -> str:
    return f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <{GRAPH}/s> <{GRAPH}/n> {number} }} }}"


def measure_updates(
    seeds: Path, data: Path, store_path: Path, work: Path, *, repeat: int, budget: float
) -> Figures:
    """Time *repeat* updates over HTTP and raw, alternately, after one warm-up each.

    :raises BenchmarkError: if the server does not start.
    """
    figures = Figures(status="ok")
    token = secrets.token_urlsafe(16)
    port = free_port()
    serve = attest(
        seeds, data, "--port", str(port), "--allow-updates", "true", "--update-token", token,
        "serve", "--no-load",
    )  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="raw-", dir=work) as directory:
        copy = Path(directory) / "copy"
        pyoxigraph.Store.read_only(str(store_path)).backup(str(copy))
        raw = pyoxigraph.Store(str(copy))
        headers = {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {token}"}
        with Server(serve, port, "/api", work / "serve-updates.log") as server:
            with httpx.Client(base_url=server.base, timeout=900) as client:
                first = client.post("/sparql", content=_insert(-1), headers=headers)
                figures.size = len(first.content)
                if first.status_code != 204:
                    figures.status = f"HTTP {first.status_code}"
                    return figures
                seen = client.get(
                    "/sparql",
                    params={"query": f"ASK {{ GRAPH <{GRAPH}> {{ ?s ?p -1 }} }}"},
                    headers={"Accept": "application/sparql-results+json"},
                )
                if seen.json().get("boolean") is not True:
                    figures.status = "not seen after the update"
                    return figures
                raw.update(_insert(-1))
                figures.raw_rows = 1
                started = time.perf_counter()
                for done in range(repeat):
                    start = time.perf_counter()
                    answer = client.post("/sparql", content=_insert(done), headers=headers)
                    figures.http.append(time.perf_counter() - start)
                    if answer.status_code != 204:
                        figures.status = f"HTTP {answer.status_code}"
                        figures.http.clear()
                        break
                    start = time.perf_counter()
                    raw.update(_insert(done))
                    figures.raw.append(time.perf_counter() - start)
                    if done >= 2 and time.perf_counter() - started > budget:
                        break
        del raw
    return figures
