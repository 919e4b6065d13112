"""Dated assertions in the order of the time they claim (earliest first), paged."""

from __future__ import annotations

from typing import Any

from loader.iris import Iris
from loader.store import Store
from server.lookups import cards
from server.lookups.cards import Page
from server.lookups.cards import Renderer


def timeline(store: Store, iris: Iris, page: Page) -> dict[str, Any]:
    """One page of the assertions that carry a claim time, as the sources date them."""
    counted, items = cards.page_of(store, iris, iris.list_node("timeline"), page)
    renderer = Renderer(store, iris)
    renderer.load((item for item, _ in items), full=False)
    results = []
    for item, _ in items:
        described = renderer.assertion(item)
        if described is not None:
            results.append(
                {
                    "when": described["claim_time"],
                    "claims": described["claims"],
                    "assertion": renderer.summary(item),
                    "certainty": described["certainty"],
                }
            )
    return {**counted.json(), "results": results}
