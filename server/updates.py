"""What a SPARQL Update may change: Attest's invariants, checked before an update is applied.

Updates bypass the loader, so they must keep what it guarantees:

- **No bare claims.** A claim relation (any property the ontology types
  ``at:ClaimRelation``, inverses and other inferred kinds included) never goes
  into the default graph, where it would read as a fact nobody claimed.
- **Curated data changes through the seeds.** The default graph (ontology,
  documents, entities, assertions' provenance, the load record) and the named
  graphs Attest mints (claims, inferences, the read model, the background
  inference, the Wikidata cache) are what the read model and every look-up are
  derived from; an update may not add or remove a triple there. Updates write
  to named graphs of the user's own; the next ``attest load`` replaces them all.
- **Templates name their graphs.** ``GRAPH ?g`` in an INSERT or DELETE template
  could reach any graph, so it is refused.
- CLEAR, DROP, MOVE, COPY and ADD may touch Attest's graphs only where that
  changes nothing (the graphs they would empty are empty); LOAD is refused.

The reading is conservative: templates are judged by the graphs and terms they
name (rdflib's complete parser, :func:`server.sparqltext.update_operations`),
whole-graph operations by whether the graphs hold anything — which no allowed
operation can change, since none may write Attest's graphs. On the on-disk
store the result is checked again by the engine before the switch (no claim
relation in the default graph), in case the two parsers ever read a text apart.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
from collections.abc import Iterable
from typing import Any
from typing import Protocol

from pyoxigraph import Literal
from pyoxigraph import NamedNode
from pyoxigraph import QueryBoolean
from pyoxigraph import QuerySolutions
from pyoxigraph import Store as OxStore
from rdflib.term import URIRef
from rdflib.term import Variable

from loader.errors import QueryError
from loader.errors import StoreError
from loader.iris import Iris
from loader.store import Store
from loader.store import apply_update
from loader.vocab import AT
from loader.vocab import ONTOLOGY_IRI
from loader.working import WorkingCopy
from server import sparqltext

CURATED = (
    "Attest's curated data changes only through the seed files and `attest load`; "
    "an update may write to named graphs of your own, outside the graphs Attest makes "
    "(see the README, 'SPARQL Update')"
)
LOAD_REFUSED = "LOAD is refused: the server does not fetch data from the network"
DEFAULT = "DEFAULT"


class UpdateRefusedError(QueryError):
    """An update would break one of Attest's invariants; nothing was changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message, status=403)


class Queryable(Protocol):
    """What the checks need of a store: to run a query."""

    def query(self, sparql: str, /) -> Any: ...


@dataclasses.dataclass(frozen=True)
class Rules:
    """Attest's graphs and claim relations, as the store at hand knows them."""

    iris: Iris
    relations: frozenset[str]

    @property
    def _prefixes(self) -> tuple[str, ...]:
        kinds = tuple(f"{self.iris.base}{kind}/" for kind in ("entity", "document", "assertion"))
        generations = f"{self.iris.base}graph/generation/"  # a remote store's loads
        return (*kinds, self.iris.readmodel_graph + "/", generations, ONTOLOGY_IRI)

    @property
    def _exact(self) -> tuple[str, ...]:
        iris = self.iris
        return (
            iris.base,
            iris.load,
            iris.background_inferred_graph,
            iris.wikidata_graph,
            iris.readmodel_graph,
            f"{iris.base}graph/current",  # a remote store's pointer to its live load
        )

    def owns(self, iri: str) -> bool:
        """Tell whether *iri* is one Attest mints (a graph of its own, or a node it describes)."""
        return iri in self._exact or iri.startswith(self._prefixes)

    def owned_filter(self, variable: str) -> str:
        """A SPARQL expression true when ?*variable* is an IRI :meth:`owns` accepts."""
        tests = [f"STRSTARTS(STR(?{variable}), {Literal(p)})" for p in self._prefixes]
        listed = ", ".join(str(NamedNode(iri)) for iri in self._exact)
        return " || ".join([*tests, f"?{variable} IN ({listed})"])

    def what(self, iri: str) -> str:
        """Name what *iri* is, for a message: "assertion a1's claim (<…>)", "the read model"…"""
        iris = self.iris
        named = {
            iris.readmodel_graph: "the read model",
            iris.background_inferred_graph: "the inferred graph of the ontology and catalogue",
            iris.wikidata_graph: "the local cache of Wikidata's data",
            iris.load: "the load record",
        }
        if iri in named:
            return f"{named[iri]} (<{iri}>)"
        if iri.startswith(iris.readmodel_graph + "/"):
            return f"the read model (<{iri}>)"
        if iri.startswith(ONTOLOGY_IRI):
            return f"the ontology (<{iri}>)"
        parts = iris.split(iri)
        if parts is None:
            return f"<{iri}>"
        kind, ident, rest = parts
        if kind == "assertion" and rest in ("claim", "inferred"):
            part = "claim" if rest == "claim" else "inferred triples"
            return f"assertion {ident}'s {part} (<{iri}>)"
        return f"{kind} {ident} (<{iri}>)"


def claim_relations(store: Queryable) -> frozenset[str]:
    """The IRIs of every property the store's ontology types as a claim relation."""
    rows = store.query(f"SELECT ?p WHERE {{ ?p a <{AT.ClaimRelation}> }}")
    assert isinstance(rows, QuerySolutions)
    return frozenset(str(row["p"].value) for row in rows)


def _ask(store: Queryable, sparql: str) -> bool:
    answer = store.query(sparql)
    assert isinstance(answer, QueryBoolean)
    return bool(answer)


def _short(iri: str) -> str:
    namespace = str(AT._NS)
    return "at:" + iri[len(namespace) :] if iri.startswith(namespace) else f"<{iri}>"


def _claim_refused(relation: str) -> UpdateRefusedError:
    return UpdateRefusedError(
        f"this update puts a claim ({_short(relation)}) in the default graph, where it would "
        "read as a fact nobody claimed: Attest states a claim only inside the named graph of "
        "the assertion that makes it. Record who claims it as an assertion in the seed files "
        "and run `attest load`, or keep the triple in a named graph of your own "
        "(INSERT DATA { GRAPH <…> { … } })"
    )


# --- reading the operations ---------------------------------------------------------------


def _part(node: Any, name: str) -> Any:
    """A part of a parsed operation, or None (rdflib's ``CompValue.get`` returns the name)."""
    return dict.get(node, name) if node is not None else None


def _blocks(quads: Any, default: Any) -> Iterable[tuple[Any, list[tuple[Any, Any, Any]]]]:
    """The (graph, triples) blocks of a template or of quad data; graph None is the default."""
    if quads is None:
        return
    blocks = [(default, _part(quads, "triples") or [])]
    blocks += [
        (_part(q, "term"), _part(q, "triples") or []) for q in _part(quads, "quadsNotTriples") or []
    ]
    for graph, lists in blocks:
        terms = list(itertools.chain.from_iterable(lists))
        triples = list(zip(terms[0::3], terms[1::3], terms[2::3], strict=True))
        if triples:
            yield graph, triples


def _check_template(quads: Any, default: Any, verb: str, rules: Rules, *, inserting: bool) -> None:
    for graph, triples in _blocks(quads, default):
        if isinstance(graph, Variable):
            raise UpdateRefusedError(
                f"this update {verb} GRAPH ?{graph}, a graph known only once the update runs, "
                "which could be one of Attest's own; name the graph in the template "
                "(GRAPH <…>) so the server can tell it is yours"
            )
        if graph is None:
            for _, predicate, _ in triples:
                if inserting and str(predicate) in rules.relations:
                    raise _claim_refused(str(predicate))
            subjects = [str(s) for s, _, _ in triples if isinstance(s, URIRef)]
            owned = next((s for s in subjects if rules.owns(s)), None)
            where = f"the description of {rules.what(owned)}" if owned else "the default graph"
            raise UpdateRefusedError(f"this update {verb} {where}; {CURATED}")
        if rules.owns(str(graph)):
            raise UpdateRefusedError(f"this update {verb} {rules.what(str(graph))}; {CURATED}")


def _holds(store: Queryable, graph: Any) -> bool:
    """Tell whether *graph* (DEFAULT or an IRI) holds any triple."""
    if graph == DEFAULT:
        return _ask(store, "ASK { ?s ?p ?o }")
    return _ask(store, f"ASK {{ GRAPH {NamedNode(str(graph))} {{ ?s ?p ?o }} }}")


def _name(rules: Rules, graph: Any) -> str:
    return "the default graph" if graph == DEFAULT else rules.what(str(graph))


def _check_whole(operation: Any, store: Queryable, rules: Rules) -> None:
    """CLEAR and DROP: refused only where they would empty one of Attest's graphs."""
    verb = "empties" if operation.name == "Clear" else "drops"
    target = _part(operation, "graphiri")
    if target in (DEFAULT, "ALL") and _holds(store, DEFAULT):
        raise UpdateRefusedError(f"this update {verb} the default graph; {CURATED}")
    if target in ("NAMED", "ALL"):
        found = f"ASK {{ GRAPH ?g {{ ?s ?p ?o }} FILTER ({rules.owned_filter('g')}) }}"
        if _ask(store, found):
            raise UpdateRefusedError(f"this update {verb} the named graphs Attest makes; {CURATED}")
    elif target != DEFAULT and rules.owns(str(target)) and _holds(store, target):
        raise UpdateRefusedError(f"this update {verb} {rules.what(str(target))}; {CURATED}")


def _check_transfer(operation: Any, store: Queryable, rules: Rules) -> None:
    """ADD, COPY and MOVE: never into Attest's graphs; MOVE never out of a full one."""
    source, target = _part(operation, "graph")
    if source == target:
        return  # the SPARQL 1.1 Update spec: nothing happens
    verb = {"Add": "adds to", "Copy": "replaces", "Move": "replaces"}[operation.name]
    if target == DEFAULT or rules.owns(str(target)):
        raise UpdateRefusedError(f"this update {verb} {_name(rules, target)}; {CURATED}")
    owned_source = source == DEFAULT or rules.owns(str(source))
    if operation.name == "Move" and owned_source and _holds(store, source):
        raise UpdateRefusedError(f"this update moves away {_name(rules, source)}; {CURATED}")


def check(operations: list[Any], store: Queryable, rules: Rules) -> None:
    """Refuse an update that would break an invariant (module docstring); else return.

    :raises UpdateRefusedError: naming what the update would change and what to do instead.
    """
    verbs = {"InsertData": "adds to", "DeleteData": "removes from", "DeleteWhere": "deletes from"}
    for operation in operations:
        name = operation.name
        if name in verbs:
            _check_template(
                _part(operation, "quads"), None, verbs[name], rules, inserting=name == "InsertData"
            )
        elif name == "Modify":
            into = _part(operation, "withClause")
            delete = _part(_part(operation, "delete"), "quads")
            insert = _part(_part(operation, "insert"), "quads")
            _check_template(delete, into, "deletes from", rules, inserting=False)
            _check_template(insert, into, "writes into", rules, inserting=True)
        elif name in ("Clear", "Drop"):
            _check_whole(operation, store, rules)
        elif name in ("Add", "Copy", "Move"):
            _check_transfer(operation, store, rules)
        elif name == "Create":
            created = str(_part(operation, "graphiri"))
            if rules.owns(created):
                raise UpdateRefusedError(f"this update creates {rules.what(created)}; {CURATED}")
        elif name == "Load":
            raise UpdateRefusedError(LOAD_REFUSED)
        else:  # the parser knows no other; refuse rather than guess
            raise UpdateRefusedError(f"this update's {name} operation cannot be checked")


def check_applied(store: Queryable, relations: frozenset[str]) -> None:
    """Refuse the result of an update if a claim relation is in the default graph (the engine's reading).

    :raises UpdateRefusedError: naming the relation.
    """
    if not relations:
        return
    listed = " ".join(str(NamedNode(iri)) for iri in sorted(relations))
    rows = store.query(f"SELECT ?p WHERE {{ VALUES ?p {{ {listed} }} ?s ?p ?o }} LIMIT 1")
    assert isinstance(rows, QuerySolutions)
    for row in rows:
        raise _claim_refused(str(row["p"].value))


# --- applying -----------------------------------------------------------------------------


def read(text: str, *, may_run: bool) -> list[Any]:
    """Read *text*'s operations; if the parser cannot, say why as the engine would.

    :param may_run: the text may be run on an empty in-memory store to get the
        engine's own syntax error (true where nothing can be reached from here).
    :raises QueryError: 400, the engine's syntax error or the reason it cannot be checked.
    """
    try:
        return sparqltext.update_operations(text)
    except sparqltext.UnreadableError as exc:
        if may_run:
            # The engine's own syntax error, if that is it; a LOAD it reads fails here, where
            # nothing can be reached, and the update is refused as unreadable all the same.
            with contextlib.suppress(StoreError):
                apply_update(OxStore(), text)
        raise QueryError(
            f"this update cannot be checked: {exc}; the server applies only updates it can "
            "check (write it in plain SPARQL 1.1 Update)"
        ) from None


def apply_checked(store: Store, text: str, iris: Iris, *, may_run: bool) -> None:
    """Check *text* against *store* (memory or remote), then apply it there.

    :raises UpdateRefusedError: if it would break an invariant (nothing changed).
    :raises QueryError: if it does not parse.
    :raises StoreError: if the store cannot be written.
    """
    operations = read(text, may_run=may_run)
    check(operations, store, Rules(iris, claim_relations(store)))
    store.update(text)


def apply_to_copy(working: WorkingCopy, text: str, iris: Iris, *, may_run: bool) -> None:
    """Check *text*, apply it to the working copy, check the result, then switch.

    :raises UpdateRefusedError: if it would break an invariant (nothing switched).
    :raises QueryError: if it does not parse.
    :raises StoreChangedError: if a load switched the store meanwhile (nothing switched).
    :raises StoreError: if the store cannot be written.
    """
    operations = read(text, may_run=may_run)
    copy = working.store()
    rules = Rules(iris, claim_relations(copy))
    check(operations, copy, rules)
    working.publish(
        lambda store: apply_update(store, text),
        lambda store: check_applied(store, rules.relations),
    )
