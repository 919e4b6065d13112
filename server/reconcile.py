"""/reconcile: the W3C Entity Reconciliation Service API 0.2 (the one OpenRefine uses).

A spreadsheet column of names can be reconciled against Attest's entities, and
through them to Wikidata items (each candidate's description names its item;
a ``wikidata`` property in a query matches on it).

- ``GET /reconcile``: the service manifest.
- ``GET|POST /reconcile?queries={…}``: a batch of queries by name, with type
  filter, ``limit`` and properties; candidates with ``score`` (0–100) and
  ``match``. JSONP with ``callback``.
- ``GET /reconcile/preview?id=``: an HTML preview of an entity.
- ``GET /reconcile/suggest/{entity,type,property}?prefix=``: auto-complete.
- ``GET /reconcile/properties?type=``: the properties data extension offers;
  ``GET|POST /reconcile?extend={"ids": […], "properties": [{"id": …}]}``: their
  values per entity ("add columns from reconciled values" in OpenRefine).
  Only what the catalogue says of an entity (names, type, Wikidata item, the
  curator's note) and counts of what the sources say: never a claim's object,
  which would put a contested claim in a cell as if it were a fact.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint
from flask import Response
from flask import render_template
from flask import request

from loader.ontology import ENTITY_TYPES
from server import reconcile_extend
from server import runtime
from server.api import entity_json
from server.api import name_index
from server.errors import ApiError
from server.lookups.search import fold

blueprint = Blueprint("reconcile", __name__, url_prefix="/reconcile")
PROPERTIES = {
    "wikidata": ("Wikidata item", "The entity's Wikidata item (Q… or its IRI)"),
    "alias": ("Name or alias", "Another name the entity is known by"),
}
MATCH_SCORE = 95
VARIANT_SCORE = 80
MATCH_MARGIN = 15
_CALLBACK = re.compile(r"^[A-Za-z_$][\w$.]*$")


def _json(body: object) -> Response:
    text = json.dumps(body, ensure_ascii=False)
    callback = request.values.get("callback", "")
    if callback:
        if not _CALLBACK.match(callback):
            raise ApiError(400, "callback must be a JavaScript identifier")
        return Response(f"{callback}({text});", mimetype="application/javascript")
    return Response(text, mimetype="application/json")


def manifest() -> dict[str, Any]:
    host = request.host_url.rstrip("/")
    base = runtime().settings.base_iri
    return {
        "versions": ["0.2"],
        "name": "Attest entities",
        "identifierSpace": base + "entity/",
        "schemaSpace": "https://w3id.org/attest/ontology#",
        "documentation": host + "/api",
        "serviceVersion": "0.1.0",
        "view": {"url": host + "/entity/{{id}}"},
        "preview": {"url": host + "/reconcile/preview?id={{id}}", "width": 420, "height": 160},
        "defaultTypes": [{"id": kind, "name": kind} for kind in ENTITY_TYPES],
        "extend": {
            "propose_properties": {"service_url": host, "service_path": "/reconcile/properties"},
            "property_settings": [],
        },
        "suggest": {
            "entity": {"service_url": host, "service_path": "/reconcile/suggest/entity"},
            "type": {"service_url": host, "service_path": "/reconcile/suggest/type"},
            "property": {"service_url": host, "service_path": "/reconcile/suggest/property"},
        },
    }


def _queries() -> dict[str, Any] | None:
    raw = request.values.get("queries")
    if raw is None:
        return None
    try:
        batch = json.loads(raw)
    except ValueError as exc:
        raise ApiError(400, f"'queries' is not valid JSON: {exc}") from None
    if not isinstance(batch, dict):
        raise ApiError(
            400,
            '\'queries\' must be a JSON object of named queries, e.g. {"q0": {"query": "Barzani"}}',
        )
    for key, query in batch.items():
        if not isinstance(query, dict):
            raise ApiError(400, f"query '{key}' must be an object")
        unknown = set(query) - {"query", "type", "limit", "properties", "type_strict"}
        if unknown:
            raise ApiError(400, f"query '{key}' has unknown fields: {', '.join(sorted(unknown))}")
        if not isinstance(query.get("query", ""), str):
            raise ApiError(400, f"query '{key}': 'query' must be a string")
        if "query" not in query and not query.get("properties"):
            raise ApiError(400, f"query '{key}' needs a 'query' string or at least one property")
        limit = query.get("limit", 5)
        if isinstance(limit, bool) or not isinstance(limit, int | float) or limit < 1:
            raise ApiError(400, f"query '{key}': 'limit' must be a positive number")
        for prop in query.get("properties") or []:
            if not isinstance(prop, dict) or "pid" not in prop or "v" not in prop:
                raise ApiError(400, f"query '{key}': each property needs 'pid' and 'v'")
    return batch


def _types(query: dict[str, Any]) -> list[str]:
    wanted = query.get("type")
    kinds = [wanted] if isinstance(wanted, str) else list(wanted or [])
    return [k.rsplit("#", 1)[-1] for k in kinds if isinstance(k, str)]


def _values(prop: dict[str, Any]) -> list[str]:
    values = prop["v"] if isinstance(prop["v"], list) else [prop["v"]]
    return [str(v.get("id", "")) if isinstance(v, dict) else str(v) for v in values]


def reconcile_one(query: dict[str, Any], items: dict[str, str]) -> list[dict[str, Any]]:
    """Candidates for one query, best first."""
    index = name_index()
    kinds = _types(query)
    limit = int(query.get("limit", 5))
    text = str(query.get("query", ""))
    scores: dict[str, float] = {}
    labels: dict[str, tuple[str, str]] = {}
    names = text and index.search(text, limit=50) or []
    for hit in names:
        scores[hit.entity] = hit.score
        labels[hit.entity] = (hit.label, hit.type)
    wanted_items: set[str] = set()
    for prop in query.get("properties") or []:
        pid = str(prop["pid"])
        if pid == "wikidata":
            wanted_items |= {v.rsplit("/", 1)[-1] for v in _values(prop)}
        elif pid == "alias":
            for value in _values(prop):
                for hit in index.search(value, limit=20):
                    scores[hit.entity] = max(scores.get(hit.entity, 0), hit.score * 0.9)
                    labels[hit.entity] = (hit.label, hit.type)
    if wanted_items:
        for entity, item in items.items():
            if item.rsplit("/", 1)[-1] in wanted_items:
                scores[entity] = 100.0
                if entity not in labels:
                    name = next(
                        (n for n in index.names() if n.entity == entity and n.is_label), None
                    )
                    if name is not None:
                        labels[entity] = (name.label, name.type)
    ranked = sorted(
        (
            (round(float(score), 1), entity)
            for entity, score in scores.items()
            if not kinds or labels[entity][1] in kinds
        ),
        key=lambda pair: (-pair[0], fold(labels[pair[1]][0])),
    )[:limit]
    match = False
    if ranked:
        top = ranked[0][0]
        runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
        # A match is an exact name (or Wikidata item) no other candidate shares, or
        # the same name spelled differently (Qassim/Qassem) well ahead of the rest.
        exact = top >= MATCH_SCORE and runner_up < MATCH_SCORE
        variant = top >= VARIANT_SCORE and top - runner_up >= MATCH_MARGIN
        match = exact or variant
    candidates = []
    for position, (score, entity) in enumerate(ranked):
        label, kind = labels[entity]
        linked = items.get(entity)
        candidates.append(
            {
                "id": entity.rsplit("/", 1)[-1],
                "name": label,
                "type": [{"id": kind, "name": kind}],
                "score": score,
                "description": kind
                + (f" · Wikidata {linked.rsplit('/', 1)[-1]}" if linked else ""),
                "features": [{"id": "name_score", "value": score}],
                "match": match and position == 0,
            }
        )
    return candidates


def _linked_items() -> dict[str, str]:
    rows = runtime().store.query(
        "SELECT ?e ?item WHERE { ?e <https://w3id.org/attest/ontology#wikidataItem> ?item }"
    )
    return {row["e"].value: row["item"].value for row in rows}  # type: ignore[union-attr]


@blueprint.route("", methods=["GET", "POST"])
def service() -> Response:
    extend = reconcile_extend.read_request()
    if extend is not None:
        return _json(reconcile_extend.extend_rows(*extend))
    batch = _queries()
    if batch is None:
        return _json(manifest())
    items = _linked_items()
    return _json({key: {"result": reconcile_one(query, items)} for key, query in batch.items()})


@blueprint.get("/preview")
def preview() -> Response:
    entity_id = request.args.get("id", "")
    data = entity_json(entity_id)
    claims = sum(len(group["claims"]) for group in data["claims_about"])
    page = render_template("preview.html", entity=data, claims=claims)
    return Response(page, mimetype="text/html")


def _prefix() -> str:
    prefix = request.args.get("prefix", "").strip()
    if not prefix:
        raise ApiError(400, "give the start of a name: ?prefix=Sol")
    return prefix


@blueprint.get("/suggest/entity")
def suggest_entity() -> Response:
    index = name_index()
    raw = request.args.get("cursor", "0")
    cursor = int(raw) if raw.isdigit() else 0
    hits = index.search(_prefix(), limit=cursor + 10)[cursor:]
    return _json(
        {
            "result": [
                {
                    "id": hit.entity.rsplit("/", 1)[-1],
                    "name": hit.label,
                    "description": hit.type,
                    "notable": [{"id": hit.type, "name": hit.type}],
                }
                for hit in hits
            ]
        }
    )


@blueprint.get("/suggest/type")
def suggest_type() -> Response:
    prefix = fold(_prefix())
    return _json(
        {"result": [{"id": k, "name": k} for k in ENTITY_TYPES if fold(k).startswith(prefix)]}
    )


@blueprint.get("/suggest/property")
def suggest_property() -> Response:
    prefix = fold(_prefix())
    known = {
        pid: (name, text) for pid, (name, text, _) in reconcile_extend.EXTEND_PROPERTIES.items()
    }
    known.update(PROPERTIES)
    return _json(
        {
            "result": [
                {"id": pid, "name": name, "description": description}
                for pid, (name, description) in known.items()
                if fold(pid).startswith(prefix) or fold(name).startswith(prefix)
            ]
        }
    )


@blueprint.get("/properties")
def propose_properties() -> Response:
    """The properties data extension can fetch, for the type asked (all types share them)."""
    kind = request.args.get("type", "").rsplit("#", 1)[-1]
    if kind and kind not in ENTITY_TYPES:
        raise ApiError(
            400, f"unknown type '{kind}'; the types are: {', '.join(sorted(ENTITY_TYPES))}"
        )
    raw = request.args.get("limit", "")
    limit = int(raw) if raw.isdigit() and int(raw) > 0 else len(reconcile_extend.EXTEND_PROPERTIES)
    properties = [
        {"id": pid, "name": name, "description": description}
        for pid, (name, description, _) in list(reconcile_extend.EXTEND_PROPERTIES.items())[:limit]
    ]
    body: dict[str, Any] = {"properties": properties, "limit": limit}
    if kind:
        body["type"] = kind
    return _json(body)
