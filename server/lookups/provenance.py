"""Who asserts a claim pattern: every (claim, assertion) match, a page at a time.

A fully bound triple is answered from its read-model claim node (its size and
list of assertions); a pattern with a free term from the store's quad indexes,
starting from the bound terms, in index order.
"""

from __future__ import annotations

from typing import Any

from pyoxigraph import Literal
from pyoxigraph import NamedNode

from loader.iris import Iris
from loader.readmodel import claim_key
from loader.store import Store
from server.lookups import cards
from server.lookups.cards import Page
from server.lookups.cards import Renderer
from server.lookups.describe import Term
from server.lookups.describe import select

Pattern = dict[str, NamedNode | Literal]  # "s", "p", "o" → bound term


def _matches(
    store: Store, iris: Iris, pattern: Pattern, page: Page
) -> tuple[Page, list[tuple[Term, Term, Term, str, bool]]]:
    if {"s", "p", "o"} <= pattern.keys() and isinstance(pattern["s"], NamedNode):
        s, p, o = pattern["s"], pattern["p"], pattern["o"]
        obj: Any = o.value if isinstance(o, NamedNode) else o
        node = iris.claim_node(claim_key((s.value, p.value, obj)))
        counted, items = cards.page_of(store, iris, node, page, "kind")
        return counted, [(s, p, o, item, kind == "inferred") for item, kind in items]
    bound: dict[str, Term] = {**pattern, "assertions": NamedNode(iris.assertion(""))}
    counted = page.of(_total(store, iris, pattern, bound))
    rows = select(
        store,
        "provenance-match",
        bound,
        tail=f"\nLIMIT {page.per_page} OFFSET {page.offset}",
    )
    found = []
    for row in rows:
        graph = row["graph"].value
        assertion, _, kind = graph.rpartition("/")
        found.append((row["s"], row["p"], row["o"], assertion, kind == "inferred"))
    return counted, found


def _total(store: Store, iris: Iris, pattern: Pattern, bound: dict[str, Term]) -> int:
    """How many (claim, assertion) pairs match: precomputed for one bound term or none,
    counted (up to 10,001, see ``provenance-total.rq``) otherwise."""
    if not pattern:
        found = cards.card(store, iris, iris.home_node) or {}
        return int(found.get("matches", 0))
    if len(pattern) == 1:
        ((role, term),) = pattern.items()
        if isinstance(term, NamedNode):
            key = {"s": "as_subject", "p": "as_predicate", "o": "as_object"}[role]
            found = cards.card(store, iris, term.value) or {}
            return int(found.get(key, 0))
    rows = select(store, "provenance-total", bound, tail="")
    return int(rows[0]["total"].value) if rows else 0


def provenance(store: Store, iris: Iris, pattern: Pattern, page: Page) -> dict[str, Any]:
    """Every assertion holding a claim that matches *pattern*, curated or inferred.

    :returns: the page (``total``, ``page``, ``per_page``, ``pages``) and its
        ``results``: each the claim, whether it is inferred (with its rule and
        curated premises), and the assertion in full.
    """
    counted, matches = _matches(store, iris, pattern, page)
    renderer = Renderer(store, iris)
    renderer.load(m[3] for m in matches)
    renderer.describer.learn_labels([t for m in matches for t in m[:3]])
    results = []
    for s, p, o, assertion_iri, inferred in matches:
        assertion = renderer.assertion(assertion_iri)
        entry: dict[str, Any] = {
            "claim": renderer.describer.triple(s, p, o),
            "inferred": inferred,
            "premises": [],
            "assertion": assertion,
        }
        if inferred and assertion is not None:
            key = cards.triple_key(entry["claim"])
            for item in assertion["inferred"]:
                if cards.triple_key(item) == key:
                    entry["premises"] = item["premises"]
                    entry["rule"] = item["rule"]
        results.append(entry)
    return {**counted.json(), "results": results}
