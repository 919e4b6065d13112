"""Every assertion one speaker made, newest first (by when the words were published), paged."""

from __future__ import annotations

from typing import Any

from loader.iris import Iris
from loader.store import Store
from server.lookups import cards
from server.lookups.cards import Page
from server.lookups.cards import Renderer
from server.lookups.entity import entity_card


def speaker(store: Store, iris: Iris, entity_id: str, page: Page) -> dict[str, Any] | None:
    """One page of the assertions *entity_id* made, each in full; None if no such entity."""
    found = entity_card(store, iris, entity_id)
    if found is None:
        return None
    counted, items = cards.page_of(store, iris, iris.list_node("entity", entity_id, "made"), page)
    renderer = Renderer(store, iris)
    renderer.load(item for item, _ in items)
    return {
        **counted.json(),
        "id": entity_id,
        "iri": iris.entity(entity_id),
        "url": f"/speaker/{entity_id}",
        "label": found["label"],
        "types": found["types"],
        "results": [a for a in (renderer.assertion(item) for item, _ in items) if a is not None],
    }
