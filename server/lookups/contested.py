"""Claims some sources affirm and others deny or dispute, with both sides, paged.

The contested set and each side's list are computed at load (see
``loader/readmodel.py``); an assertion that both denies a claim and disputes an
assertion affirming it is listed once, as denying it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from loader.iris import Iris
from loader.store import Store
from server.lookups import cards
from server.lookups.cards import Page
from server.lookups.cards import Renderer

SIDE = 20  # assertions shown per side of one claim; provenance of the claim lists them all


def contested(store: Store, iris: Iris, page: Page) -> dict[str, Any]:
    """One page of contested claims: the claim, who affirms it, who denies or disputes it."""
    counted, items = cards.page_of(store, iris, iris.list_node("contested"), page)
    nodes = [item for item, _ in items]
    claim_cards = cards.cards(store, iris, nodes)
    affirmed_slots = cards.slot_items(store, iris, [f"{n}/affirmed" for n in nodes], 1, SIDE)
    contesting_slots = cards.slot_items(
        store, iris, [f"{n}/contested" for n in nodes], 1, SIDE, "kind"
    )
    sides = {
        node: (affirmed_slots[f"{node}/affirmed"], contesting_slots[f"{node}/contested"])
        for node in nodes
    }
    renderer = Renderer(store, iris)
    renderer.load(
        (item for a, c in sides.values() for item, _ in a + c),
        full=False,
    )
    renderer.describer.learn_labels(
        [t for found in claim_cards.values() for t in cards.triple_terms(found["claim"])]
    )
    results = []
    for node in nodes:
        found = claim_cards.get(node)
        if found is None:
            continue
        affirmed, contesting = sides[node]
        results.append(
            {
                "claim": renderer.triple(found["claim"]),
                "affirmed_by": [s for s in (renderer.summary(a) for a, _ in affirmed) if s],
                "contested_by": [
                    {**s, "how": how}
                    for s, how in ((renderer.summary(a), how) for a, how in contesting)
                    if s
                ],
                "affirmed_total": found["affirmed"],
                "contested_total": found["contesting"],
                "provenance": _provenance_url(found["claim"]),
            }
        )
    return {**counted.json(), "results": results}


def _provenance_url(claim: list[Any]) -> str | None:
    subject, predicate, obj = claim
    if not isinstance(obj, str):
        return None
    return "/api/provenance?" + urlencode(
        {"subject": f"<{subject}>", "predicate": f"<{predicate}>", "object": f"<{obj}>"}
    )
