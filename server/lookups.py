"""Provenance look-ups over the store, as plain dicts for the JSON API and the pages.

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

QUERIES = Path(__file__).parent / "queries"
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
    blocks = []
    if bindings:
        blocks.append(values_clause(list(bindings), [list(bindings.values())]))
    if values is not None:
        variable, nodes = values
        listed = list(nodes)
        if not listed:
            return []
        blocks.append(values_clause([variable], [[node] for node in listed]))
    text = query_text(name)
    if blocks:
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


def describe_assertions(
    store: Store, iris: Iris, nodes: list[NamedNode]
) -> dict[str, dict[str, Any]]:
    """Describe each assertion in full: speaker, chain, document, quote, stance, claims, links.

    :returns: IRI → description, for the assertions that exist.
    """
    describer = Describer(store, iris)
    core = select(store, "assertion-core", values=("assertion", nodes))
    steps = select(store, "assertion-steps", values=("assertion", nodes))
    claims = select(store, "assertion-claims", values=("assertion", nodes))
    inferred = select(store, "assertion-inferred", values=("assertion", nodes))
    links = select(store, "assertion-links", values=("assertion", nodes))
    describer.learn_labels(
        [t for row in claims + inferred for t in row.values()] + [row["other"] for row in links]
    )
    summaries = _summaries(store, iris, [row["other"] for row in links])
    result: dict[str, dict[str, Any]] = {}
    for row in core:
        iri = row["assertion"].value
        if iri in result:
            continue
        node = describer.node(row["assertion"]) or {}
        document = {
            "iri": row["document"].value,
            "id": describer.node(row["document"]).get("id"),  # type: ignore[union-attr]
            "url": describer.node(row["document"]).get("url"),  # type: ignore[union-attr]
            "title": row["documentTitle"].value,
            "kind": row["documentKind"].value.rsplit("#", 1)[-1],
            "issued": _value(row.get("documentIssued")),
            "publisher": _labelled(describer, row, "publisher"),
            "part_of": _titled(describer, row, "container"),
        }
        result[iri] = {
            "id": node.get("id"),
            "iri": iri,
            "url": node.get("url"),
            "speaker": _labelled(describer, row, "speaker"),
            "reporting_chain": [],
            "document": document,
            "original_document": _titled(describer, row, "original"),
            "quote": {
                "exact": row["exact"].value,
                "prefix": row["prefix"].value,
                "suffix": row["suffix"].value,
                "start": int(row["start"].value),
                "end": int(row["end"].value),
            },
            "stance": row["stance"].value.rsplit("#", 1)[-1].lower(),
            "certainty": row["certainty"].value.rsplit("#", 1)[-1].lower(),
            "hedge": _value(row.get("hedge")),
            "claim_time": _value(row.get("when")),
            "addressee": _labelled(describer, row, "addressee"),
            "note": _value(row.get("note")),
            "claims": [],
            "inferred": [],
            "disputes": [],
            "corroborates": [],
            "disputed_by": [],
            "corroborated_by": [],
        }
    for row in steps:
        target = result.get(row["assertion"].value)
        if target is not None:
            target["reporting_chain"].append(
                {
                    "index": int(row["index"].value),
                    "reporter": _labelled(describer, row, "reporter"),
                    "document": _titled(describer, row, "document"),
                }
            )
    for row in claims:
        target = result.get(row["assertion"].value)
        if target is not None:
            target["claims"].append(describer.triple(row["s"], row["p"], row["o"]))
    grouped: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for row in inferred:
        target = result.get(row["assertion"].value)
        if target is None:
            continue
        key = (row["assertion"].value, str(row["s"]), str(row["p"]), str(row["o"]))
        if key not in grouped:
            grouped[key] = {
                **describer.triple(row["s"], row["p"], row["o"]),
                "rule": row["rule"].value,
                "premises": [],
            }
            target["inferred"].append(grouped[key])
        if "ps" in row:
            grouped[key]["premises"].append(describer.triple(row["ps"], row["pp"], row["po"]))
    for row in links:
        target = result.get(row["assertion"].value)
        other = summaries.get(row["other"].value)
        if target is not None and other is not None:
            target[row["link"].value].append(other)
    for description in result.values():
        description["claims"].sort(key=_triple_key)
        description["inferred"].sort(key=_triple_key)
    return result


def _summaries(store: Store, iris: Iris, nodes: list[Term]) -> dict[str, dict[str, Any]]:
    """Short descriptions (id, speaker, document, quote, stance) of linked assertions."""
    named = [n for n in {n.value: n for n in nodes if isinstance(n, NamedNode)}.values()]
    describer = Describer(store, iris)
    found = {}
    for row in select(store, "assertion-core", values=("assertion", named)):
        node = describer.node(row["assertion"]) or {}
        found[row["assertion"].value] = {
            "id": node.get("id"),
            "iri": row["assertion"].value,
            "url": node.get("url"),
            "speaker": _labelled(describer, row, "speaker"),
            "document": {"iri": row["document"].value, "title": row["documentTitle"].value},
            "quote": row["exact"].value,
            "stance": row["stance"].value.rsplit("#", 1)[-1].lower(),
        }
    return found


def _triple_key(triple: dict[str, Any]) -> tuple[str, str, str]:
    return tuple(
        str(triple[k].get("iri") or triple[k].get("value"))
        for k in ("subject", "predicate", "object")
    )  # type: ignore[return-value]


def _value(term: Term | None) -> str | None:
    return None if term is None else term.value


def _labelled(describer: Describer, row: Row, name: str) -> dict[str, Any] | None:
    if name not in row:
        return None
    node = describer.node(row[name]) or {}
    label = row.get(name + "Label")
    if label is not None:
        node["label"] = label.value
    return node


def _titled(describer: Describer, row: Row, name: str) -> dict[str, Any] | None:
    if name not in row:
        return None
    node = describer.node(row[name]) or {}
    title = row.get(name + "Title")
    if title is not None:
        node["title"] = title.value
    return node


def group_claims(
    describer: Describer, rows: list[Row], sources: Mapping[str, dict[str, Any]], focus: str
) -> list[dict[str, Any]]:
    """Group claim rows (s, p, o, assertion, kind) by relation and direction, each with its sources."""
    describer.learn_labels([t for row in rows for t in (row["s"], row["p"], row["o"])])
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    claims: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for row in rows:
        direction = "subject" if row["s"].value == focus else "object"
        key = (row["p"].value, direction)
        if key not in groups:
            groups[key] = {"relation": describer.node(row["p"]), "role": direction, "claims": []}
        claim_key = (key[0], direction, str(row["s"]), str(row["o"]))
        if claim_key not in claims:
            claims[claim_key] = {**describer.triple(row["s"], row["p"], row["o"]), "sources": []}
            groups[key]["claims"].append(claims[claim_key])
        source = sources.get(row["assertion"].value)
        if source is not None:
            claims[claim_key]["sources"].append(
                {**source, "inferred": row["kind"].value == "inferred"}
            )
    return list(groups.values())


def sources_for(store: Store, iris: Iris, nodes: Iterable[Term]) -> dict[str, dict[str, Any]]:
    """Short source descriptions for assertions (see :func:`_summaries`)."""
    return _summaries(store, iris, list(nodes))
