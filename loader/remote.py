"""The remote store: a SPARQL 1.1 endpoint (Query + Update), such as ``oxigraph serve``.

A load is staged in a temporary on-disk Oxigraph store (memory stays bounded),
checked there, and only then sent. Two ways to send it:

- **one request** (the default): ``DROP ALL ; INSERT DATA {…}``, streamed from
  the staged store. Atomic on endpoints that run an update request in one
  transaction, as Oxigraph and Apache Jena Fuseki do; one request of the size
  of the corpus.
- **generations** (``generations=True``): the dataset goes, in requests of at most
  ``batch_quads`` quads, into graphs of a new generation ``K``, then one small
  update moves the pointer ``<{base}graph/current> at:generation <{base}graph/generation/K>``.
  Readers that resolve the pointer first see the old generation or the new one,
  never a mix, even on engines that do not run a request in one transaction.
  Generation ``K`` keeps the default graph in the graph named by the generation
  IRI itself, and each named graph ``G`` in ``<{generation}/{G}>`` (:class:`Generation`
  maps both ways). The previous generation stays for readers still on it; older
  ones and leftovers of failed loads are deleted after the switch.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
import time
from collections.abc import Iterable
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
from pyoxigraph import DefaultGraph
from pyoxigraph import NamedNode
from pyoxigraph import Quad
from pyoxigraph import QueryResultsFormat
from pyoxigraph import QuerySolutions
from pyoxigraph import RdfFormat
from pyoxigraph import Store as OxStore
from pyoxigraph import parse
from pyoxigraph import parse_query_results

from loader.errors import QueryError
from loader.errors import StoreError
from loader.store import Check
from loader.store import Result
from loader.store import Stages
from loader.store import _Closing

DEFAULT_BASE = "https://w3id.org/attest/"
GENERATION = "https://w3id.org/attest/ontology#generation"  # proposed term, see the report
BATCH_QUADS = 50_000
_FROM = re.compile(r"\bFROM\s+(NAMED\s+)?<", re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class Generation:
    """One generation of a remote dataset: where its default and named graphs live."""

    iri: str

    @property
    def default_graph(self) -> str:
        """The graph that holds this generation's default graph."""
        return self.iri

    @property
    def named_prefix(self) -> str:
        """The start of every graph IRI that holds one of this generation's named graphs."""
        return self.iri + "/"

    def graph(self, name: str | None) -> str:
        """Where this generation keeps graph *name* (None: the default graph)."""
        return self.default_graph if name is None else self.named_prefix + name

    def original(self, stored: str) -> str | None:
        """The graph name *stored* stands for (None: the default graph).

        :raises ValueError: if *stored* is not a graph of this generation.
        """
        if stored == self.default_graph:
            return None
        if stored.startswith(self.named_prefix):
            return stored[len(self.named_prefix) :]
        raise ValueError(f"{stored} is not a graph of generation {self.iri}")

    def dataset(self, named: Iterable[str] = ()) -> str:
        """The FROM / FROM NAMED clauses that make a query read this generation.

        :param named: the original names of the named graphs the query needs.
        """
        lines = [f"FROM <{self.default_graph}>"]
        lines += [f"FROM NAMED <{self.graph(name)}>" for name in named]
        return "\n".join(lines)


class RemoteStore(_Closing):
    """A remote SPARQL 1.1 endpoint (Query + Update); see the module's docstring."""

    kind = "remote"

    def __init__(
        self,
        query_url: str,
        update_url: str,
        *,
        timeout: float = 300.0,
        base_iri: str = DEFAULT_BASE,
        generations: bool = False,
        batch_quads: int = BATCH_QUADS,
    ) -> None:
        self.query_url = query_url
        self.update_url = update_url
        self.pointer = f"{base_iri}graph/current"
        self.generation_base = f"{base_iri}graph/generation/"
        self.generations = generations
        self.batch_quads = max(1, batch_quads)
        self._client = httpx.Client(timeout=timeout)

    # -- reading -------------------------------------------------------------

    def query(
        self,
        sparql: str,
        *,
        union: bool = False,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        base_iri: str | None = None,
    ) -> Result:
        # A dataset in the request overrides the query's own FROM (SPARQL protocol 2.1.4),
        # so the current generation is only the default for queries that name none.
        if self.generations and not default_graphs and not union and not _FROM.search(sparql):
            current = self.current_generation()
            default_graphs = [current.default_graph] if current is not None else None
        if base_iri:
            sparql = f"BASE <{base_iri}>\n{sparql}"
        data: list[tuple[str, str]] = [("query", sparql)]
        data += [("default-graph-uri", iri) for iri in default_graphs or []]
        data += [("named-graph-uri", iri) for iri in named_graphs or []]
        if union:
            data.append(("union-default-graph", ""))
        return self._select(data)

    def _select(self, data: list[tuple[str, str]]) -> Result:
        accept = "application/sparql-results+json, application/n-triples;q=0.9"
        response = self._post(
            self.query_url,
            content=urlencode(data).encode("utf-8"),
            headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
        )
        media = response.headers.get("content-type", "").split(";")[0].strip()
        if media == "application/sparql-results+json":
            return parse_query_results(response.content, QueryResultsFormat.JSON)
        if media in ("application/n-triples", "text/plain"):
            return iter(list(parse(response.content, RdfFormat.N_TRIPLES)))
        raise StoreError(f"{self.query_url} answered with unexpected media type {media!r}")

    def _rows(self, sparql: str) -> QuerySolutions:
        rows = self._select([("query", sparql)])
        assert isinstance(rows, QuerySolutions)
        return rows

    def current_generation(self) -> Generation | None:
        """The generation the pointer names, or None if no generational load happened yet.

        :raises StoreError: if the endpoint cannot be read.
        """
        rows = self._rows(
            f"SELECT ?gen WHERE {{ GRAPH <{self.pointer}> {{ <{self.pointer}> <{GENERATION}> ?gen }} }}"
        )
        for row in rows:
            return Generation(row["gen"].value)
        return None

    def quads(self) -> Iterator[Quad]:
        current = self.current_generation() if self.generations else None
        if current is None:
            rows = self._rows(
                "SELECT ?s ?p ?o ?g WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
            )
            for row in rows:
                graph = row["g"]
                yield Quad(
                    row["s"], row["p"], row["o"], graph if graph is not None else DefaultGraph()
                )
            return
        rows = self._rows(
            f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
            f'FILTER (?g = <{current.default_graph}> || STRSTARTS(STR(?g), "{current.named_prefix}")) }}'
        )
        for row in rows:
            name = current.original(row["g"].value)
            graph = NamedNode(name) if name is not None else DefaultGraph()
            yield Quad(row["s"], row["p"], row["o"], graph)

    def is_empty(self) -> bool:
        answer = self._select([("query", "ASK { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }")])
        return not bool(answer)

    # -- writing -------------------------------------------------------------

    def _post(self, url: str, **kwargs: object) -> httpx.Response:
        try:
            response = self._client.post(url, **kwargs)  # type: ignore[arg-type]
        except httpx.HTTPError as exc:
            raise StoreError(f"cannot reach the remote store at {url}: {exc}") from exc
        if response.status_code == 400:
            raise QueryError(response.text.strip() or "the endpoint refused the request")
        if response.status_code >= 300:
            raise StoreError(f"{url} answered {response.status_code}: {response.text[:300]}")
        return response

    def update(self, sparql: str) -> None:
        self._post(
            self.update_url,
            content=sparql.encode("utf-8"),
            headers={"Content-Type": "application/sparql-update"},
        )

    def replace(
        self, quads: Iterable[Quad], check: Check | None = None, progress: Stages | None = None
    ) -> int:
        tell = progress or (lambda stage, done, total: None)
        with tempfile.TemporaryDirectory(prefix="attest-remote-") as directory:
            staged = OxStore(directory)  # on disk: memory stays bounded at any corpus size
            try:
                staged.bulk_extend(quads)
                if check is not None:
                    check(staged)  # nothing is sent unless the check passes
                count = len(staged)
                if self.generations:
                    self._send_generation(staged, count, tell)
                else:
                    self._send_at_once(staged, count, tell, directory)
            finally:
                del staged
        return count

    def _send_at_once(self, staged: OxStore, count: int, tell: Stages, directory: str) -> None:
        """One request, written to a file first so it goes with a length, not chunked."""
        body = Path(directory) / "update.rq"
        with body.open("w", encoding="utf-8") as out:
            out.write("DROP ALL ;\nINSERT DATA {\n")
            for quad in staged.quads_for_pattern(None, None, None, DefaultGraph()):
                out.write(f"{quad.subject} {quad.predicate} {quad.object} .\n")
            for graph in staged.named_graphs():
                out.write(f"GRAPH {graph} {{\n")
                for quad in staged.quads_for_pattern(None, None, None, graph):
                    out.write(f"{quad.subject} {quad.predicate} {quad.object} .\n")
                out.write("}\n")
            out.write("}\n")
        tell("sending", 0, count)
        with body.open("rb") as content:
            headers = {
                "Content-Type": "application/sparql-update",
                "Content-Length": str(body.stat().st_size),
            }
            self._post(self.update_url, content=content, headers=headers)
        tell("sending", count, count)

    def _send_generation(self, staged: OxStore, count: int, tell: Stages) -> None:
        previous = self.current_generation()
        generation = Generation(f"{self.generation_base}{time.time_ns()}")
        sent = 0
        tell("sending", 0, count)
        for batch in _batches(staged, generation, self.batch_quads):
            self.update("INSERT DATA {\n" + "".join(batch.parts) + "}\n")
            sent += batch.size
            tell("sending", sent, count)
        self.update(  # the switch: one small request
            f"DELETE {{ GRAPH <{self.pointer}> {{ <{self.pointer}> <{GENERATION}> ?old }} }}\n"
            f"INSERT {{ GRAPH <{self.pointer}> {{ <{self.pointer}> <{GENERATION}> <{generation.iri}> }} }}\n"
            f"WHERE {{ OPTIONAL {{ GRAPH <{self.pointer}> {{ <{self.pointer}> <{GENERATION}> ?old }} }} }}"
        )
        self._collect_garbage(generation, previous)

    def _collect_garbage(self, current: Generation, previous: Generation | None) -> None:
        """Delete every graph but the pointer's, the current and the previous generation's."""
        keep = [current] + ([previous] if previous is not None else [])
        kept = " && ".join(
            f'?g != <{g.default_graph}> && !STRSTARTS(STR(?g), "{g.named_prefix}")' for g in keep
        )
        self.update(
            "DROP SILENT DEFAULT ;\n"
            "DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } "
            f"FILTER (?g != <{self.pointer}> && {kept}) }}"
        )

    def close(self) -> None:
        self._client.close()


@dataclasses.dataclass
class _Batch:
    parts: list[str]
    size: int


def _batches(staged: OxStore, generation: Generation, size: int) -> Iterator[_Batch]:
    """Yield INSERT DATA bodies of at most *size* quads, each in its generation's graph."""
    batch = _Batch([], 0)
    graphs: list[str | None] = [None]
    graphs += [g.value for g in staged.named_graphs()]
    for name in graphs:
        pattern = DefaultGraph() if name is None else NamedNode(name)
        lines: list[str] = []
        for quad in staged.quads_for_pattern(None, None, None, pattern):
            lines.append(f"{quad.subject} {quad.predicate} {quad.object} .\n")
            if batch.size + len(lines) >= size:
                batch.parts.append(f"GRAPH <{generation.graph(name)}> {{\n{''.join(lines)}}}\n")
                batch.size += len(lines)
                yield batch
                batch, lines = _Batch([], 0), []
        if lines:
            batch.parts.append(f"GRAPH <{generation.graph(name)}> {{\n{''.join(lines)}}}\n")
            batch.size += len(lines)
    if batch.size:
        yield batch
