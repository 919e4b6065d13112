"""Shared record builders: stored queries with bound values, and terms as JSON-ready dicts.

Every query is a stored ``queries/*.rq`` file; values from users are bound as
RDF terms (never pasted into query text). A set of assertions is described
with a fixed number of queries, whatever its size.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from pyoxigraph import Literal
from pyoxigraph import NamedNode
from pyoxigraph import QuerySolutions

from loader.iris import Iris
from loader.store import Store

QUERIES = Path(__file__).parent.parent / "queries"
Term = NamedNode | Literal
Row = dict[str, Term]


@cache
def query_text(name: str) -> str:
    """The text of ``queries/NAME.rq``."""
    return (QUERIES / f"{name}.rq").read_text(encoding="utf-8")


def values_clause(variables: list[str], rows: list[list[Term]]) -> str:
    """A VALUES block binding *variables* to *rows* of RDF terms.

    Terms are pyoxigraph NamedNode/Literal objects, built (and so validated)
    from user input; their N-Triples form is safe to place in a query.
    """
    names = " ".join(f"?{name}" for name in variables)
    data = " ".join("(" + " ".join(str(term) for term in row) + ")" for row in rows)
    return f"VALUES ({names}) {{ {data} }}"


def select(
    store: Store,
    name: str,
    bindings: Mapping[str, Term] | None = None,
    values: tuple[str, Iterable[NamedNode]] | None = None,
    tail: str = "",
) -> list[Row]:
    """Run the stored SELECT *name*; return its solutions as dicts of bound terms.

    :param bindings: variables bound to one term each.
    :param values: (variable, IRIs): the variable ranges over those IRIs.
    :param tail: solution modifiers to append (LIMIT/OFFSET built from integers).

    Both become a VALUES block at the start of the query's WHERE group, so
    they restrict the pattern before it is evaluated, on every store.
    """
    # One VALUES block: Oxigraph joins two blocks before probing, which scans the store.
    fixed = list(bindings.items()) if bindings else []
    names = [variable for variable, _ in fixed]
    rows: list[list[Term]] = [[term for _, term in fixed]]
    if values is not None:
        variable, nodes = values
        listed = list(nodes)
        if not listed:
            return []
        names.append(variable)
        rows = [[*rows[0], node] for node in listed]
    blocks = [values_clause(names, rows)] if names else []
    text = query_text(name)
    if blocks:  # comments (whole lines in our .rq files) may name WHERE: leave them out
        text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        brace = text.index("{", text.upper().index("WHERE"))
        text = text[: brace + 1] + "\n  " + "\n  ".join(blocks) + text[brace + 1 :]
    result = store.query(text + tail)
    assert isinstance(result, QuerySolutions)
    names = [variable.value for variable in result.variables]
    rows = []
    for solution in result:
        row = {n: solution[n] for n in names if solution[n] is not None}
        rows.append(row)
    return rows


class Describer:
    """Turn terms into JSON-ready dicts: our IRIs get an id, a label and a local URL."""

    def __init__(self, store: Store, iris: Iris) -> None:
        self.store = store
        self.iris = iris
        self.labels: dict[str, str] = {}

    def learn_labels(self, nodes: Iterable[Term]) -> None:
        wanted = {
            n.value: n for n in nodes if isinstance(n, NamedNode) and n.value not in self.labels
        }
        for row in select(self.store, "labels", values=("node", wanted.values())):
            self.labels.setdefault(row["node"].value, row["label"].value)

    def node(self, term: Term | None) -> dict[str, Any] | None:
        if term is None:
            return None
        if isinstance(term, Literal):
            value: dict[str, Any] = {"value": term.value}
            if term.language:
                value["language"] = term.language
            elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
                value["datatype"] = term.datatype.value
            return value
        iri = term.value
        described: dict[str, Any] = {"iri": iri}
        parts = self.iris.split(iri)
        if parts is not None:
            kind, item_id, rest = parts
            described["id"] = item_id if not rest else f"{item_id}/{rest}"
            described["url"] = "/" + iri[len(self.iris.base) :]
        elif iri.startswith("https://w3id.org/attest/ontology#"):
            described["url"] = "/ontology#" + iri.rsplit("#", 1)[1]
        if iri in self.labels:
            described["label"] = self.labels[iri]
        return described

    def triple(self, s: Term, p: Term, o: Term) -> dict[str, Any]:
        return {"subject": self.node(s), "predicate": self.node(p), "object": self.node(o)}
