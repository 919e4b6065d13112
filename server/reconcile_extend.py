"""Data extension for /reconcile: property proposals and per-entity values (API 0.2).

Only what the catalogue says of an entity (names, type, Wikidata item, the
curator's note) and counts of what the sources say are offered: never a
claim's object, which would put a contested claim in a cell as if it were a fact.
"""

from __future__ import annotations

import json
from typing import Any

from flask import request

from loader.iris import is_slug
from server import runtime
from server.errors import ApiError

# Data extension: id -> (name, description, value kind).
EXTEND_PROPERTIES = {
    "name": ("Name", "The entity's preferred name in Attest", "str"),
    "alias": ("Other names", "Other names and spellings the sources use", "str"),
    "type": ("Type", "The entity's class in the Attest ontology", "str"),
    "wikidata": ("Wikidata item", "The entity's Wikidata item id (Q…)", "str"),
    "note": ("Curator's note", "The curator's note identifying the entity", "str"),
    "assertions_made": (
        "Assertions made",
        "How many curated assertions have the entity as speaker",
        "int",
    ),
    "claims_about": (
        "Claims about it",
        "How many curated assertions' claims name the entity (affirmed or denied)",
        "int",
    ),
}


def read_request() -> tuple[list[str], list[str]] | None:
    """Read ``extend={"ids": […], "properties": [{"id": …}]}``; None when absent.

    :raises ApiError: 400 naming what is wrong with it.
    """
    raw = request.values.get("extend")
    if raw is None:
        return None
    try:
        query = json.loads(raw)
    except ValueError as exc:
        raise ApiError(400, f"'extend' is not valid JSON: {exc}") from None
    example = '{"ids": ["masoud-barzani"], "properties": [{"id": "wikidata"}]}'
    if not isinstance(query, dict) or not isinstance(query.get("ids"), list):
        raise ApiError(
            400, f"'extend' must be an object with 'ids' and 'properties', e.g. {example}"
        )
    properties = query.get("properties")
    if not isinstance(properties, list) or not all(
        isinstance(p, dict) and isinstance(p.get("id"), str) for p in properties
    ):
        raise ApiError(400, f"'extend' needs 'properties': a list of {{\"id\": …}}, e.g. {example}")
    ids = [str(i) for i in query["ids"]]
    pids = [p["id"] for p in properties]
    unknown = [pid for pid in pids if pid not in EXTEND_PROPERTIES]
    if unknown:
        raise ApiError(
            400,
            f"unknown propert{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}; "
            f"see /reconcile/properties ({', '.join(EXTEND_PROPERTIES)})",
        )
    if len(ids) > 1000:
        raise ApiError(400, "at most 1000 ids per extend request; send the rest in another")
    return ids, pids


def extend_rows(ids: list[str], pids: list[str]) -> dict[str, Any]:
    """Values of *pids* for each entity id (an unknown id gets empty cells)."""
    iris = runtime().iris
    wanted = {}
    for given in ids:
        slug = given.rsplit("/", 1)[-1]
        if is_slug(slug):
            wanted[iris.entity(slug)] = given
    values: dict[str, dict[str, list[dict[str, Any]]]] = {
        given: {pid: [] for pid in pids} for given in ids
    }
    if wanted:
        listed = " ".join(f"<{iri}>" for iri in wanted)
        query = _EXTEND_QUERY.replace("VALUES_HERE", listed)
        for row in runtime().store.query(query):  # type: ignore[union-attr]
            given = wanted[row["e"].value]
            pid = row["pid"].value
            if pid not in values[given]:
                continue
            kind = EXTEND_PROPERTIES[pid][2]
            value = row["v"].value
            if pid in ("type", "wikidata"):
                value = value.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
            cell: dict[str, Any] = {"int": int(value)} if kind == "int" else {"str": value}
            if cell not in values[given][pid]:
                values[given][pid].append(cell)
    for cells in values.values():
        for pid in cells:
            cells[pid].sort(key=lambda cell: str(next(iter(cell.values()))))
    meta = [{"id": pid, "name": EXTEND_PROPERTIES[pid][0]} for pid in pids]
    return {"meta": meta, "rows": values}


# One row per (entity, property, value); counts are computed for every entity asked.
_EXTEND_QUERY = """
PREFIX at: <https://w3id.org/attest/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?e ?pid ?v WHERE {
  VALUES ?e { VALUES_HERE }
  ?e skos:prefLabel ?label .
  {
    { BIND ("name" AS ?pid) BIND (?label AS ?v) }
    UNION { ?e skos:altLabel ?v BIND ("alias" AS ?pid) }
    UNION { ?e a ?v FILTER (STRSTARTS(STR(?v), STR(at:))) BIND ("type" AS ?pid) }
    UNION { ?e at:wikidataItem ?v BIND ("wikidata" AS ?pid) }
    UNION { ?e skos:editorialNote ?v BIND ("note" AS ?pid) }
    UNION {
      { SELECT ?e (COUNT(DISTINCT ?a) AS ?v) WHERE {
          VALUES ?e { VALUES_HERE }
          OPTIONAL { ?a at:assertedBy ?e }
        } GROUP BY ?e }
      BIND ("assertions_made" AS ?pid)
    }
    UNION {
      { SELECT ?e (COUNT(DISTINCT ?a) AS ?v) WHERE {
          VALUES ?e { VALUES_HERE }
          OPTIONAL { ?a at:claim ?g . GRAPH ?g { { ?e ?p ?o } UNION { ?s ?p ?e } } }
        } GROUP BY ?e }
      BIND ("claims_about" AS ?pid)
    }
  }
}
"""
