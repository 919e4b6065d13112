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
import itertools
from collections.abc import Callable
from collections.abc import Iterator

from pyoxigraph import QuerySolutions
from pyoxigraph import RdfFormat
from pyoxigraph import Store
from rdflib import Graph
from rdflib import Literal
from rdflib import Namespace
from rdflib import URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF
from rdflib.namespace import RDFS
from rdflib.namespace import XSD
from rdflib.term import Node

from loader.errors import LoadError
from loader.errors import Problem
from loader.validate import Corpus
from loader.validate import where_by_iri

SH = Namespace("http://www.w3.org/ns/shacl#")
HINT = "fix the seed entry this node was built from"
_SUBCLASS = f"<{RDF.type}>/<{RDFS.subClassOf}>*"
# Datatypes whose lexical form Oxigraph can check with a cast (ill-typed values fail SHACL).
_CASTS = {
    XSD.integer,
    XSD.decimal,
    XSD.double,
    XSD.float,
    XSD.boolean,
    XSD.date,
    XSD.dateTime,
    XSD.time,
    XSD.gYear,
    XSD.gYearMonth,
}
# Parameters that belong to a component handled elsewhere, or that carry no constraint.
_NOT_CONSTRAINTS = {
    RDF.type,
    RDFS.comment,
    RDFS.label,
    SH.path,
    SH.message,
    SH.severity,
    SH.name,
    SH.description,
    SH.targetClass,
    SH.targetNode,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
    SH.property,
    SH.qualifiedMinCount,
    SH.qualifiedMaxCount,
    SH.declare,
    SH.prefixes,
}


@dataclasses.dataclass(frozen=True)
class Check:
    """One compiled constraint: a query whose rows (?this, maybe ?value) are its violations."""

    shape: Node
    component: str
    path: str | None
    message: str | None
    query: str
    valued: bool


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


def _term(node: Node) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        return str(node.n3())
    raise LoadError(f"shapes.ttl: cannot compile the blank node {node} as a SPARQL term")


class _Compiler:
    """Translate shapes into SPARQL violation patterns (one instance per check run)."""

    def __init__(self, shapes: Graph, sparql_rows: dict[Node, list[str]]) -> None:
        self.shapes = shapes
        self.sparql_rows = sparql_rows
        self.fresh = itertools.count()

    def var(self) -> str:
        return f"?v{next(self.fresh)}"

    def one(self, node: Node, parameter: URIRef) -> Node | None:
        return self.shapes.value(node, parameter)

    def message(self, *nodes: Node) -> str | None:
        for node in nodes:
            text = self.one(node, SH.message)
            if text is not None:
                return str(text)
        return None

    def path(self, shape: Node) -> str:
        path = self.one(shape, SH.path)
        if not isinstance(path, URIRef):
            raise LoadError(f"shapes.ttl: only predicate paths are supported, not {path!r}")
        return f"<{path}>"

    def violates(self, shape: Node, focus: str) -> str:
        """Return a pattern that matches when the bound *focus* does not conform to *shape*."""
        patterns = [p for _, p in self.node_patterns(shape, focus)]
        for property_shape in self.shapes.objects(shape, SH.property):
            patterns += [p for _, p, _ in self.property_patterns(property_shape, focus, False)]
        if not patterns:
            return "FILTER (false)"
        return " UNION ".join(f"{{ {pattern} }}" for pattern in patterns)

    def conforms(self, shape: Node, value: str) -> str:
        return f"NOT EXISTS {{ {self.violates(shape, value)} }}"

    def node_patterns(self, shape: Node, value: str) -> list[tuple[str, str]]:
        """(component, pattern) for the constraints a shape puts on *value* itself."""
        found = []
        for parameter, argument in sorted(self.shapes.predicate_objects(shape)):
            if parameter in _NOT_CONSTRAINTS:
                continue
            if parameter == SH.sparql:
                found.append(("SPARQLConstraintComponent", self.sparql_pattern(argument, value)))
                continue
            test = self.value_test(parameter, argument, value)
            found.append((test[0], f"FILTER ({test[1]})"))
        return found

    def value_test(self, parameter: Node, argument: Node, v: str) -> tuple[str, str]:
        """(component, expression true when *v* fails the constraint)."""
        if parameter == SH["class"]:
            return "ClassConstraintComponent", f"NOT EXISTS {{ {v} {_SUBCLASS} {_term(argument)} }}"
        if parameter == SH.datatype:
            fails = f"!isLiteral({v}) || DATATYPE({v}) != {_term(argument)}"
            if argument in _CASTS:
                fails += f" || !COALESCE(isLiteral({_term(argument)}(STR({v}))), false)"
            return "DatatypeConstraintComponent", fails
        if parameter == SH["in"]:
            members = Collection(self.shapes, argument)
            same = " || ".join(f"sameTerm({v}, {_term(m)})" for m in members) or "false"
            return "InConstraintComponent", f"!({same})"
        if parameter == SH.nodeKind:
            kinds = {
                SH.IRI: f"isIRI({v})",
                SH.BlankNode: f"isBlank({v})",
                SH.Literal: f"isLiteral({v})",
                SH.BlankNodeOrIRI: f"!isLiteral({v})",
                SH.BlankNodeOrLiteral: f"!isIRI({v})",
                SH.IRIOrLiteral: f"!isBlank({v})",
            }
            return "NodeKindConstraintComponent", f"!({kinds[argument]})"  # type: ignore[index]
        if parameter in (SH.minLength, SH.maxLength):
            op = "<" if parameter == SH.minLength else ">"
            name = "MinLength" if parameter == SH.minLength else "MaxLength"
            return f"{name}ConstraintComponent", f"isBlank({v}) || STRLEN(STR({v})) {op} {argument}"
        ranges = {
            SH.minInclusive: ("MinInclusive", ">="),
            SH.maxInclusive: ("MaxInclusive", "<="),
            SH.minExclusive: ("MinExclusive", ">"),
            SH.maxExclusive: ("MaxExclusive", "<"),
        }
        if parameter in ranges:
            name, op = ranges[parameter]  # type: ignore[index]
            return f"{name}ConstraintComponent", f"!COALESCE({v} {op} {_term(argument)}, false)"
        if parameter == SH.pattern:
            flags = self.one(self._owner(parameter, argument), SH.flags)
            extra = f", {_term(flags)}" if flags is not None else ""
            regex = f"REGEX(STR({v}), {_term(argument)}{extra})"
            return "PatternConstraintComponent", f"isBlank({v}) || !{regex}"
        if parameter == SH.node:
            return "NodeConstraintComponent", f"EXISTS {{ {self.violates(argument, v)} }}"
        if parameter == SH["not"]:
            return "NotConstraintComponent", self.conforms(argument, v)
        if parameter in (SH["or"], SH["and"], SH.xone):
            parts = [self.conforms(s, v) for s in Collection(self.shapes, argument)]
            if parameter == SH["or"]:
                return "OrConstraintComponent", f"!({' || '.join(parts) or 'false'})"
            if parameter == SH["and"]:
                return "AndConstraintComponent", f"!({' && '.join(parts) or 'true'})"
            count = " + ".join(f"IF({p}, 1, 0)" for p in parts) or "0"
            return "XoneConstraintComponent", f"({count}) != 1"
        if parameter == SH.hasValue:
            raise LoadError("shapes.ttl: sh:hasValue is not supported by the SPARQL checker")
        raise LoadError(f"shapes.ttl: the SPARQL checker does not support {parameter}")

    def _owner(self, parameter: Node, argument: Node) -> Node:
        return next(iter(self.shapes.subjects(parameter, argument)))

    def property_patterns(
        self, shape: Node, focus: str, report: bool = True
    ) -> list[tuple[str, str, bool]]:
        """(component, pattern, reports a value) for each constraint of a property shape.

        With *report*, a value constraint binds its failing value to ``?value``.
        """
        path = self.path(shape)
        found: list[tuple[str, str, bool]] = []
        for parameter, argument in sorted(self.shapes.predicate_objects(shape)):
            if parameter in _NOT_CONSTRAINTS and parameter not in (
                SH.qualifiedMinCount,
                SH.qualifiedMaxCount,
            ):
                continue
            if parameter == SH.minCount:
                found.append(
                    ("MinCountConstraintComponent", self._min(focus, path, argument), False)
                )
            elif parameter == SH.maxCount:
                found.append(
                    ("MaxCountConstraintComponent", self._max(focus, path, argument), False)
                )
            elif parameter in (SH.qualifiedMinCount, SH.qualifiedMaxCount):
                qualified = self.one(shape, SH.qualifiedValueShape)
                if qualified is None:
                    raise LoadError(f"shapes.ttl: {parameter} without sh:qualifiedValueShape")
                if parameter == SH.qualifiedMinCount:
                    pattern = self._min(focus, path, argument, qualified)
                    found.append(("QualifiedMinCountConstraintComponent", pattern, False))
                else:
                    pattern = self._max(focus, path, argument, qualified)
                    found.append(("QualifiedMaxCountConstraintComponent", pattern, False))
            elif (
                parameter == SH.qualifiedValueShape or parameter == SH.qualifiedValueShapesDisjoint
            ):
                continue
            elif parameter in (SH.lessThan, SH.lessThanOrEquals):
                value, other = self.var(), self.var()
                op = "<" if parameter == SH.lessThan else "<="
                name = "LessThan" if parameter == SH.lessThan else "LessThanOrEquals"
                pattern = (
                    f"{focus} {path} {value} . {focus} {_term(argument)} {other} . "
                    f"FILTER (!COALESCE({value} {op} {other}, false))"
                    + (f" BIND ({value} AS ?value)" if report else "")
                )
                found.append((f"{name}ConstraintComponent", pattern, True))
            elif parameter == SH.uniqueLang:
                if argument != Literal(True):
                    continue
                one, two = self.var(), self.var()
                pattern = (
                    f"{focus} {path} {one}, {two} . "
                    f"FILTER (!sameTerm({one}, {two}) && LANG({one}) != '' "
                    f"&& LANG({one}) = LANG({two}) && STR({one}) < STR({two}))"
                )
                found.append(("UniqueLangConstraintComponent", pattern, False))
            else:
                value = self.var()
                component, fails = self.value_test(parameter, argument, value)
                pattern = f"{focus} {path} {value} . FILTER ({fails})"
                pattern += f" BIND ({value} AS ?value)" if report else ""
                found.append((component, pattern, True))
        return found

    def _distinct(self, focus: str, path: str, count: int, qualified: Node | None) -> str:
        """A pattern matching when *focus* has at least *count* distinct (qualified) values."""
        if count > 8:
            raise LoadError(f"shapes.ttl: counts above 8 are not supported, not {count}")
        values = [self.var() for _ in range(count)]
        parts = [f"{focus} {path} {value} ." for value in values]
        if qualified is not None:
            parts += [f"FILTER ({self.conforms(qualified, value)})" for value in values]
        parts += [f"FILTER (!sameTerm({a}, {b}))" for a, b in itertools.combinations(values, 2)]
        return " ".join(parts)

    def _min(self, focus: str, path: str, count: Node, qualified: Node | None = None) -> str:
        if int(count) <= 0:  # type: ignore[call-overload]
            return "FILTER (false)"
        return f"FILTER NOT EXISTS {{ {self._distinct(focus, path, int(count), qualified)} }}"  # type: ignore[call-overload]

    def _max(self, focus: str, path: str, count: Node, qualified: Node | None = None) -> str:
        return self._distinct(focus, path, int(count) + 1, qualified)  # type: ignore[call-overload]

    def sparql_pattern(self, constraint: Node, value: str) -> str:
        rows = sorted(set(self.sparql_rows.get(constraint, [])))
        if not rows:
            return "FILTER (false)"
        return f"VALUES {value} {{ {' '.join(f'<{row}>' for row in rows)} }}"

    def targets(self, shape: Node) -> str | None:
        patterns = []
        for cls in self.shapes.objects(shape, SH.targetClass):
            patterns.append(f"?this {_SUBCLASS} {_term(cls)} .")
        for node in self.shapes.objects(shape, SH.targetNode):
            patterns.append(f"VALUES ?this {{ {_term(node)} }}")
        for predicate in self.shapes.objects(shape, SH.targetSubjectsOf):
            patterns.append(f"?this {_term(predicate)} [] .")
        for predicate in self.shapes.objects(shape, SH.targetObjectsOf):
            patterns.append(f"[] {_term(predicate)} ?this .")
        if (shape, RDF.type, RDFS.Class) in self.shapes:
            patterns.append(f"?this {_SUBCLASS} {_term(shape)} .")
        if not patterns:
            return None
        return " UNION ".join(f"{{ {p} }}" for p in patterns)


def sparql_constraints(shapes: Graph) -> Iterator[tuple[Node, Node, str]]:
    """Yield (shape, constraint node, query with prefixes) for each SHACL-SPARQL constraint."""
    for shape, node in shapes.subject_objects(SH.sparql):
        declarations = []
        for prefixes in shapes.objects(node, SH.prefixes):
            for declaration in shapes.objects(prefixes, SH.declare):
                prefix = shapes.value(declaration, SH.prefix)
                namespace = shapes.value(declaration, SH.namespace)
                declarations.append(f"PREFIX {prefix}: <{namespace}>")
        select = str(shapes.value(node, SH.select))
        yield shape, node, "\n".join(declarations) + "\n" + select


def _shape_checks(compiler: _Compiler, shape: Node, target: str, nested: bool) -> list[Check]:
    """One check per constraint of *shape* for the focus nodes *target* binds to ``?this``.

    SHACL-SPARQL constraints are included only when *nested* (top-level ones are
    reported row by row by :func:`check_store`).
    """
    checks = []
    for component, pattern in compiler.node_patterns(shape, "?this"):
        if component == "SPARQLConstraintComponent" and not nested:
            continue
        query = f"SELECT ?this ?value WHERE {{ {target} {pattern} BIND (?this AS ?value) }}"
        message = compiler.message(shape)
        if component == "SPARQLConstraintComponent":
            node = next(iter(compiler.shapes.objects(shape, SH.sparql)))
            message = compiler.message(node)
        checks.append(Check(shape, component, None, message, query, True))
    for property_shape in compiler.shapes.objects(shape, SH.property):
        path = str(compiler.shapes.value(property_shape, SH.path))
        message = compiler.message(property_shape)
        for component, pattern, valued in compiler.property_patterns(property_shape, "?this"):
            head = "SELECT DISTINCT ?this ?value" if valued else "SELECT DISTINCT ?this"
            query = f"{head} WHERE {{ {target} {pattern} }}"
            checks.append(Check(property_shape, component, path, message, query, valued))
    return checks


def compile_checks(shapes: Graph, sparql_rows: dict[Node, list[str]]) -> list[Check]:
    """Translate every constraint of every targeted shape into one violation query.

    :param sparql_rows: for each SHACL-SPARQL constraint node, the ``$this`` of each
        row it returned over the whole data (see :func:`run_sparql_constraints`).
    :raises LoadError: if the shapes use a feature the compiler does not support.
    """
    compiler = _Compiler(shapes, sparql_rows)
    checks = []
    for shape in sorted(set(shapes.subjects()), key=str):
        target = compiler.targets(shape)
        if target is not None:
            checks += _shape_checks(compiler, shape, target, nested=False)
    return checks


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


def _run(store: Store, compiler: _Compiler, check: Check) -> Iterator[Result]:
    answer = store.query(check.query)
    assert isinstance(answer, QuerySolutions)
    for solution in answer:
        value = solution["value"] if check.valued else None
        result = Result(
            solution["this"].value,  # type: ignore[union-attr]
            check.path,
            check.component,
            check.message,
            value.value if value is not None else None,
            check.shape,
            term=str(value) if value is not None else None,
        )
        yield dataclasses.replace(result, details=tuple(_explain(store, compiler, result)))


def _explain(store: Store, compiler: _Compiler, result: Result) -> Iterator[Result]:
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
        for check in _shape_checks(compiler, shape, f"VALUES ?this {{ {node} }}", nested=True):
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
    compiler = _Compiler(shapes, sparql_rows)
    results: list[Result] = []
    checks = compile_checks(shapes, sparql_rows)
    for done, check in enumerate(checks, start=1):
        results += _run(store, compiler, check)
        tell(done, len(checks))
    for shape, node, _ in sparql_constraints(shapes):
        target = compiler.targets(shape)
        if target is None or not sparql_rows.get(node):
            continue
        focus = " ".join(f"<{row}>" for row in sorted(set(sparql_rows[node])))
        answer = store.query(f"SELECT ?this WHERE {{ VALUES ?this {{ {focus} }} {target} }}")
        assert isinstance(answer, QuerySolutions)
        targeted = {solution["this"].value for solution in answer}  # type: ignore[union-attr]
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
