"""SHACL validation as SPARQL over the staged Oxigraph store, compiled from the shapes.

``ontology/shapes.ttl`` stays the specification. Instead of copying the default
graph into rdflib for pyshacl (memory and time that grow faster than the corpus),
each constraint of each targeted shape is translated mechanically into one
SPARQL query that selects its violations, and run once on Oxigraph:

- a property shape's constraint reports ``?this`` (the focus node) and, for
  value constraints, ``?value``; one row per result, as pyshacl reports them;
- ``sh:node``, ``sh:or`` and ``sh:qualifiedValueShape`` nest: a value conforms
  to a shape when no pattern of that shape's constraints matches it;
- a SHACL-SPARQL constraint (``sh:sparql``) runs once with ``$this`` free; its
  rows are the violations of the focus nodes they name (the shapes keep their
  patterns about their own focus node, see the header of shapes.ttl).

The default graph holds the ontology, so ``sh:class`` and ``sh:targetClass``
follow ``rdfs:subClassOf`` there, as pyshacl does with ``inference="none"``.
A shape that uses a feature this compiler does not know is refused with an
error naming it, never skipped. ``tests/test_shacl.py`` proves the results equal
pyshacl's on the seeds and on a bad fixture for every constraint.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from collections.abc import Iterator

from pyoxigraph import NamedNode
from pyoxigraph import Quad
from pyoxigraph import QuerySolutions
from pyoxigraph import RdfFormat
from pyoxigraph import Store
from rdflib import Graph
from rdflib.collection import Collection
from rdflib.term import Node

from loader.constraints import FAILS
from loader.constraints import SCRATCH
from loader.constraints import SH
from loader.constraints import Check
from loader.constraints import Compiler
from loader.constraints import compile_checks
from loader.constraints import shape_checks
from loader.constraints import sparql_constraints
from loader.errors import Problem
from loader.validate import Corpus
from loader.validate import where_by_iri

HINT = "fix the seed entry this node was built from"
__all__ = ["SH", "Result", "check_store", "shacl_problems"]


@dataclasses.dataclass(frozen=True)
class Result:
    """One violation, in the terms pyshacl reports it."""

    focus: str
    path: str | None
    component: str
    message: str | None
    value: str | None
    shape: Node = dataclasses.field(compare=False, default=None)  # type: ignore[assignment]
    details: tuple[Result, ...] = dataclasses.field(compare=False, default=())
    term: str | None = dataclasses.field(compare=False, default=None)  # value, N-Triples

    def key(self) -> tuple[str, str, str, str, str]:
        """What pyshacl reports: focus, path, component, declared message, value."""
        return (self.focus, self.path or "", self.component, self.message or "", self.value or "")

    def said(self) -> str:
        said = self.message or f"violates sh:{self.component.removesuffix('ConstraintComponent')}"
        detail = f" ({self.path})" if self.path is not None else ""
        because = "; ".join(inner.said() for inner in self.details)
        focus = f"<{self.focus}>" if "://" in self.focus else repr(self.focus)
        return f"{said} at {focus}{detail}" + (f" [because {because}]" if because else "")

    def text(self) -> str:
        return f"SHACL: {self.said()}"


def run_sparql_constraints(store: Store, shapes: Graph) -> dict[Node, list[str]]:
    """Run each SHACL-SPARQL constraint once over the data, ``$this`` free.

    :returns: for each constraint node, the ``$this`` of every row (repeats kept).
    """
    rows: dict[Node, list[str]] = {}
    for _, node, query in sparql_constraints(shapes):
        found = rows.setdefault(node, [])
        answer = store.query(query)
        assert isinstance(answer, QuerySolutions)
        for solution in answer:
            focus = solution["this"]
            if focus is not None:
                found.append(focus.value)
    return rows


def _run(store: Store, compiler: Compiler, check: Check) -> Iterator[Result]:
    answer = store.query(check.query)
    assert isinstance(answer, QuerySolutions)
    for solution in answer:
        value = solution["value"] if check.valued else None
        result = Result(
            solution["this"].value,
            check.path,
            check.component,
            check.message,
            value.value if value is not None else None,
            check.shape,
            term=str(value) if value is not None else None,
        )
        yield dataclasses.replace(result, details=tuple(_explain(store, compiler, result)))


def _explain(store: Store, compiler: Compiler, result: Result) -> Iterator[Result]:
    """Yield the violations inside a nested shape that made *result* fail."""
    shapes = compiler.shapes
    inner: list[tuple[Node, str]] = []
    if result.component == "NodeConstraintComponent" and result.value is not None:
        for shape in shapes.objects(result.shape, SH.node):
            inner.append((shape, result.term or ""))
    elif result.component in ("OrConstraintComponent", "XoneConstraintComponent"):
        for parameter in (SH["or"], SH.xone):
            for alternatives in shapes.objects(result.shape, parameter):
                inner += [(shape, result.term or "") for shape in Collection(shapes, alternatives)]
    elif result.component == "QualifiedMinCountConstraintComponent" and result.path:
        qualified = shapes.value(result.shape, SH.qualifiedValueShape)
        values = store.query(f"SELECT ?v WHERE {{ <{result.focus}> <{result.path}> ?v }}")
        assert isinstance(values, QuerySolutions)
        inner += [(qualified, str(row["v"])) for row in values]  # type: ignore[misc]
    for shape, node in inner:
        if not node:
            continue
        for check in shape_checks(compiler, shape, f"VALUES ?this {{ {node} }}", nested=True):
            yield from _run(store, compiler, check)


def check_store(
    store: Store, shapes: Graph, progress: Callable[[int, int], None] | None = None
) -> list[Result]:
    """Validate the default graph of *store* against *shapes*.

    :returns: every violation, one Result per result pyshacl would report, each
        with the violations inside nested shapes that explain it.
    :raises LoadError: if the shapes use a feature the compiler does not support.
    """
    tell = progress or (lambda done, total: None)
    tell(0, 0)
    sparql_rows = run_sparql_constraints(store, shapes)

    scratch, fails = NamedNode(SCRATCH), NamedNode(FAILS)

    def mark(query: str, key: str) -> int:
        answer = store.query(query)
        assert isinstance(answer, QuerySolutions)
        subject = NamedNode(key)
        quads = [Quad(subject, fails, row["this"], scratch) for row in answer]
        store.extend(quads)
        return len(quads)

    compiler = Compiler(shapes, sparql_rows, mark)
    results: list[Result] = []
    try:
        checks = compile_checks(compiler)
        for done, check in enumerate(checks, start=1):
            results += _run(store, compiler, check)
            tell(done, len(checks))
    finally:
        store.remove_graph(scratch)  # the staged data leaves the check as it came
    for shape, node, _ in sparql_constraints(shapes):
        target = compiler.targets(shape)
        if target is None or not sparql_rows.get(node):
            continue
        focus = " ".join(f"<{row}>" for row in sorted(set(sparql_rows[node])))
        answer = store.query(f"SELECT ?this WHERE {{ VALUES ?this {{ {focus} }} {target} }}")
        assert isinstance(answer, QuerySolutions)
        targeted = {solution["this"].value for solution in answer}
        message = compiler.message(node)
        for row in sorted(set(sparql_rows[node])):  # pyshacl reports a focus node once
            if row in targeted:
                results.append(Result(row, None, "SPARQLConstraintComponent", message, row, shape))
    return results


def shacl_problems(
    data: Store | Graph,
    shapes: Graph,
    corpus: Corpus,
    progress: Callable[[int, int], None] | None = None,
) -> list[Problem]:
    """Validate the default graph of *data*; map each violation back to its seed file and line.

    :param data: the staged Oxigraph store (or an rdflib graph, copied into one).
    :param progress: called with (constraints checked, constraints in all).
    :returns: one Problem per violation (empty when the graph conforms).
    :raises LoadError: if the shapes use a feature the checker does not support.
    """
    if isinstance(data, Graph):
        store = Store()
        store.load(data.serialize(format="nt", encoding="utf-8"), format=RdfFormat.N_TRIPLES)
        data = store
    where_of = where_by_iri(corpus)
    found = check_store(data, shapes, progress)
    return [where_of(r.focus).problem(r.text(), HINT) for r in found]
