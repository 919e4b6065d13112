"""HTML pages for browsers, and Linked Data for every IRI under the base.

Each resource path (``/entity/…``, ``/document/…``, ``/assertion/…``,
``/graph/…``, ``/load``, ``/ontology``) answers HTML to a browser and RDF to a
client that asks for it (see :mod:`server.linked_data`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint
from flask import Response
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask.typing import ResponseReturnValue
from pyoxigraph import NamedNode

from loader.vocab import ONTOLOGY_IRI
from server import api
from server import examples
from server import jsonld
from server import linked_data
from server import lookups
from server import runtime
from server.errors import ApiError
from server.lookups.home import home as home_lookup

HOME_PER_PAGE = 50

blueprint = Blueprint("pages", __name__)
OWL_VERSION_IRI = "http://www.w3.org/2002/07/owl#versionIRI"


def _html(template: str, **context: Any) -> Response:
    response = Response(render_template(template, **context), mimetype="text/html")
    response.headers["Vary"] = "Accept"
    return response


@blueprint.before_request
def _require_read_model() -> None:
    if not request.path.startswith(("/ontology", "/static", "/favicon")):
        api.require_read_model()


@blueprint.app_template_global()
def request_args(**changes: Any) -> str:
    """This request's query string with *changes* (e.g. another page), filters kept."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in changes]
    return urlencode([*args, *changes.items()])


@blueprint.get("/")
def home() -> Response:
    page = api.page_args(HOME_PER_PAGE, api.MAX_PER_PAGE)
    data = home_lookup(runtime().store, runtime().iris, page)
    data["next"] = "more" if page.page < data["pages"] else None
    return _html(
        "home.html",
        data=data,
        documents=data["documents"],
        counts=data["counts"],
        examples=examples.load(),
    )


@blueprint.get("/speaker/<entity_id>")
def speaker_page(entity_id: str) -> Response:
    return _html("speaker.html", data=api.speaker_json(entity_id))


@blueprint.get("/timeline")
def timeline_page() -> Response:
    return _html("timeline.html", data=api.timeline_json())


@blueprint.get("/favicon.ico")
def favicon() -> ResponseReturnValue:
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@blueprint.get("/search")
def search_page() -> Response:
    query = request.args.get("q", "").strip()
    hits = []
    quotes: dict[str, Any] | None = {"results": []}
    if query:
        index = api.name_index()
        hits = [index.hit_json(hit) for hit in index.search(query, limit=50)]
        try:
            quotes = api.quotes_json()
        except ApiError as exc:
            if exc.status != 503:
                raise
            quotes = None
    return _html("search.html", query=query, hits=hits, quotes=quotes)


@blueprint.get("/contested")
def contested_page() -> Response:
    return _html("contested.html", data=api.contested_json())


def _resource(iri: str, page: Callable[[], Response]) -> Response:
    """Answer RDF when the client asked for it (content negotiation), else the HTML *page*."""
    chosen = linked_data.wanted_format()
    if chosen is not None:
        return linked_data.describe(iri, chosen)
    return page()


@blueprint.get("/entity/<entity_id>")
def entity_page(entity_id: str) -> Response:
    return _resource(
        runtime().iris.entity(entity_id),
        lambda: _html("entity.html", entity=api.entity_json(entity_id)),
    )


@dataclass(frozen=True)
class Segment:
    text: str
    assertions: tuple[str, ...]


def segments(text: str, spans: list[dict[str, Any]]) -> list[Segment]:
    """Cut *text* at every span boundary; each piece lists the assertions covering it.

    Offsets are code points, as Python indexes strings, so the cut is exact
    even after an emoji.
    """
    cuts = sorted({0, len(text), *(s["start"] for s in spans), *(s["end"] for s in spans)})
    pieces = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        covering = tuple(s["id"] for s in spans if s["start"] <= start and end <= s["end"])
        pieces.append(Segment(text[start:end], covering))
    return pieces


@blueprint.get("/document/<document_id>")
def document_page(document_id: str) -> Response:
    def page() -> Response:
        document = api.document_json(document_id)
        pieces = (
            segments(document["text"] or "", document["assertions"]) if document["text"] else []
        )
        return _html("document.html", document=document, segments=pieces)

    return _resource(runtime().iris.document(document_id), page)


@blueprint.get("/assertion/<assertion_id>")
def assertion_page(assertion_id: str) -> Response:
    def page() -> Response:
        assertion = api.assertion_json(assertion_id)
        return _html("assertion.html", a=assertion, context=_quote_context(assertion))

    return _resource(runtime().iris.assertion(assertion_id), page)


def _quote_context(assertion: dict[str, Any], width: int = 240) -> dict[str, str]:
    """Text around the quote, from the stored text of its document."""
    rows = lookups.select(
        runtime().store,
        "document-text",
        bindings={"document": NamedNode(assertion["document"]["iri"])},
    )
    text = rows[0]["text"].value if rows and "text" in rows[0] else ""
    start, end = assertion["quote"]["start"], assertion["quote"]["end"]
    return {
        "before": ("…" if start > width else "") + text[max(0, start - width) : start],
        "quote": text[start:end],
        "after": text[end : end + width] + ("…" if end + width < len(text) else ""),
    }


@blueprint.get("/<any(entity, document, assertion, graph):kind>/<path:rest>")
def node_page(kind: str, rest: str) -> Response:
    """Nodes minted under an entity, document or assertion (steps, selectors, graphs, statements)."""
    iri = runtime().settings.base_iri + f"{kind}/{rest}"
    return _resource(iri, lambda: _node_html(iri))


@blueprint.get("/load")
def load_page() -> Response:
    iri = runtime().iris.load
    return _resource(iri, lambda: _node_html(iri))


def _node_html(iri: str) -> Response:
    store = runtime().store
    node = NamedNode(iri)
    rows = lookups.select(store, "describe", bindings={"node": node})
    graph_rows = lookups.select(store, "describe-graphs", bindings={"node": node}) + [
        {**row, "g": node}
        for row in lookups.select(store, "graph-content", bindings={"node": node})
    ]
    if not rows and not graph_rows:
        raise ApiError(404, f"nothing is known about <{iri}>")
    describer = lookups.Describer(store, runtime().iris)
    describer.learn_labels([t for r in rows + graph_rows for t in r.values()])
    table = [describer.triple(r["s"], r["p"], r["o"]) | {"graph": None} for r in rows]
    table += [
        describer.triple(r["s"], r["p"], r["o"]) | {"graph": describer.node(r["g"])}
        for r in graph_rows
    ]
    owner = iri
    parts = runtime().iris.split(iri)
    if parts is not None:
        owner = runtime().settings.base_iri + f"{parts[0]}/{parts[1]}"
    return _html("node.html", iri=iri, owner=describer.node(NamedNode(owner)), rows=table)


@blueprint.get("/context.jsonld")
def jsonld_context() -> Response:
    """The JSON-LD context that Attest's JSON-LD answers use and link to."""
    body = {"@context": jsonld.context(runtime().settings.base_iri)}
    return Response(json.dumps(body, indent=1), mimetype="application/ld+json")


@blueprint.get("/ontology")
@blueprint.get("/ontology/<version>")
def ontology_page(version: str | None = None) -> Response:
    """The ontology, also at its version IRI (``/ontology/0.1.0``, owl:versionIRI)."""
    iri = ONTOLOGY_IRI if version is None else f"{ONTOLOGY_IRI}/{version}"
    store = runtime().store
    if version is not None and (
        not re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z.\-]*", version)
        or not store.query(f"ASK {{ ?o <{OWL_VERSION_IRI}> <{iri}> }}")
    ):
        raise ApiError(404, f"no version {version} of the ontology here; see /ontology")
    chosen = linked_data.wanted_format()
    if chosen is not None:
        return linked_data.ontology(chosen, iri)
    terms: dict[str, dict[str, Any]] = {}
    for row in lookups.select(store, "ontology-terms"):
        iri = row["term"].value
        kind = row["kind"].value.rsplit("#", 1)[-1]
        term = terms.setdefault(
            iri,
            {
                "name": iri.rsplit("#", 1)[-1],
                "kind": kind,
                "label": row["label"].value,
                "comment": row["comment"].value,
                "domain": set(),
                "range": set(),
                "inverse": set(),
                "super": set(),
                "wikidata": set(),
                "claim": "claim" in row,
            },
        )
        for key in ("domain", "range", "inverse", "super", "wikidata"):
            if key in row:
                value = row[key].value
                term[key].add(value.rsplit("#", 1)[-1] if "attest" in value else value)
    ordered = sorted(terms.values(), key=lambda t: (not t["claim"], t["kind"], t["name"]))
    return _html("ontology.html", terms=ordered)
