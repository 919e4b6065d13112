"""One entity: its names and Wikidata link, the claims about it and those it made, paged.

Claims about the entity come from its read-model list of claim nodes (subject
role first, then object role, by relation), each claim once, with up to
``SOURCES`` of the assertions that hold it (curated or inferred, flagged); the
claims it made come from its list of assertions, newest first.
"""

from __future__ import annotations

from typing import Any

from pyoxigraph import Literal
from pyoxigraph import NamedNode

from loader.iris import Iris
from loader.store import Store
from server.lookups import cards
from server.lookups.cards import Page
from server.lookups.cards import Renderer
from server.lookups.describe import select

SOURCES = 5  # assertions shown per claim; the claim's provenance page lists them all

WIKIDATA_FIELDS = {
    "http://www.w3.org/2000/01/rdf-schema#label": "labels",
    "https://schema.org/description": "descriptions",
    "http://www.w3.org/2004/02/skos/core#altLabel": "aliases",
}
WIKIDATA_STATEMENTS = {
    "http://www.wikidata.org/prop/direct/P31": "instance_of",
    "http://www.wikidata.org/prop/direct/P569": "date_of_birth",
    "http://www.wikidata.org/prop/direct/P570": "date_of_death",
    "http://www.wikidata.org/prop/direct/P625": "coordinates",
}


def entity_card(store: Store, iris: Iris, entity_id: str) -> dict[str, Any] | None:
    """The entity's card (label, aliases, types, Wikidata item, counts), or None."""
    found = cards.card(store, iris, iris.entity(entity_id))
    return found if found is not None and "label" in found else None


def claim_groups(renderer: Renderer, claim_nodes: list[str], focus: str) -> list[dict[str, Any]]:
    """Claims (by node) grouped by relation and the focus entity's role, each with sources."""
    store, iris = renderer.store, renderer.iris
    claim_cards = cards.cards(store, iris, claim_nodes)
    sources_of = cards.slot_items(store, iris, claim_nodes, 1, SOURCES, "kind")
    renderer.load((item for items in sources_of.values() for item, _ in items), full=False)
    triples = [claim_cards[n]["claim"] for n in claim_nodes if n in claim_cards]
    renderer.describer.learn_labels([t for triple in triples for t in cards.triple_terms(triple)])
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for node in claim_nodes:
        found = claim_cards.get(node)
        if found is None:
            continue
        subject, predicate, _ = found["claim"]
        role = "subject" if subject == focus else "object"
        group = groups.get((predicate, role))
        if group is None:
            relation = renderer.describer.node(NamedNode(predicate))
            group = groups[(predicate, role)] = {"relation": relation, "role": role, "claims": []}
        sources = []
        for item, kind in sources_of[node]:
            summary = renderer.summary(item)
            if summary is not None:
                sources.append({**summary, "inferred": kind == "inferred"})
        group["claims"].append(
            {
                **renderer.triple(found["claim"]),
                "sources": sources,
                "sources_total": found["sources"],
                "affirmed": found["affirmed"],
                "denied": found["denied"],
            }
        )
    return list(groups.values())


def made_groups(renderer: Renderer, assertions: list[str], focus: str) -> list[dict[str, Any]]:
    """The curated claims of *assertions* (made by the focus entity), grouped by relation."""
    renderer.load(assertions, full=False)
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for iri in assertions:
        found = renderer.cards.get(iri)
        if found is None:
            continue
        summary = renderer.summary(iri)
        for triple in found["claims"]:
            subject, predicate, _ = triple
            role = "subject" if subject == focus else "object"
            group = groups.get((predicate, role))
            if group is None:
                relation = renderer.describer.node(NamedNode(predicate))
                group = groups[(predicate, role)] = {
                    "relation": relation,
                    "role": role,
                    "claims": [],
                }
            group["claims"].append(
                {**renderer.triple(triple), "sources": [{**summary, "inferred": False}]}  # type: ignore[dict-item]
            )
    return list(groups.values())


def entity(store: Store, iris: Iris, entity_id: str, page: Page) -> dict[str, Any] | None:
    """Everything about one entity, one page of each of its lists; None if there is no such entity.

    ``claims_about`` and ``claims_made`` are the page's claims grouped by relation;
    ``reported`` the assertions it passed on as a reporter. Each list has its own
    total (``claims_about_total`` …); ``more`` says whether a next page exists.
    """
    found = entity_card(store, iris, entity_id)
    if found is None:
        return None
    iri = iris.entity(entity_id)
    renderer = Renderer(store, iris)
    about_page, about = cards.page_of(
        store, iris, iris.list_node("entity", entity_id, "about"), page
    )
    made_page, made = cards.page_of(store, iris, iris.list_node("entity", entity_id, "made"), page)
    reported_page, reported = cards.page_of(
        store, iris, iris.list_node("entity", entity_id, "reported"), page
    )
    reported_iris = [item for item, _ in reported]
    renderer.load(reported_iris, full=False)
    wikidata = found.get("wikidata")
    return {
        "id": entity_id,
        "iri": iri,
        "url": f"/entity/{entity_id}",
        "label": found["label"],
        "aliases": found["aliases"],
        "types": found["types"],
        "wikidata": wikidata,
        "wikidata_data": wikidata_json(store, NamedNode(wikidata)) if wikidata else None,
        "note": found.get("note"),
        "page": page.page,
        "per_page": page.per_page,
        "claims_about_total": about_page.total,
        "claims_made_total": made_page.total,
        "reported_total": reported_page.total,
        "neighbours_total": found.get("neighbours", 0),
        "more": any(p.has_next for p in (about_page, made_page, reported_page)),
        "claims_about": claim_groups(renderer, [item for item, _ in about], iri),
        "claims_made": made_groups(renderer, [item for item, _ in made], iri),
        "reported": [s for s in map(renderer.summary, reported_iris) if s is not None],
    }


def neighbours(store: Store, iris: Iris, entity_id: str, page: Page) -> dict[str, Any] | None:
    """Entities linked to this one by curated claims, most linked first (a claim network)."""
    if entity_card(store, iris, entity_id) is None:
        return None
    counted, items = cards.page_of(
        store, iris, iris.list_node("entity", entity_id, "neighbours"), page, "weight"
    )
    renderer = Renderer(store, iris)
    renderer.describer.learn_labels([NamedNode(item) for item, _ in items])
    return {
        **counted.json(),
        "id": entity_id,
        "results": [
            {**(renderer.describer.node(NamedNode(item)) or {}), "claims": int(weight or 0)}
            for item, weight in items
        ],
    }


def wikidata_json(store: Store, item: NamedNode) -> dict[str, Any] | None:
    """What the local Wikidata cache says of *item*, marked as Wikidata's; None if not cached."""
    rows = select(store, "entity-wikidata", bindings={"item": item})
    if not rows:
        return None
    data: dict[str, Any] = {
        "source": "Wikidata (local cache; attest wikidata refresh)",
        "retrieved": rows[0]["retrieved"].value if "retrieved" in rows[0] else None,
        "labels": {},
        "descriptions": {},
        "aliases": {},
        "instance_of": [],
        "date_of_birth": [],
        "date_of_death": [],
        "coordinates": [],
    }
    for row in rows:
        predicate, obj = row["p"].value, row["o"]
        if predicate in WIKIDATA_FIELDS and isinstance(obj, Literal):
            field = data[WIKIDATA_FIELDS[predicate]]
            if predicate.endswith("altLabel"):
                field.setdefault(obj.language or "", []).append(obj.value)
            else:
                field[obj.language or ""] = obj.value
        elif predicate in WIKIDATA_STATEMENTS:
            name = WIKIDATA_STATEMENTS[predicate]
            if isinstance(obj, NamedNode):
                entry = {"id": obj.value.rsplit("/", 1)[-1], "iri": obj.value}
                if "oLabel" in row:
                    entry["label"] = row["oLabel"].value
                if entry not in data[name]:
                    data[name].append(entry)
            elif obj.value not in data[name]:
                data[name].append(obj.value)
    return data
