"""/api: provenance look-ups as JSON (documented in /api/openapi.json)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
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

from loader.iris import Iris
from loader.iris import is_slug
from loader.ontology import ENTITY_TYPES
from loader.serialization import prefixes
from loader.store import Store
from server import runtime
from server.errors import ApiError
from server.lookups.cards import Page
from server.lookups.cards import describe_assertions
from server.lookups.cards import read_model_problem
from server.lookups.contested import contested as contested_lookup
from server.lookups.describe import Describer
from server.lookups.document import document as document_lookup
from server.lookups.entity import entity as entity_lookup
from server.lookups.entity import neighbours as neighbours_lookup
from server.lookups.provenance import provenance as provenance_lookup
from server.lookups.search import NameIndex
from server.lookups.speaker import speaker as speaker_lookup
from server.lookups.text import TextIndex
from server.lookups.text import TextIndexBuilding
from server.lookups.timeline import timeline as timeline_lookup

blueprint = Blueprint("api", __name__, url_prefix="/api")
OPENAPI = Path(__file__).parent / "openapi.json"
RELATIONS_KEY = "attest.relations"
READ_MODEL_KEY = "attest.read_model_problem"
MAX_PER_PAGE = 100
MAX_PAGE = 1_000_000
DOCUMENT_PER_PAGE = 100
MAX_DOCUMENT_PER_PAGE = 500
MAX_NAME = 200  # characters of a name compared when suggesting


@blueprint.before_request
def _require_read_model() -> None:
    require_read_model()


def require_read_model() -> None:
    """Refuse look-ups on a store whose read model this server cannot read.

    :raises ApiError: 503 saying how to rebuild the store.
    """
    problem = current_app.extensions.get(READ_MODEL_KEY)
    if problem is None:
        return
    problem = read_model_problem(runtime().store, runtime().iris)  # a reload may have fixed it
    current_app.extensions[READ_MODEL_KEY] = problem
    if problem:
        raise ApiError(503, problem)


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
                "/api/speakers/{id}",
                "/api/entities/{id}/neighbours",
                "/api/timeline",
                "/api/quotes?q=",
            ],
        }
    )


@blueprint.get("/openapi.json")
def openapi() -> Response:
    spec = json.loads(OPENAPI.read_text(encoding="utf-8"))
    spec["servers"] = [{"url": request.host_url.rstrip("/")}]
    return jsonify(spec)


def page_args(default: int = 20, maximum: int = MAX_PER_PAGE) -> Page:
    """The requested page (``page``, ``per_page`` ≤ *maximum*).

    :raises ApiError: 400 if either is not a whole number in range.
    """
    return Page(_int_arg("page", 1, 1, MAX_PAGE), _int_arg("per_page", default, 1, maximum))


def paged(
    path: str, answer: dict[str, Any], page: Page, *, more: bool | None = None
) -> dict[str, Any]:
    """Add ``next`` (the same request, every filter kept, one page on) to *answer*."""
    has_next = page.page < answer.get("pages", 0) if more is None else more
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]
    answer["next"] = f"{path}?{urlencode([*args, ('page', page.page + 1)])}" if has_next else None
    return {"ok": True, **answer}


def provenance_json() -> dict[str, Any]:
    """Every assertion of a claim pattern, a page at a time (see :mod:`server.lookups.provenance`).

    :raises ApiError: 400 if a term or the page is not understood.
    """
    store, iris = runtime().store, runtime().iris
    bindings: dict[str, NamedNode | Literal] = {}
    for role, variable in (("subject", "s"), ("predicate", "p"), ("object", "o")):
        raw = (single_arg(role) or "").strip()
        if raw:  # an empty field (as a form sends it) matches anything
            bindings[variable] = resolve_term(raw, role)
    page = page_args()
    describer = Describer(store, iris)
    describer.learn_labels(bindings.values())
    pattern = {
        role: describer.node(bindings.get(variable))
        for role, variable in (("subject", "s"), ("predicate", "p"), ("object", "o"))
    }
    answer = provenance_lookup(store, iris, bindings, page)
    return paged("/api/provenance", {"pattern": pattern, **answer}, page)


@blueprint.get("/provenance")
def provenance() -> Response:
    return jsonify(provenance_json())


def _entity_node(entity_id: str) -> NamedNode:
    if not is_slug(entity_id):
        raise ApiError(404, f"no entity '{entity_id}'; ids are lowercase words joined by hyphens")
    return NamedNode(runtime().iris.entity(entity_id))


def _no_entity(entity_id: str) -> ApiError:
    hits = name_index().search(entity_id.replace("-", " ")[:MAX_NAME], limit=3)
    hint = (
        f"; did you mean {', '.join(repr(h.entity.rsplit('/', 1)[-1]) for h in hits)}?"
        if hits
        else ""
    )
    return ApiError(404, f"no entity '{entity_id}'{hint}")


EntityLookup = Callable[[Store, Iris, str, Page], "dict[str, Any] | None"]


def _about_entity(lookup: EntityLookup, path: str, entity_id: str) -> dict[str, Any]:
    """Run a paged look-up about one entity; a page of it, with ``next``.

    :raises ApiError: 404 (with suggestions) if there is no such entity; 400 for a bad page.
    """
    _entity_node(entity_id)
    page = page_args()
    found = lookup(runtime().store, runtime().iris, entity_id, page)
    if found is None:
        raise _no_entity(entity_id)
    return paged(path, found, page, more=found.get("more"))


def entity_json(entity_id: str) -> dict[str, Any]:
    """One entity and a page of each of its lists (see :mod:`server.lookups.entity`).

    :raises ApiError: 404 (with suggestions) if there is no such entity.
    """
    return _about_entity(entity_lookup, f"/api/entities/{entity_id}", entity_id)


def speaker_json(entity_id: str) -> dict[str, Any]:
    """Every assertion one speaker made, newest first, a page at a time.

    :raises ApiError: 404 if there is no such entity.
    """
    return _about_entity(speaker_lookup, f"/api/speakers/{entity_id}", entity_id)


def neighbours_json(entity_id: str) -> dict[str, Any]:
    """Entities linked to this one by curated claims, most linked first, paged.

    :raises ApiError: 404 if there is no such entity.
    """
    return _about_entity(neighbours_lookup, f"/api/entities/{entity_id}/neighbours", entity_id)


@blueprint.get("/speakers/<entity_id>")
def speaker(entity_id: str) -> Response:
    return jsonify(speaker_json(entity_id))


@blueprint.get("/entities/<entity_id>/neighbours")
def neighbours(entity_id: str) -> Response:
    return jsonify(neighbours_json(entity_id))


def timeline_json() -> dict[str, Any]:
    """Dated assertions in the order of their claim time, paged.

    :raises ApiError: 400 if the page is not understood.
    """
    page = page_args()
    return paged("/api/timeline", timeline_lookup(runtime().store, runtime().iris, page), page)


@blueprint.get("/timeline")
def timeline() -> Response:
    return jsonify(timeline_json())


@blueprint.get("/entities/<entity_id>")
def entity(entity_id: str) -> Response:
    return jsonify(entity_json(entity_id))


def document_json(document_id: str) -> dict[str, Any]:
    """One document and a page of its assertions' spans (see :mod:`server.lookups.document`).

    :raises ApiError: 404 if there is no such document.
    """
    if not is_slug(document_id):
        raise ApiError(404, f"no document '{document_id}'")
    page = page_args(DOCUMENT_PER_PAGE, MAX_DOCUMENT_PER_PAGE)
    found = document_lookup(runtime().store, runtime().iris, document_id, page)
    if found is None:
        raise ApiError(
            404, f"no document '{document_id}'; /api/search finds entities, / lists documents"
        )
    return paged(f"/api/documents/{document_id}", found, page)


@blueprint.get("/documents/<document_id>")
def document(document_id: str) -> Response:
    return jsonify(document_json(document_id))


def assertion_json(assertion_id: str) -> dict[str, Any]:
    """One assertion in full.

    :raises ApiError: 404 if there is no such assertion.
    """
    store, iris = runtime().store, runtime().iris
    if not is_slug(assertion_id):
        raise ApiError(404, f"no assertion '{assertion_id}'")
    iri = iris.assertion(assertion_id)
    found = describe_assertions(store, iris, [iri]).get(iri)
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
    limit = _int_arg("limit", 20, 1, MAX_PER_PAGE)
    page = page_args(limit)
    index = name_index()
    hits = index.search(query, kind=kind, limit=page.page * page.per_page + 1)
    shown = hits[page.offset : page.offset + page.per_page]
    more = len(hits) > page.page * page.per_page
    answer = {
        "query": query,
        "page": page.page,
        "per_page": page.per_page,
        "results": [index.hit_json(hit) for hit in shown],
    }
    return jsonify(paged("/api/search", answer, page, more=more))


def text_index() -> TextIndex:
    index = current_app.extensions.get("attest.text")
    if index is None:
        index = TextIndex(runtime().store, runtime().iris)
        current_app.extensions["attest.text"] = index
    return index


def quotes_json() -> dict[str, Any]:
    """Assertions whose quoted words contain every word of ``q``, paged.

    :raises ApiError: 400 without words; 503 while the index is being built.
    """
    query = (single_arg("q") or "").strip()
    if not query:
        raise ApiError(400, "give words to find in quotes: /api/quotes?q=weapons+Kurds")
    page = page_args()
    try:
        answer = text_index().search(query, page)
    except TextIndexBuilding as exc:
        raise ApiError(503, str(exc)) from None
    return paged("/api/quotes", {"query": query, **answer}, page)


@blueprint.get("/quotes")
def quotes() -> Response:
    return jsonify(quotes_json())


def contested_json() -> dict[str, Any]:
    """Claims some sources affirm and others deny or dispute, with both sides, paged.

    :raises ApiError: 400 if the page is not understood.
    """
    page = page_args()
    return paged("/api/contested", contested_lookup(runtime().store, runtime().iris, page), page)


@blueprint.get("/contested")
def contested() -> Response:
    return jsonify(contested_json())
