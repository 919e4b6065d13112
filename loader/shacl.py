"""SHACL validation of the built default graph, fast enough for large loads.

pyshacl checks the core constraints of ``ontology/shapes.ttl``. Its SPARQL-based
constraints, which pyshacl evaluates once per focus node with rdflib's engine
(about 30 ms each, hours for a million assertions), run here instead once per
constraint with Oxigraph, ``$this`` left free: every node the pattern reports is
a violation. That is the same result for shapes whose pattern can only match
their own focus nodes, which the shapes file keeps to (see its header).
"""

from __future__ import annotations

import dataclasses

import pyshacl
from pyoxigraph import QuerySolutions
from pyoxigraph import RdfFormat
from pyoxigraph import Store
from rdflib import Graph
from rdflib import Namespace
from rdflib.term import Node

from loader.errors import Problem
from loader.validate import Corpus
from loader.validate import where_by_iri

SH = Namespace("http://www.w3.org/ns/shacl#")
HINT = "fix the seed entry this node was built from"


@dataclasses.dataclass(frozen=True)
class SparqlConstraint:
    """A SHACL-SPARQL constraint: its query (prefixes included) and message."""

    query: str
    message: str


def _reachable(graph: Graph, node: Node) -> set[tuple[Node, Node, Node]]:
    found: set[tuple[Node, Node, Node]] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        for triple in graph.triples((current, None, None)):
            if triple not in found:
                found.add(triple)
                stack.append(triple[2])
    return found


def split_shapes(shapes: Graph) -> tuple[Graph, list[SparqlConstraint]]:
    """Separate the core shapes (for pyshacl) from the SPARQL constraints."""
    core = Graph()
    for triple in shapes:
        core.add(triple)
    constraints = []
    for shape, node in list(shapes.subject_objects(SH.sparql)):
        declarations = []
        for prefixes in shapes.objects(node, SH.prefixes):
            for declaration in shapes.objects(prefixes, SH.declare):
                prefix = shapes.value(declaration, SH.prefix)
                namespace = shapes.value(declaration, SH.namespace)
                declarations.append(f"PREFIX {prefix}: <{namespace}>")
        select = str(shapes.value(node, SH.select))
        message = str(shapes.value(node, SH.message) or "violation")
        constraints.append(SparqlConstraint("\n".join(declarations) + "\n" + select, message))
        core.remove((shape, SH.sparql, node))
        for triple in _reachable(shapes, node):
            core.remove(triple)
    return core, constraints


def shacl_problems(data: Graph, shapes: Graph, corpus: Corpus) -> list[Problem]:
    """Validate the built default graph; map each violation back to its seed file and line.

    :returns: one Problem per violation (empty when the graph conforms).
    """
    core, constraints = split_shapes(shapes)
    where_of = where_by_iri(corpus)
    problems = []
    conforms, report, _ = pyshacl.validate(
        data, shacl_graph=core, inference="none", allow_warnings=True, advanced=True
    )
    if not conforms:
        assert isinstance(report, Graph)
        rows = report.query(
            """PREFIX sh: <http://www.w3.org/ns/shacl#>
            SELECT ?focus ?path ?message WHERE {
              ?result a sh:ValidationResult ; sh:focusNode ?focus ; sh:resultSeverity sh:Violation .
              OPTIONAL { ?result sh:resultPath ?path }
              OPTIONAL { ?result sh:resultMessage ?message }
            }"""
        )
        for row in rows:
            focus, path, message = row  # type: ignore[misc]
            detail = f" ({path})" if path is not None else ""
            text = f"SHACL: {message or 'violation'} at <{focus}>{detail}"
            problems.append(where_of(str(focus)).problem(text, HINT))
    if constraints:
        store = Store()
        store.load(data.serialize(format="nt", encoding="utf-8"), format=RdfFormat.N_TRIPLES)
        for constraint in constraints:
            result = store.query(constraint.query)
            assert isinstance(result, QuerySolutions)
            for solution in result:
                focus = solution["this"]
                if focus is not None:
                    text = f"SHACL: {constraint.message} at <{focus.value}>"
                    problems.append(where_of(focus.value).problem(text, HINT))
    return problems
