"""The loader's commands: load, validate, export, stats, query (thin click wrappers).

They are registered on the ``attest`` group by :mod:`server.cli`; each takes the
resolved :class:`~loader.settings.Settings` from the click context and turns a
:class:`~loader.errors.LoadError` into a ClickException (exit 1).
"""

from __future__ import annotations

import dataclasses
import io
import json
import time
from collections.abc import Iterator
from collections.abc import Sequence
from pathlib import Path

import click
from pyoxigraph import QueryBoolean
from pyoxigraph import QueryResultsFormat
from pyoxigraph import QuerySolutions
from pyoxigraph import RdfFormat
from pyoxigraph import serialize

from loader import coverage as covering
from loader import pipeline
from loader import serialization as exporting
from loader import stats as counting
from loader import wikidata as wikidata_module
from loader.errors import LoadError
from loader.errors import Problem
from loader.errors import ValidationError
from loader.settings import Settings
from loader.store import open_store

RESULT_FORMATS = {
    "json": QueryResultsFormat.JSON,
    "xml": QueryResultsFormat.XML,
    "csv": QueryResultsFormat.CSV,
    "tsv": QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "turtle": RdfFormat.TURTLE,
    "ntriples": RdfFormat.N_TRIPLES,
    "jsonld": RdfFormat.JSON_LD,
}


def settings_of(ctx: click.Context) -> Settings:
    settings = ctx.find_object(Settings)
    if settings is None:  # pragma: no cover - the group always sets it
        raise click.UsageError("settings were not resolved")
    return settings


class _ProgressPrinter:
    """One line per stage of a load, with counts and a rate (per 10 % of a long stage)."""

    UNITS = {
        "reading": ("read", "files"),
        "validating": ("validated", "assertions"),
        "building": ("built", "assertions"),
        "writing": ("wrote", "quads"),
        "checking": ("checked", "SHACL constraints"),
        "optimizing": ("optimized", "stores"),
    }

    def __init__(self) -> None:
        self.started: dict[str, float] = {}
        self.last: dict[str, int] = {}

    def __call__(self, done: int, total: int, stage: str = "building") -> None:
        now = time.monotonic()
        start = self.started.setdefault(stage, now)
        if done == 0:
            return
        step = max(1, total // 10) if total else 10**12  # unknown total: every report
        last = self.last.get(stage, 0)
        if total and done != total and done // step == last // step:
            return
        self.last[stage] = done
        verb, unit = self.UNITS.get(stage, (stage, "items"))
        count = f"{done}/{total}" if total else f"{done}"
        seconds = now - start
        rate = f" ({done / seconds:,.0f}/s)" if seconds > 0.5 else ""
        click.echo(f"{verb} {count} {unit}{rate}", err=True)


def _fail(exc: LoadError) -> click.ClickException:
    return click.ClickException(str(exc))


@click.command()
@click.pass_context
def load(ctx: click.Context) -> None:
    """Validate the seeds and build the graph into the store (atomic)."""
    settings = settings_of(ctx)
    try:
        report = pipeline.load(settings, progress=_ProgressPrinter())
    except LoadError as exc:
        raise _fail(exc) from None
    where = f" ({settings.data_dir})" if settings.store == "oxigraph" else ""
    click.echo(report.summary() + where)


@click.command()
@click.argument("seeds_dir", required=False, type=click.Path(file_okay=False, path_type=str))
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too, not only on errors.")
@click.pass_context
def validate(ctx: click.Context, seeds_dir: str | None, strict: bool) -> None:
    """Check the curated files (SEEDS_DIR, default: the seeds setting).

    Exit 1 on any error; warnings are printed with file and line and fail only with --strict.
    """
    settings = settings_of(ctx)
    if seeds_dir is not None:
        settings = settings.replace(seeds_dir=Path(seeds_dir))
    try:
        prepared = pipeline.validate(settings)
    except ValidationError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(
            f"{_counted(exc.problems)} found in {settings.seeds_dir}"
        ) from None
    except LoadError as exc:
        raise _fail(exc) from None
    corpus = prepared.corpus
    for warning in corpus.warnings:
        click.echo(str(warning), err=True)
    if strict and corpus.warnings:
        raise click.ClickException(
            f"{_counted(corpus.warnings)} found in {settings.seeds_dir} (--strict)"
        )
    also = f"; {_counted(corpus.warnings)}" if corpus.warnings else ""
    click.echo(
        f"ok: {len(corpus.documents)} documents, {len(corpus.entities)} entities, "
        f"{len(corpus.assertions)} assertions, every quote grounded{also}"
    )


def _counted(problems: Sequence[Problem]) -> str:
    warnings = sum(1 for problem in problems if problem.is_warning)
    errors = len(problems) - warnings
    parts = [f"{errors} problem{'s' if errors != 1 else ''}"] if errors else []
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return " and ".join(parts)


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(exporting.FORMATS)),
    default="trig",
    show_default=True,
    help="trig/nquads/jsonld: every graph; turtle/ntriples: the default graph only.",
)
@click.option(
    "--output", "-o", type=click.File("wb"), default="-", help="File to write (default: stdout)."
)
@click.pass_context
def export(ctx: click.Context, fmt: str, output: io.BufferedWriter) -> None:
    """Write the store's content as RDF."""
    settings = settings_of(ctx)
    store = open_store(settings)
    try:
        exporting.export(store, fmt, output, base_iri=settings.base_iri)
    except LoadError as exc:
        raise _fail(exc) from None
    finally:
        store.close()


@click.command()
@click.option(
    "--by-document", is_flag=True, help="Per source text: assertions, speakers, links, hedges."
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.pass_context
def stats(ctx: click.Context, by_document: bool, fmt: str) -> None:
    """Count documents, entities, assertions, triples and inferred triples."""
    settings = settings_of(ctx)
    store = open_store(settings)
    try:
        if by_document:
            rows = counting.by_document(store)
            if fmt == "json":
                click.echo(json.dumps(rows, indent=2))
            else:
                columns = [
                    "title",
                    "assertions",
                    "speakers",
                    "disputes",
                    "corroborates",
                    "hedged_assertions",
                    "denials",
                ]
                click.echo(_table(columns, [[row[c] for c in columns] for row in rows]))
            return
        result = counting.store_stats(store)
        if fmt == "json":
            click.echo(json.dumps(dataclasses.asdict(result)))
        else:
            for label, value in result.lines():
                click.echo(f"{label:<36} {value:>9}")
    except LoadError as exc:
        raise _fail(exc) from None
    finally:
        store.close()


@click.command()
@click.argument("sparql")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", *RESULT_FORMATS, *GRAPH_FORMATS]),
    default="table",
    show_default=True,
    help="table/json/xml/csv/tsv for SELECT and ASK; turtle/ntriples/jsonld for CONSTRUCT.",
)
@click.option("--union", is_flag=True, help="Query the union of all graphs as the default graph.")
@click.pass_context
def query(ctx: click.Context, sparql: str, fmt: str, union: bool) -> None:
    """Run a SPARQL query (SPARQL, or @FILE to read it from a file) against the store."""
    settings = settings_of(ctx)
    if sparql.startswith("@"):
        try:
            with open(sparql[1:], encoding="utf-8") as handle:
                sparql = handle.read()
        except OSError as exc:
            raise click.BadParameter(f"cannot read {sparql[1:]}: {exc.strerror}") from None
    store = open_store(settings)
    try:
        result = store.query(sparql, union=union)
        click.echo(_render(result, fmt), nl=False)
    except LoadError as exc:
        raise _fail(exc) from None
    finally:
        store.close()


def _render(result: object, fmt: str) -> str:
    if isinstance(result, QueryBoolean):
        if fmt in RESULT_FORMATS:
            return result.serialize(format=RESULT_FORMATS[fmt]).decode("utf-8")  # type: ignore[union-attr]
        if fmt != "table":
            raise click.BadParameter(
                f"an ASK answer cannot be written as {fmt}", param_hint="--format"
            )
        return ("yes" if bool(result) else "no") + "\n"
    if isinstance(result, QuerySolutions):
        if fmt in RESULT_FORMATS:
            return result.serialize(format=RESULT_FORMATS[fmt]).decode("utf-8")  # type: ignore[union-attr]
        if fmt != "table":
            raise click.BadParameter(
                f"a SELECT answer cannot be written as {fmt}", param_hint="--format"
            )
        names = [variable.value for variable in result.variables]
        rows = [[_cell(solution[name]) for name in names] for solution in result]
        return _table(names, rows) + f"\n({len(rows)} row{'s' if len(rows) != 1 else ''})\n"
    if fmt not in GRAPH_FORMATS and fmt != "table":
        raise click.BadParameter(
            f"a CONSTRUCT answer cannot be written as {fmt}", param_hint="--format"
        )
    rdf_format = GRAPH_FORMATS.get(fmt, RdfFormat.TURTLE)
    data = serialize(result, format=rdf_format)  # type: ignore[arg-type]
    return (data or b"").decode("utf-8")


def _cell(term: object) -> str:
    if term is None:
        return ""
    value = getattr(term, "value", str(term))
    return str(value).replace("\n", " ")


def _table(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(c) for c in columns]] + [
        ["" if v is None else str(v) for v in row] for row in rows
    ]
    widths = [min(60, max(len(row[i]) for row in cells)) for i in range(len(columns))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(
            _clip(value, width).ljust(width) for value, width in zip(row, widths, strict=True)
        ).rstrip()

    out: Iterator[str] = iter(
        [line(cells[0]), "  ".join("-" * w for w in widths)] + [line(r) for r in cells[1:]]
    )
    return "\n".join(out)


def _clip(value: str, width: int) -> str:
    return value if len(value) <= width else value[: width - 1] + "…"


@click.command()
@click.option("--document", "document_id", help="Only this source document (its id).")
@click.pass_context
def coverage(ctx: click.Context, document_id: str | None) -> None:
    """List sentences that name an entity but no assertion covers; exit 1 if any."""
    settings = settings_of(ctx)
    try:
        corpus = pipeline.prepare(settings).corpus
    except ValidationError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException("fix the problems above first (attest validate)") from None
    except LoadError as exc:
        raise _fail(exc) from None
    roots = covering.root_documents(corpus)
    if document_id is not None:
        if document_id not in roots:
            raise click.BadParameter(
                f"'{document_id}' is not a source document; choose one of {', '.join(roots)}",
                param_hint="--document",
            )
        roots = [document_id]
    missing = 0
    for root in roots:
        for sentence in covering.uncovered(corpus, root):
            missing += 1
            click.echo(f"{root} [{sentence.start}:{sentence.end}] ({', '.join(sentence.entities)})")
            click.echo(f"    {sentence.text}")
    if missing:
        raise click.ClickException(
            f"{missing} sentence(s) not covered: add an assertion whose quote overlaps each, "
            "or list it under no_checkable_claim with a reason"
        )
    click.echo(f"ok: every sentence naming an entity is covered in {len(roots)} document(s)")


@click.group()
def wikidata() -> None:
    """Wikidata: refresh the local cache of linked entities' data."""


@wikidata.command()
@click.pass_context
def refresh(ctx: click.Context) -> None:
    """Fetch labels, descriptions, aliases (en, fa, ar) and key statements of linked entities.

    Writes seeds/wikidata/cache.json; 'attest load' puts it in a graph of its own.
    Offline, or on an error, the existing cache is kept.
    """
    settings = settings_of(ctx)
    try:
        report = wikidata_module.refresh(
            Path(settings.seeds_dir), settings.wikidata_api, settings.wikidata_timeout
        )
    except LoadError as exc:
        raise click.ClickException(f"{exc}; the existing cache was kept") from None
    click.echo(f"cached Wikidata's data for {report.fetched} items in {report.path}")
    for qid in report.missing:
        click.echo(
            f"warning: {qid} does not exist on Wikidata: check the entity that links it", err=True
        )
    for old, new in report.redirected:
        click.echo(
            f"warning: {old} now redirects to {new}: update the link and its evidence", err=True
        )
    click.echo("run 'attest load' to put the refreshed data into the store")


@click.command()
@click.option("--entity", "entity_ids", multiple=True, help="Only this entity id (repeatable).")
@click.option(
    "--limit", default=0, type=click.IntRange(min=0), help="At most this many entities (0: all)."
)
@click.option(
    "--candidates",
    default=3,
    show_default=True,
    type=click.IntRange(1, 10),
    help="Candidates per entity.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.pass_context
def link(
    ctx: click.Context, entity_ids: tuple[str, ...], limit: int, candidates: int, fmt: str
) -> None:
    """List entities without a Wikidata item, with ranked candidates to check. Writes nothing."""
    from loader.seeds import read_seeds

    settings = settings_of(ctx)
    entities = [e for e in read_seeds(Path(settings.seeds_dir)).entities if not e.wikidata]
    known = {e.id for e in entities}
    for wanted in entity_ids:
        if wanted not in known:
            raise click.BadParameter(
                f"'{wanted}' is not an entity without a Wikidata item", param_hint="--entity"
            )
    if entity_ids:
        entities = [e for e in entities if e.id in entity_ids]
    if limit:
        entities = entities[:limit]
    report = []
    try:
        for entity in entities:
            results = wikidata_module.search(
                settings.wikidata_api, entity.label, settings.wikidata_timeout
            )
            ranked = wikidata_module.rank([entity.label, *entity.aliases], results)[:candidates]
            report.append((entity, ranked))
    except LoadError as exc:
        raise click.ClickException(str(exc)) from None
    if fmt == "json":
        click.echo(
            json.dumps(
                [
                    {
                        "entity": e.id,
                        "label": e.label,
                        "type": e.type,
                        "file": e.where.file,
                        "candidates": [c.__dict__ for c in ranked],
                    }
                    for e, ranked in report
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for entity, ranked in report:
        click.echo(
            f"{entity.id} ({entity.label}, {entity.type}) in {entity.where.file}:{entity.where.line}"
        )
        for candidate in ranked:
            click.echo(
                f"  {candidate.score:>3}  {candidate.qid}  {candidate.label} — {candidate.description}"
            )
        if not ranked:
            click.echo("       no candidate found")
    click.echo(
        f"{len(report)} entities without a Wikidata item. Nothing was written: to accept a candidate, "
        "check it, add 'wikidata: Q…' to the entity and a row with your evidence to seeds/wikidata/verified.tsv."
    )


COMMANDS = (load, validate, export, stats, query, coverage, wikidata, link)
