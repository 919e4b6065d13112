"""One document: its metadata, text, embedded documents, and a page of its assertions' spans.

Spans are in text order, offsets in this document's text (an assertion stated in
an embedded document is shifted by where that document starts).
"""

from __future__ import annotations

from typing import Any

from pyoxigraph import NamedNode

from loader.iris import Iris
from loader.store import Store
from server.lookups import cards
from server.lookups.cards import Page
from server.lookups.cards import Renderer
from server.lookups.describe import select


def document(store: Store, iris: Iris, document_id: str, page: Page) -> dict[str, Any] | None:
    """The document and one page of its assertions; None if there is no such document."""
    iri = iris.document(document_id)
    found = cards.card(store, iris, iri)
    if found is None or "title" not in found:
        return None
    counted, items = cards.page_of(
        store, iris, iris.list_node("document", document_id, "assertions"), page
    )
    renderer = Renderer(store, iris)
    renderer.cards[iri] = found
    renderer.cards.update(cards.cards(store, iris, found["parts"]))
    renderer.load((item for item, _ in items), full=False)
    agents = [found[k] for k in ("author", "publisher") if found.get(k)]
    renderer.describer.learn_labels([NamedNode(a) for a in agents])
    text_rows = select(store, "document-text", bindings={"document": NamedNode(iri)})
    text = text_rows[0]["text"].value if text_rows else None
    assertions = []
    for item, _ in items:
        card = renderer.cards.get(item)
        described = renderer.assertion(item)
        if card is None or described is None:
            continue
        stated_in = card["document"]
        shift = 0
        if stated_in != iri:
            position = renderer.cards.get(stated_in, {}).get("position") or [0, 0]
            shift = position[0]
        assertions.append(
            {
                "id": described["id"],
                "url": described["url"],
                "start": described["quote"]["start"] + shift,
                "end": described["quote"]["end"] + shift,
                "stated_in": described["document"]["id"],
                "speaker": described["speaker"],
                "stance": described["stance"],
                "certainty": described["certainty"],
                "quote": described["quote"]["exact"],
                "claims": described["claims"],
            }
        )
    parts = []
    for part in found["parts"]:
        part_card = renderer.cards.get(part, {})
        position = part_card.get("position")
        parts.append(
            {
                **(renderer.describer.node(NamedNode(part)) or {}),
                "title": part_card.get("title"),
                "start": position[0] if position else None,
                "end": position[1] if position else None,
            }
        )
    container = renderer.titled(found["container"])
    position = found["position"]
    return {
        "id": document_id,
        "iri": iri,
        "url": f"/document/{document_id}",
        "title": found["title"],
        "kind": found["kind"],
        "author": renderer.labelled(found["author"]),
        "author_note": found["author_note"],
        "publisher": renderer.labelled(found["publisher"]),
        "publisher_note": found["publisher_note"],
        "issued": found["issued"],
        "issued_note": found["issued_note"],
        "source_url": found["source_url"],
        "language": found["language"],
        "part_of": container if container else None,
        "position_in_container": {"start": position[0], "end": position[1]} if position else None,
        "text": text,
        "text_length": found["text_length"],
        "text_sha256": found["text_sha256"],
        "parts": parts,
        **counted.json(),
        "assertions": assertions,
    }
