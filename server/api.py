"""/api: provenance look-ups as JSON (documented in /api/openapi.json)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import jsonify
from flask import request
from pyoxigraph import Literal
from pyoxigraph import NamedNode

from loader.iris import is_slug
from loader.ontology import ENTITY_TYPES
from loader.serialization import prefixes
from server import lookups
from server import runtime
from server.errors import ApiError
from server.search import NameIndex

blueprint = Blueprint("api", __name__, url_prefix="/api")
OPENAPI = Path(__file__).parent / "openapi.json"
RELATIONS_KEY = "attest.relations"
MAX_PER_PAGE = 100


def name_index() -> NameIndex:
    index = current_app.extensions.get("attest.names")
    if index is None:
        index = NameIndex(runtime().store, runtime().iris)
        current_app.extensions["attest.names"] = index
    return index


def single_arg(name: str, default: str | None = None) -> str | None:
    """The one value of query parameter *name*; a repeated parameter is a mistake.

    :raises ApiError: 400 if the parameter is given more than once.
    """
    values = request.args.getlist(name)
    if len(values) > 1:
        raise ApiError(400, f"give '{name}' once, not {len(values)} times")
    return values[0] if values else default


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = single_arg(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"'{name}' must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise ApiError(400, f"'{name}' must be between {low} and {high}, got {value}")
    return value


def _iri(text: str, role: str) -> NamedNode:
    try:
        return NamedNode(text)
    except ValueError:
        raise ApiError(400, f"{role}: '{text}' is not a valid IRI") from None


def _relations() -> dict[str, str]:
    """Claim relations by local name and by folded label → IRI."""
    cached = current_app.extensions.get(RELATIONS_KEY)
    if cached is None:
        rows = runtime().store.query(
            "PREFIX at: <https://w3id.org/attest/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            "SELECT ?p ?label WHERE { ?p a at:ClaimRelation ; rdfs:label ?label }"
        )
        cached = {}
        for row in rows:  # type: ignore[union-attr]
            iri = row["p"].value
            cached[iri.rsplit("#", 1)[-1].casefold()] = iri
            cached[row["label"].value.casefold()] = iri
        current_app.extensions[RELATIONS_KEY] = cached
    return cached


def resolve_term(text: str, role: str) -> NamedNode | Literal:
    """Read a pattern term: <IRI>, a full IRI, a prefixed name, or a name that resolves.

    :raises ApiError: 400 naming what was not understood, with suggestions.
    """
    text = text.strip()
    if not text:
        raise ApiError(400, f"{role} is empty; leave it out to match anything")
    if text.startswith("<") and text.endswith(">"):
        return _iri(text[1:-1], role)
    if re.match(r"^https?://", text):
        return _iri(text, role)
    match = re.match(r"^([A-Za-z][\w-]*):(\S*)$", text)
    known = prefixes(runtime().settings.base_iri)
    if match and match.group(1) in known:
        return _iri(known[match.group(1)] + match.group(2), role)
    if role == "predicate":
        iri = _relations().get(text.casefold())
        if iri is None:
            raise ApiError(
                400,
                f"predicate: no claim relation named '{text}'; use a relation name such as 'created', "
                "a label such as 'founded by', or an IRI",
            )
        return NamedNode(iri)
    if role == "object" and len(text) >= 2 and text[0] == text[-1] == '"':
        return Literal(text[1:-1])
    found = name_index().resolve(text)
    if len(found) == 1:
        return NamedNode(found[0])
    if found:
        listed = ", ".join(f"'{iri.rsplit('/', 1)[-1]}'" for iri in found[:8])
        raise ApiError(
            400, f"{role}: '{text}' names several entities ({listed}); use one of these ids"
        )
    hits = name_index().search(text, limit=5)
    hint = (
        "; did you mean "
        + ", ".join(f"'{h.entity.rsplit('/', 1)[-1]}' ({h.label})" for h in hits)
        + "?"
        if hits
        else ""
    )
    raise ApiError(400, f"{role}: no entity named '{text}'{hint}")


@blueprint.get("")
def index() -> Response:
    return jsonify(
        {
            "ok": True,
            "openapi": "/api/openapi.json",
            "endpoints": [
                "/api/provenance?subject=&predicate=&object=",
                "/api/entities/{id}",
                "/api/documents/{id}",
                "/api/assertions/{id}",
                "/api/search?q=",
                "/api/contested",
            ],
        }
    )


@blueprint.get("/openapi.json")
def openapi() -> Response:
    spec = json.loads(OPENAPI.read_text(encoding="utf-8"))
    spec["servers"] = [{"url": request.host_url.rstrip("/")}]
    return jsonify(spec)


@blueprint.get("/provenance")
def provenance() -> Response:
    store, iris = runtime().store, runtime().iris
    bindings: dict[str, NamedNode | Literal] = {}
    pattern: dict[str, Any] = {}
    for role, variable in (("subject", "s"), ("predicate", "p"), ("object", "o")):
        raw = (single_arg(role) or "").strip()
        if raw:  # an empty field (as a form sends it) matches anything
            bindings[variable] = resolve_term(raw, role)
    page = _int_arg("page", 1, 1, 1_000_000)
    per_page = _int_arg("per_page", 20, 1, MAX_PER_PAGE)
    describer = lookups.Describer(store, iris)
    describer.learn_labels(bindings.values())
    for role, variable in (("subject", "s"), ("predicate", "p"), ("object", "o")):
        pattern[role] = describer.node(bindings.get(variable))
    total_rows = lookups.select(store, "provenance-count", bindings=bindings)
    total = int(total_rows[0]["total"].value) if total_rows else 0
    rows = lookups.select(
        store,
        "provenance",
        bindings=bindings,
        tail=f"\nLIMIT {per_page} OFFSET {(page - 1) * per_page}",
    )
    described = lookups.describe_assertions(store, iris, [r["assertion"] for r in rows])  # type: ignore[misc]
    describer.learn_labels([t for r in rows for t in (r["s"], r["p"], r["o"])])
    results = []
    for row in rows:
        assertion = described.get(row["assertion"].value)
        inferred = row["kind"].value == "inferred"
        entry: dict[str, Any] = {
            "claim": describer.triple(row["s"], row["p"], row["o"]),
            "inferred": inferred,
            "premises": [],
            "assertion": assertion,
        }
        if inferred and assertion is not None:
            for item in assertion["inferred"]:
                if lookups._triple_key(item) == lookups._triple_key(entry["claim"]):
                    entry["premises"] = item["premises"]
                    entry["rule"] = item["rule"]
        results.append(entry)
    pages = max(1, math.ceil(total / per_page))
    args = {k: v for k, v in request.args.items() if k != "page"}
    return jsonify(
        {
            "ok": True,
            "pattern": pattern,
            "total": total,
            "page": page,
            "per_page": per_page,
            "pages": pages,
            "next": f"/api/provenance?{urlencode({**args, 'page': page + 1})}"
            if page < pages
            else None,
            "results": results,
        }
    )


def _entity_node(entity_id: str) -> NamedNode:
    if not is_slug(entity_id):
        raise ApiError(404, f"no entity '{entity_id}'; ids are lowercase words joined by hyphens")
    return NamedNode(runtime().iris.entity(entity_id))


def entity_json(entity_id: str) -> dict[str, Any]:
    """Everything about one entity: names, types, Wikidata, claims about it and claims it made."""
    store, iris = runtime().store, runtime().iris
    node = _entity_node(entity_id)
    rows = lookups.select(store, "entity", bindings={"entity": node})
    if not rows:
        hits = name_index().search(entity_id.replace("-", " "), limit=3)
        hint = (
            f"; did you mean {', '.join(repr(h.entity.rsplit('/', 1)[-1]) for h in hits)}?"
            if hits
            else ""
        )
        raise ApiError(404, f"no entity '{entity_id}'{hint}")
    first = rows[0]
    aliases = sorted({r["alias"].value for r in rows if "alias" in r})
    claim_rows = lookups.select(store, "entity-claims", bindings={"s": node}) + lookups.select(
        store, "entity-claims", bindings={"o": node}
    )
    made = [
        r["assertion"]
        for r in lookups.select(store, "entity-assertions", bindings={"entity": node})
    ]
    reported = [
        r["assertion"] for r in lookups.select(store, "entity-reported", bindings={"entity": node})
    ]
    sources = lookups.sources_for(
        store, iris, [r["assertion"] for r in claim_rows] + made + reported
    )
    describer = lookups.Describer(store, iris)
    made_described = lookups.describe_assertions(store, iris, made)  # type: ignore[arg-type]
    made_rows = [
        {
            "s": NamedNode(c["subject"]["iri"])
            if "iri" in c["subject"]
            else Literal(c["subject"]["value"]),
            "p": NamedNode(c["predicate"]["iri"]),
            "o": NamedNode(c["object"]["iri"])
            if "iri" in c["object"]
            else Literal(c["object"]["value"]),
            "assertion": NamedNode(a["iri"]),
            "kind": Literal("curated"),
        }
        for a in made_described.values()
        for c in a["claims"]
    ]
    wikidata = first.get("wikidata")
    return {
        "ok": True,
        "id": entity_id,
        "iri": node.value,
        "url": f"/entity/{entity_id}",
        "label": first["label"].value,
        "aliases": aliases,
        "types": sorted({r["type"].value.rsplit("#", 1)[-1] for r in rows}),
        "wikidata": wikidata.value if wikidata is not None else None,
        "wikidata_data": wikidata_json(wikidata) if wikidata is not None else None,
        "note": first["note"].value if "note" in first else None,
        "claims_about": lookups.group_claims(describer, claim_rows, sources, node.value),
        "claims_made": lookups.group_claims(describer, made_rows, sources, node.value),
        "reported": [sources[a.value] for a in reported if a.value in sources],
    }


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


def wikidata_json(item: NamedNode | Literal) -> dict[str, Any] | None:
    """What the local Wikidata cache says of *item*, marked as Wikidata's; None if not cached."""
    if not isinstance(item, NamedNode):
        return None
    rows = lookups.select(runtime().store, "entity-wikidata", bindings={"item": item})
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


@blueprint.get("/entities/<entity_id>")
def entity(entity_id: str) -> Response:
    return jsonify(entity_json(entity_id))


def document_json(document_id: str) -> dict[str, Any]:
    """One document: metadata, text, embedded documents, and every assertion with its span."""
    store, iris = runtime().store, runtime().iris
    if not is_slug(document_id):
        raise ApiError(404, f"no document '{document_id}'")
    node = NamedNode(iris.document(document_id))
    rows = lookups.select(store, "document", bindings={"document": node})
    if not rows:
        raise ApiError(
            404, f"no document '{document_id}'; /api/search finds entities, / lists documents"
        )
    row = rows[0]
    describer = lookups.Describer(store, iris)

    def value(name: str) -> Any:
        term = row.get(name)
        if term is None:
            return None
        return int(term.value) if name in ("length", "start", "end") else term.value

    def agent(name: str) -> dict[str, Any] | None:
        if name not in row:
            return None
        found = describer.node(row[name]) or {}
        found["label"] = row[name + "Label"].value
        return found

    parts = [
        {
            **(describer.node(p["part"]) or {}),
            "title": p["title"].value,
            "start": int(p["start"].value) if "start" in p else None,
            "end": int(p["end"].value) if "end" in p else None,
        }
        for p in lookups.select(store, "document-parts", bindings={"document": node})
    ]
    spans = lookups.select(store, "document-assertions", bindings={"document": node})
    described = lookups.describe_assertions(store, iris, [s["assertion"] for s in spans])  # type: ignore[misc]
    assertions = []
    for span in spans:
        full = described.get(span["assertion"].value)
        if full is None:
            continue
        shift = int(span["shift"].value)
        assertions.append(
            {
                "id": full["id"],
                "url": full["url"],
                "start": int(span["start"].value) + shift,
                "end": int(span["end"].value) + shift,
                "stated_in": full["document"]["id"],
                "speaker": full["speaker"],
                "stance": full["stance"],
                "certainty": full["certainty"],
                "quote": full["quote"]["exact"],
                "claims": full["claims"],
            }
        )
    container = describer.node(row.get("container"))
    if container is not None:
        container["title"] = row["containerTitle"].value
    return {
        "ok": True,
        "id": document_id,
        "iri": node.value,
        "url": f"/document/{document_id}",
        "title": value("title"),
        "kind": row["kind"].value.rsplit("#", 1)[-1],
        "author": agent("author"),
        "author_note": value("authorNote"),
        "publisher": agent("publisher"),
        "publisher_note": value("publisherNote"),
        "issued": value("issued"),
        "issued_note": value("issuedNote"),
        "source_url": value("source"),
        "language": value("language"),
        "part_of": container,
        "position_in_container": {"start": value("start"), "end": value("end")}
        if "start" in row
        else None,
        "text": value("text"),
        "text_length": value("length"),
        "text_sha256": value("sha256"),
        "parts": parts,
        "assertions": assertions,
    }


@blueprint.get("/documents/<document_id>")
def document(document_id: str) -> Response:
    return jsonify(document_json(document_id))


def assertion_json(assertion_id: str) -> dict[str, Any]:
    store, iris = runtime().store, runtime().iris
    if not is_slug(assertion_id):
        raise ApiError(404, f"no assertion '{assertion_id}'")
    node = NamedNode(iris.assertion(assertion_id))
    found = lookups.describe_assertions(store, iris, [node]).get(node.value)
    if found is None:
        raise ApiError(404, f"no assertion '{assertion_id}'")
    return {"ok": True, **found}


@blueprint.get("/assertions/<assertion_id>")
def assertion(assertion_id: str) -> Response:
    return jsonify(assertion_json(assertion_id))


@blueprint.get("/search")
def search() -> Response:
    query = (single_arg("q") or "").strip()
    if not query:
        raise ApiError(400, "give a name to search for: /api/search?q=Soleimani")
    kind = single_arg("type")
    if kind is not None and kind not in ENTITY_TYPES:
        raise ApiError(400, f"type must be one of {', '.join(ENTITY_TYPES)}, got {kind!r}")
    limit = _int_arg("limit", 20, 1, 100)
    index = name_index()
    hits = index.search(query, kind=kind, limit=limit)
    return jsonify({"ok": True, "query": query, "results": [index.hit_json(hit) for hit in hits]})


def contested_json() -> dict[str, Any]:
    """Claims some sources affirm and others deny or dispute, with both sides."""
    store, iris = runtime().store, runtime().iris
    rows = lookups.select(store, "contested")
    describer = lookups.Describer(store, iris)
    describer.learn_labels([t for r in rows for t in (r["s"], r["p"], r["o"])])
    sources = lookups.sources_for(
        store, iris, [r[k] for r in rows for k in ("affirming", "contesting")]
    )
    claims: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in rows:
        key = (str(row["s"]), str(row["p"]), str(row["o"]))
        entry = claims.setdefault(
            key,
            {
                "claim": describer.triple(row["s"], row["p"], row["o"]),
                "affirmed_by": [],
                "contested_by": [],
            },
        )
        affirming, contesting = sources[row["affirming"].value], sources[row["contesting"].value]
        if affirming not in entry["affirmed_by"]:
            entry["affirmed_by"].append(affirming)
        contested = {**contesting, "how": row["how"].value}
        if contested not in entry["contested_by"]:
            entry["contested_by"].append(contested)
    return {"ok": True, "total": len(claims), "results": list(claims.values())}


@blueprint.get("/contested")
def contested() -> Response:
    return jsonify(contested_json())
