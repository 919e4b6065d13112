"""read → validate → build → infer → check → store: the load, end to end."""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import itertools
import logging
import tempfile
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

from pyoxigraph import Quad
from pyoxigraph import QuerySolutions
from pyoxigraph import Store as OxStore
from rdflib import Graph

from loader import infer
from loader import readmodel
from loader import seeds as seed_files
from loader import shacl
from loader import validate as checks
from loader import wikidata
from loader.build import build_quads
from loader.errors import LoadError
from loader.errors import ValidationError
from loader.iris import Iris
from loader.ontology import Schema
from loader.ontology import read_ontology
from loader.ontology import read_shapes
from loader.settings import Settings
from loader.store import Store
from loader.store import open_store
from loader.vocab import AT

log = logging.getLogger(__name__)

Progress = Callable[..., None]
"""``progress(done, total)`` while building; ``progress(done, total, stage=…)`` for every
stage (reading, validating, building, writing, checking, optimizing) if it takes ``stage``.
A stage starts with done 0 and ends with done == total; total 0 means not known ahead."""
Stages = Callable[[str, int, int], None]
WRITE_STEP = 200_000  # quads between two "writing" reports
DIGESTED = ("*.yaml", "*.txt", "*.tsv", "*.ttl", "*.json")


def version() -> str:
    """Return the installed version of Attest."""
    try:
        return metadata.version("attest")
    except metadata.PackageNotFoundError:
        return "0+unknown"


@dataclasses.dataclass(frozen=True)
class Prepared:
    """Validated seeds plus what building them needs."""

    corpus: checks.Corpus
    ontology: Graph
    ontology_inferred: Graph
    shapes: Graph
    digest: str
    wikidata: dict[str, Any] | None = None


@dataclasses.dataclass(frozen=True)
class LoadReport:
    """What a load wrote."""

    documents: int
    entities: int
    assertions: int
    quads: int
    store: str

    def summary(self) -> str:
        return (
            f"loaded {self.assertions} assertions, {self.documents} documents and "
            f"{self.entities} entities: {self.quads} quads into the {self.store} store"
        )


def seed_digest(settings: Settings) -> str:
    """Hash every seed and ontology file (paths and contents) and the software version."""
    digest = hashlib.sha256(version().encode("utf-8"))
    digest.update(f"read model {readmodel.FORMAT}".encode())
    for root in (settings.seeds_dir, settings.ontology_dir):
        if not root.is_dir():
            continue
        for pattern in DIGESTED:
            for path in sorted(root.rglob(pattern)):
                digest.update(path.relative_to(root).as_posix().encode("utf-8"))
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _schema(settings: Settings) -> tuple[Graph, Graph, Schema]:
    ontology = read_ontology(settings.ontology_dir)
    closed = infer.close_ontology(ontology)
    return ontology, infer.ontology_consequences(ontology, closed), Schema.from_closure(closed)


def stages_of(progress: Progress | None) -> Stages:
    """Adapt a progress callback to ``(stage, done, total)`` calls (see :data:`Progress`)."""
    if progress is None:
        return lambda stage, done, total: None
    try:
        takes_stage = "stage" in inspect.signature(progress).parameters
    except (TypeError, ValueError):
        takes_stage = False
    if takes_stage:
        return lambda stage, done, total: progress(done, total, stage=stage)

    def building_only(stage: str, done: int, total: int) -> None:
        if stage == "building" and done:
            progress(done, total)

    return building_only


def prepare(settings: Settings, progress: Progress | None = None) -> Prepared:
    """Read and validate the seeds; nothing is written.

    :param progress: told when reading and validating start and end (see :data:`Progress`).
    :raises ValidationError: listing every problem in the seeds.
    :raises LoadError: if the ontology or seeds directory cannot be read.
    """
    stages = stages_of(progress)
    stages("reading", 0, 0)
    ontology, ontology_inferred, schema = _schema(settings)
    shapes = read_shapes(settings.ontology_dir)
    try:
        seeds = seed_files.read_seeds(Path(settings.seeds_dir))
    except FileNotFoundError as exc:
        raise LoadError(f"{exc}; set --seeds-dir or ATTEST_SEEDS_DIR") from None
    cache, problems = wikidata.read_cache(Path(settings.seeds_dir))
    seeds.problems.extend(problems)
    stages("reading", len(seeds.files), len(seeds.files))
    stages("validating", 0, len(seeds.assertions))
    corpus = checks.check(seeds, schema, Iris(settings.base_iri))
    stages("validating", len(seeds.assertions), len(seeds.assertions))
    return Prepared(corpus, ontology, ontology_inferred, shapes, seed_digest(settings), cache)


def _counted(quads: Iterable[Quad], stages: Stages) -> Iterator[Quad]:
    """Pass *quads* through, reporting the "writing" stage every WRITE_STEP quads."""
    stages("writing", 0, 0)
    count = 0
    for count, quad in enumerate(quads, start=1):  # noqa: B007 - count is read after the loop
        yield quad
        if count % WRITE_STEP == 0:
            stages("writing", count, 0)
    stages("writing", count, count)


def quads_of(prepared: Prepared, progress: Progress | None = None) -> Iterator[Quad]:
    """Yield every quad of the store built from *prepared*.

    :param progress: called with (assertions built, assertions in all), see :data:`Progress`.
    """
    stages = stages_of(progress)
    quads = build_quads(
        prepared.corpus,
        prepared.ontology,
        prepared.ontology_inferred,
        prepared.digest,
        version(),
        lambda done, total: stages("building", done, total),
    )
    if prepared.wikidata is None:
        return quads
    linked = {e.wikidata for e in prepared.corpus.entities.values() if e.wikidata}
    cache = {
        **prepared.wikidata,
        "entities": {q: v for q, v in prepared.wikidata["entities"].items() if q in linked},
    }
    return itertools.chain(quads, wikidata.cache_quads(cache, prepared.corpus.iris.wikidata_graph))


def _shacl_check(prepared: Prepared, progress: Progress | None = None) -> Callable[[OxStore], None]:
    stages = stages_of(progress)

    def check(staged: OxStore) -> None:
        problems = shacl.shacl_problems(
            staged,
            prepared.shapes,
            prepared.corpus,
            lambda done, total: stages("checking", done, total),
        )
        if problems:
            raise ValidationError(problems)

    return check


def validate(settings: Settings) -> Prepared:
    """Run every check a load runs, SHACL included, without touching the store.

    :returns: the prepared corpus (for counts).
    :raises ValidationError: listing every problem.
    :raises LoadError: if the ontology or seeds cannot be read.
    """
    prepared = prepare(settings)
    with tempfile.TemporaryDirectory(prefix="attest-validate-") as directory:
        staged = OxStore(directory)  # on disk: memory stays bounded at any corpus size
        staged.bulk_extend(quads_of(prepared))
        _shacl_check(prepared)(staged)
        del staged
    return prepared


def load(
    settings: Settings, progress: Progress | None = None, *, store: Store | None = None
) -> LoadReport:
    """Validate the seeds, build the graph with inference, and swap it into the store.

    Either the whole load succeeds or the store is left as it was.

    :param progress: told of every stage with counts (see :data:`Progress`); a callback
        without a ``stage`` parameter hears of building only, as (assertions built, in all).
    :param store: an open store to load into (default: open the one the settings name).
    :raises ValidationError: listing every problem; the store is untouched.
    :raises StoreError: if the store cannot be written; the store is untouched.
    """
    prepared = prepare(settings, progress)
    corpus = prepared.corpus
    total = len(corpus.assertions)
    stages = stages_of(progress)
    target = store if store is not None else open_store(settings, writable=True)
    try:
        count = target.replace(
            _counted(quads_of(prepared, progress), stages),
            check=_shacl_check(prepared, progress),
            progress=stages,
        )
    finally:
        if store is None:
            target.close()
    report = LoadReport(
        documents=len(corpus.documents),
        entities=len(corpus.entities),
        assertions=total,
        quads=count,
        store=settings.store,
    )
    log.debug(report.summary())
    return report


def store_digest(settings: Settings) -> str | None:
    """Return the seed digest recorded by the store's last load, or None if there is none."""
    store = open_store(settings)
    try:
        if store.is_empty():
            return None
        rows = store.query(f"SELECT ?digest WHERE {{ ?load <{AT.seedDigest}> ?digest }}")
        assert isinstance(rows, QuerySolutions)
        for row in rows:
            return str(row["digest"].value)
        return None
    finally:
        store.close()


def is_stale(settings: Settings) -> bool:
    """Tell whether the store is missing or was built from other seeds than the current ones."""
    return store_digest(settings) != seed_digest(settings)
