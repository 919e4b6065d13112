"""SHACL shapes compiled into SPARQL: one violation query per constraint.

``ontology/shapes.ttl`` stays the specification; this module translates it
mechanically (see :mod:`loader.shacl`, which runs the queries):

- a property shape's constraint selects ``?this`` (the focus node) and, for
  value constraints, ``?value``, one row per result, as pyshacl reports them;
- ``sh:node``, ``sh:or`` and ``sh:qualifiedValueShape`` nest: a value conforms
  to a shape when no pattern of that shape's constraints matches it;
- a SHACL-SPARQL constraint runs once with ``$this`` free (its rows are given
  to the compiler, which matches nested uses against them with VALUES).

The default graph holds the ontology, so ``sh:class`` and ``sh:targetClass``
follow ``rdfs:subClassOf`` there, as pyshacl does with ``inference="none"``.
A feature the compiler does not know is refused with an error naming it.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections.abc import Callable
from collections.abc import Iterator

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

SH = Namespace("http://www.w3.org/ns/shacl#")
_SUBCLASS = f"<{RDF.type}>/<{RDFS.subClassOf}>*"
# Where the checker marks the nodes that fail a nested shape while it runs (removed after).
SCRATCH = "urn:attest:shacl:failed"
FAILS = "urn:attest:shacl:fails"
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


def _term(node: Node) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        return str(node.n3())
    raise LoadError(f"shapes.ttl: cannot compile the blank node {node} as a SPARQL term")


@dataclasses.dataclass(frozen=True)
class Candidates:
    """The nodes a nested shape is checked on: a pattern that binds them to a variable."""

    key: str
    pattern: Callable[[str], str]


class Compiler:
    """Translate shapes into SPARQL violation patterns (one instance per check run).

    With *mark* (a query and a key IRI → records the ``?this`` of each row under
    that key in the scratch graph :data:`SCRATCH`, returning how many), a nested
    shape is checked once, on all its candidate nodes together, and its uses
    become one index probe in the scratch graph: each query stays a scan with a
    few joins, where nested ``EXISTS`` would repeat the whole shape per node.
    """

    def __init__(
        self,
        shapes: Graph,
        sparql_rows: dict[Node, list[str]],
        mark: Callable[[str, str], int] | None = None,
    ) -> None:
        self.shapes = shapes
        self.sparql_rows = sparql_rows
        self.mark = mark
        self.fresh = itertools.count()
        self.failed: dict[tuple[Node, str], str | None] = {}

    def instance(self, node: str, cls: Node) -> str:
        """A pattern matching when *node* is an instance of *cls* (``rdfs:subClassOf`` followed)."""
        return f"{node} {_SUBCLASS} {_term(cls)} ."

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

    def violates(self, shape: Node, focus: str, among: Candidates | None = None) -> str:
        """Return a pattern that matches when the bound *focus* does not conform to *shape*.

        :param among: the nodes *focus* ranges over; with a runner, *shape* is checked
            on all of them at once and the pattern is a ``VALUES`` of those that fail.
        """
        if self.one(shape, SH.path) is not None:  # a property shape inside sh:or, sh:node…
            found = [p for _, p, _ in self.property_patterns(shape, focus, False, among)]
            return " UNION ".join(f"{{ {pattern} }}" for pattern in found) or "FILTER (false)"
        if self.mark is not None and among is not None:
            key = self.failed_key(shape, among)
            if key is None:
                return "FILTER (false)"
            return f"GRAPH <{SCRATCH}> {{ <{key}> <{FAILS}> {focus} }}"
        patterns = [p for _, p in self.node_patterns(shape, focus)]
        for property_shape in self.shapes.objects(shape, SH.property):
            patterns += [p for _, p, _ in self.property_patterns(property_shape, focus, False)]
        if not patterns:
            return "FILTER (false)"
        return " UNION ".join(f"{{ {pattern} }}" for pattern in patterns)

    def failed_key(self, shape: Node, among: Candidates) -> str | None:
        """Check *shape* on every candidate node and mark those that fail.

        :returns: the key they are marked under in :data:`SCRATCH`, None if none failed.
        """
        memo = (shape, among.key)
        if memo not in self.failed:
            assert self.mark is not None
            key = f"{SCRATCH}/{len(self.failed)}"
            marked = 0
            for check in shape_checks(self, shape, among.pattern("?this"), True, among):
                marked += self.mark(check.query, key)
            self.failed[memo] = key if marked else None
        return self.failed[memo]

    def values_of(self, among: Candidates | None, path: str) -> Candidates | None:
        """The values of *path* on the candidate nodes *among*."""
        if among is None:
            return None

        def pattern(var: str) -> str:
            node = self.var()
            return f"{{ SELECT DISTINCT {var} WHERE {{ {among.pattern(node)} {node} {path} {var} . }} }}"

        return Candidates(f"{among.key} {path}", pattern)

    def conforms(self, shape: Node, value: str, among: Candidates | None = None) -> str:
        return f"NOT EXISTS {{ {self.violates(shape, value, among)} }}"

    def node_patterns(
        self, shape: Node, value: str, among: Candidates | None = None
    ) -> list[tuple[str, str]]:
        """(component, pattern) for the constraints a shape puts on *value* itself."""
        found = []
        for parameter, argument in sorted(self.shapes.predicate_objects(shape)):
            if parameter in _NOT_CONSTRAINTS:
                continue
            if parameter == SH.sparql:
                found.append(("SPARQLConstraintComponent", self.sparql_pattern(argument, value)))
                continue
            test = self.value_test(parameter, argument, value, among)
            found.append((test[0], f"FILTER ({test[1]})"))
        return found

    def value_test(
        self, parameter: Node, argument: Node, v: str, among: Candidates | None = None
    ) -> tuple[str, str]:
        """(component, expression true when *v* fails the constraint; *v* ranges over *among*)."""
        if parameter == SH["class"]:
            return "ClassConstraintComponent", f"NOT EXISTS {{ {self.instance(v, argument)} }}"
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
            return "NodeConstraintComponent", f"EXISTS {{ {self.violates(argument, v, among)} }}"
        if parameter == SH["not"]:
            return "NotConstraintComponent", self.conforms(argument, v, among)
        if parameter in (SH["or"], SH["and"], SH.xone):
            parts = [self.conforms(s, v, among) for s in Collection(self.shapes, argument)]
            if parameter == SH["or"]:
                return "OrConstraintComponent", f"!({' || '.join(parts) or 'false'})"
            if parameter == SH["and"]:
                return "AndConstraintComponent", f"!({' && '.join(parts) or 'true'})"
            count = " + ".join(f"IF({p}, 1, 0)" for p in parts) or "0"
            return "XoneConstraintComponent", f"({count}) != 1"
        if parameter == SH.hasValue:  # on a node shape: the node itself is that value
            return "HasValueConstraintComponent", f"!sameTerm({v}, {_term(argument)})"
        raise LoadError(f"shapes.ttl: the SPARQL checker does not support {parameter}")

    def _owner(self, parameter: Node, argument: Node) -> Node:
        return next(iter(self.shapes.subjects(parameter, argument)))

    def property_patterns(
        self, shape: Node, focus: str, report: bool = True, among: Candidates | None = None
    ) -> list[tuple[str, str, bool]]:
        """(component, pattern, reports a value) for each constraint of a property shape.

        With *report*, a value constraint binds its failing value to ``?value``.
        *among* is what *focus* ranges over (see :meth:`violates`).
        """
        path = self.path(shape)
        values = self.values_of(among, path)
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
                    pattern = self._min(focus, path, argument, qualified, values)
                    found.append(("QualifiedMinCountConstraintComponent", pattern, False))
                else:
                    pattern = self._max(focus, path, argument, qualified, values)
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
            elif parameter == SH.hasValue:  # a focus without that value among its values
                pattern = f"FILTER NOT EXISTS {{ {focus} {path} {_term(argument)} }}"
                found.append(("HasValueConstraintComponent", pattern, False))
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
                component, fails = self.value_test(parameter, argument, value, values)
                pattern = f"{focus} {path} {value} . FILTER ({fails})"
                pattern += f" BIND ({value} AS ?value)" if report else ""
                found.append((component, pattern, True))
        return found

    def _distinct(
        self, focus: str, path: str, count: int, qualified: Node | None, among: Candidates | None
    ) -> str:
        """A pattern matching when *focus* has at least *count* distinct (qualified) values."""
        if count > 8:
            raise LoadError(f"shapes.ttl: counts above 8 are not supported, not {count}")
        values = [self.var() for _ in range(count)]
        parts = [f"{focus} {path} {value} ." for value in values]
        if qualified is not None:
            parts += [f"FILTER ({self.conforms(qualified, value, among)})" for value in values]
        parts += [f"FILTER (!sameTerm({a}, {b}))" for a, b in itertools.combinations(values, 2)]
        return " ".join(parts)

    def _min(
        self,
        focus: str,
        path: str,
        count: Node,
        qualified: Node | None = None,
        among: Candidates | None = None,
    ) -> str:
        if int(count) <= 0:  # type: ignore[call-overload]
            return "FILTER (false)"
        distinct = self._distinct(focus, path, int(count), qualified, among)  # type: ignore[call-overload]
        return f"FILTER NOT EXISTS {{ {distinct} }}"

    def _max(
        self,
        focus: str,
        path: str,
        count: Node,
        qualified: Node | None = None,
        among: Candidates | None = None,
    ) -> str:
        return self._distinct(focus, path, int(count) + 1, qualified, among)  # type: ignore[call-overload]

    def sparql_pattern(self, constraint: Node, value: str) -> str:
        rows = sorted(set(self.sparql_rows.get(constraint, [])))
        if not rows:
            return "FILTER (false)"
        return f"VALUES {value} {{ {' '.join(f'<{row}>' for row in rows)} }}"

    def targets(self, shape: Node, this: str = "?this") -> str | None:
        """A pattern binding *this* to every focus node of *shape* (None: it targets nothing)."""
        patterns = []
        for cls in self.shapes.objects(shape, SH.targetClass):
            patterns.append(self.instance(this, cls))
        for node in self.shapes.objects(shape, SH.targetNode):
            patterns.append(f"VALUES {this} {{ {_term(node)} }}")
        for predicate in self.shapes.objects(shape, SH.targetSubjectsOf):
            patterns.append(f"{this} {_term(predicate)} [] .")
        for predicate in self.shapes.objects(shape, SH.targetObjectsOf):
            patterns.append(f"[] {_term(predicate)} {this} .")
        if (shape, RDF.type, RDFS.Class) in self.shapes:
            patterns.append(self.instance(this, shape))
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


def shape_checks(
    compiler: Compiler,
    shape: Node,
    target: str,
    nested: bool,
    among: Candidates | None = None,
) -> list[Check]:
    """One check per constraint of *shape* for the focus nodes *target* binds to ``?this``.

    SHACL-SPARQL constraints are included only when *nested* (top-level ones are
    reported row by row by :func:`check_store`). *among* describes the same nodes
    as *target*, for shapes nested in this one.
    """
    checks = []
    if compiler.one(shape, SH.path) is not None:  # a property shape inside sh:or, sh:node…
        node_patterns: list[tuple[str, str]] = []
        property_shapes: list[Node] = [shape]
    else:
        node_patterns = compiler.node_patterns(shape, "?this", among)
        property_shapes = list(compiler.shapes.objects(shape, SH.property))
    for component, pattern in node_patterns:
        if component == "SPARQLConstraintComponent" and not nested:
            continue
        query = f"SELECT ?this ?value WHERE {{ {target} {pattern} BIND (?this AS ?value) }}"
        message = compiler.message(shape)
        if component == "SPARQLConstraintComponent":
            node = next(iter(compiler.shapes.objects(shape, SH.sparql)))
            message = compiler.message(node)
        checks.append(Check(shape, component, None, message, query, True))
    for property_shape in property_shapes:
        path = str(compiler.shapes.value(property_shape, SH.path))
        message = compiler.message(property_shape)
        patterns = compiler.property_patterns(property_shape, "?this", True, among)
        for component, pattern, valued in patterns:
            head = "SELECT DISTINCT ?this ?value" if valued else "SELECT DISTINCT ?this"
            query = f"{head} WHERE {{ {target} {pattern} }}"
            checks.append(Check(property_shape, component, path, message, query, valued))
    return checks


def compile_checks(compiler: Compiler) -> list[Check]:
    """Translate every constraint of every targeted shape into one violation query.

    With the compiler's runner, nested shapes are checked (run) while compiling.

    :raises LoadError: if the shapes use a feature the compiler does not support.
    """
    checks = []
    for shape in sorted(set(compiler.shapes.subjects()), key=str):
        target = compiler.targets(shape)
        if target is not None:
            among = Candidates(f"targets of {shape}", functools.partial(_targets, compiler, shape))
            checks += shape_checks(compiler, shape, target, False, among)
    return checks


def _targets(compiler: Compiler, shape: Node, var: str) -> str:
    return compiler.targets(shape, var) or "FILTER (false)"
