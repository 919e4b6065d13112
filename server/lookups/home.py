"""What the home page shows: headline counts and a page of documents with their assertion counts."""

from __future__ import annotations

from typing import Any

from loader.iris import Iris
from loader.store import Store
from server.lookups import cards
from server.lookups.cards import Page

EMBEDDED = 100  # embedded documents listed on a page of the home page


def home(store: Store, iris: Iris, page: Page) -> dict[str, Any]:
    """Counts for the whole store and one page of top-level documents, plus embedded ones."""
    counts = cards.card(store, iris, iris.home_node) or {}
    counted, items = cards.page_of(store, iris, iris.list_node("documents"), page)
    _, inner = cards.page_of(store, iris, iris.list_node("embedded"), Page(1, EMBEDDED))
    documents = cards.cards(store, iris, [item for item, _ in items + inner])

    def listed(iri: str, embedded: bool) -> dict[str, Any]:
        found = documents.get(iri, {})
        return {
            "id": iri.rsplit("/", 1)[-1],
            "title": found.get("title", ""),
            "issued": found.get("issued") or "",
            "embedded": embedded,
            "assertions": found.get("assertions", 0),
        }

    return {
        "counts": counts,
        **counted.json(),
        "documents": [listed(item, False) for item, _ in items]
        + [listed(item, True) for item, _ in inner],
    }
