"""/sparql: the SPARQL 1.1 Protocol endpoint, service description and query page.

- Queries by GET, POST form-encoded, or POST ``application/sparql-query``;
  ``default-graph-uri`` / ``named-graph-uri``; the union of all graphs as the
  default graph with ``union-default-graph`` (Oxigraph's parameter) or
  ``default-graph-uri=urn:x-arq:UnionGraph`` (Fuseki's graph name).
- Answers by ``format`` (or ``output`` / ``results``) when the name fits the
  answer, else by Accept (see :mod:`server.formats`); 406 only when nothing
  acceptable exists. An answer cut at ``result_limit`` says so (headers, and
  the body where the format can carry it), or fails with 400 where it cannot.
- Read-only unless ``allow_updates`` is on and the request carries the
  ``update_token`` as a bearer token; updates get the endpoint's URL as base
  IRI and ``using-graph-uri`` / ``using-named-graph-uri`` as USING clauses,
  and are refused where they would break an invariant (:mod:`server.updates`).
  SERVICE only to ``service_allowlist``.
- Without a query: the service description for a GET by a machine, the query
  page for a browser; a POST without a query or update is 400.
"""

from __future__ import annotations

import hmac
from urllib.parse import parse_qsl

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import render_template
from flask import request
from pyoxigraph import NamedNode
from pyoxigraph import serialize
from werkzeug.datastructures import MIMEAccept

from loader.errors import QueryError
from server import caching
from server import examples
from server import formats
from server import jsonld
from server import runtime
from server import sparqltext
from server.errors import ApiError
from server.errors import wants_html
from server.executor import Job
from server.service_description import description

blueprint = Blueprint("sparql", __name__)

UNION_GRAPH = "urn:x-arq:UnionGraph"
FORM = "application/x-www-form-urlencoded"
QUERY_MEDIA = "application/sparql-query"
UPDATE_MEDIA = "application/sparql-update"
USING_PARAMETERS = ("using-graph-uri", "using-named-graph-uri")


def _body_text() -> str:
    charset = (request.mimetype_params.get("charset") or "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise ApiError(415, f"the request body must be UTF-8, not {charset}")
    try:
        return request.get_data(cache=True).decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "the request body is not valid UTF-8") from None


def _parameters() -> tuple[list[tuple[str, str]], str | None, str | None]:
    """Collect protocol parameters; return (all params, query, update)."""
    params = list(request.args.items(multi=True))
    query = update = None
    if request.method == "POST":
        media = request.mimetype
        if media == FORM:
            params += parse_qsl(_body_text(), keep_blank_values=True)
        elif media == QUERY_MEDIA:
            query = _body_text()
        elif media == UPDATE_MEDIA:
            update = _body_text()
        elif not media:
            raise ApiError(
                415,
                "a POST needs a Content-Type: application/x-www-form-urlencoded, "
                f"{QUERY_MEDIA} or {UPDATE_MEDIA}",
            )
        else:
            raise ApiError(
                415, f"unsupported media type {media}; use {FORM}, {QUERY_MEDIA} or {UPDATE_MEDIA}"
            )
    queries = [value for key, value in params if key == "query"]
    updates = [value for key, value in params if key == "update"]
    if len(queries) > 1 or (query is not None and queries):
        raise ApiError(400, "more than one query in the request; send exactly one 'query'")
    if len(updates) > 1 or (update is not None and updates):
        raise ApiError(400, "more than one update in the request; send exactly one 'update'")
    query = query if query is not None else (queries[0] if queries else None)
    update = update if update is not None else (updates[0] if updates else None)
    if query is not None and update is not None:
        raise ApiError(400, "a request carries either a query or an update, not both")
    if update is not None and request.method == "GET":
        raise ApiError(405, "updates must be sent with POST", headers={"Allow": "POST"})
    return params, query, update


def _check_depth(text: str) -> None:
    limit = runtime().settings.max_query_depth
    if sparqltext.nesting_depth(text) > limit:
        raise ApiError(
            400,
            f"the query nests brackets deeper than {limit} levels (setting max_query_depth); "
            "flatten it",
        )


def _admit(text: str, base: str, *, update: bool = False) -> bool:
    """Decide where *text* may run: True if it needs the federation workers.

    What a query can reach is bounded by the workers' network namespaces; this
    reading (a complete parser's) only refuses early, with a clear message, and
    admits to the federation workers the queries whose every SERVICE is allow-listed.

    :raises ApiError: 403 for LOAD, SERVICE ?var, an endpoint off the allow-list, or
        text the parser cannot read where the engine is not isolated.
    """
    runners = runtime().runner
    allowed = runtime().settings.service_allowlist
    if not sparqltext.may_reach_network(text):
        return False
    try:
        endpoints = sparqltext.service_endpoints(text, base, update=update)
    except sparqltext.ServiceRefusedError as exc:
        raise ApiError(403, str(exc)) from None
    except sparqltext.UnreadableError as exc:
        if runners.isolated:
            return False  # it runs where nothing can be reached; the engine has the last word
        raise ApiError(
            403,
            f"SERVICE endpoints cannot be checked: {exc}; this server only runs what it can "
            "check (setting service_allowlist)",
        ) from None
    listed = ", ".join(allowed) or "none"
    for endpoint in endpoints:
        if update:
            raise ApiError(
                403, f"SERVICE <{endpoint}> is refused in updates (setting service_allowlist)"
            )
        if endpoint not in allowed:
            raise ApiError(
                403,
                f"SERVICE <{endpoint}> is not on the allow-list (setting service_allowlist: {listed})",
            )
    return bool(endpoints)


def _syntax_error(error: str, shift: int = 0) -> ApiError:
    """A 400 with the engine's message and the position, *shift* columns back on line 1."""
    position = sparqltext.error_position(error)
    if position and position[0] == 1 and shift:
        position = (1, max(1, position[1] - shift))
    message = error.split("\n")[0]
    if len(message) > 300:
        message = message[:300] + "…"
    details = [{"line": position[0], "column": position[1]}] if position else []
    return ApiError(400, message, details)


@blueprint.route("/sparql", methods=["GET", "POST", "OPTIONS"])
def endpoint() -> Response:
    if request.method == "OPTIONS":
        return Response(status=204, headers={"Allow": "GET, POST, OPTIONS"})
    params, query, update = _parameters()
    if update is not None:
        return _update(update, params)
    if query is None:
        if request.method == "POST":
            raise ApiError(
                400,
                "a POST to /sparql needs a 'query' or an 'update' "
                f"(form-encoded, or the body as {QUERY_MEDIA} / {UPDATE_MEDIA}); "
                "the service description is answered to a GET without a query",
            )
        if wants_html():
            listed = examples.load()
            page = render_template(
                "sparql.html", examples=listed, examples_json=[e.__dict__ for e in listed]
            )
            return Response(page, mimetype="text/html")
        return _service_description()
    return _query(query, params)


def _query(query: str, params: list[tuple[str, str]]) -> Response:
    settings = runtime().settings
    default_graphs = [value for key, value in params if key == "default-graph-uri"]
    named_graphs = [value for key, value in params if key == "named-graph-uri"]
    union = any(
        key == "union-default-graph" and value.lower() not in ("false", "0")
        for key, value in params
    )
    if UNION_GRAPH in default_graphs:
        default_graphs.remove(UNION_GRAPH)
        union = True
    for iri in default_graphs + named_graphs:
        try:
            NamedNode(iri)
        except ValueError:
            raise ApiError(400, f"'{iri}' is not a valid graph IRI") from None
    if union and default_graphs:
        raise ApiError(
            400, "ask for either the union default graph or default-graph-uri values, not both"
        )
    _check_depth(query)
    federated = _admit(query, request.base_url)
    format_name = formats.known_name(value for key, value in params if key in formats.PARAMETERS)
    job = Job(
        query=query,
        union=union,
        default_graphs=tuple(default_graphs),
        named_graphs=tuple(named_graphs),
        format_name=format_name,
        accept=request.headers.get("Accept", ""),
        limit=settings.result_limit,
        base_iri=request.base_url,
    )
    answer = runtime().runner.run(
        job, settings.query_timeout, federated=federated, client=request.remote_addr or ""
    )
    if answer.status == 400:
        raise _syntax_error(answer.error)
    if answer.status != 200:
        raise ApiError(answer.status, answer.error)
    textual = answer.media_type.startswith("text/") or answer.media_type.endswith(("json", "xml"))
    content_type = f"{answer.media_type}; charset=utf-8" if textual else answer.media_type
    body = answer.body
    chosen = formats.by_media_type(answer.media_type, formats.GRAPH_FORMATS)
    if answer.unit == "triples" and chosen is not None and chosen.name == "jsonld":
        # Prefixed names under an inline @context, as on the Linked Data pages.
        body = jsonld.compact(body or b"[]", settings.base_iri)
    response = Response(body, content_type=content_type)
    response.headers["Vary"] = "Accept"
    if body is not answer.body:
        response.headers["Link"] = f'<{request.url_root}context.jsonld>; rel="{jsonld.CONTEXT_REL}"'
    if answer.truncated:
        _refuse_unmarked_cut(answer.media_type, answer.unit, settings.result_limit)
        # Virtuoso's header for a capped answer, which some clients know.
        response.headers["X-SPARQL-MaxRows"] = str(settings.result_limit)
        response.headers["X-Attest-Truncated"] = "true"
        response.headers["X-Attest-Result-Limit"] = str(settings.result_limit)
        response.headers["Warning"] = (
            f'199 attest "answer cut at {settings.result_limit} {answer.unit} (setting result_limit); '
            'add LIMIT and OFFSET to fetch the rest"'
        )
    return response


def _refuse_unmarked_cut(media_type: str, unit: str, limit: int) -> None:
    """Fail rather than send a cut answer in a format that cannot say it was cut.

    SPARQL JSON/XML, Turtle, N-Triples, TriG and N-Quads carry the mark in the
    body; CSV, TSV, RDF/XML and JSON-LD cannot, and a client reading them would
    take the first ``result_limit`` rows for the whole answer.

    :raises ApiError: 400 naming the setting and how to page.
    """
    offered = formats.RESULT_FORMATS if unit == "rows" else formats.GRAPH_FORMATS
    chosen = formats.by_media_type(media_type, offered)
    if chosen is None or chosen.marks_truncation:
        return
    carriers = ", ".join(f.media_type for f in offered if f.marks_truncation)
    raise ApiError(
        400,
        f"the answer has more than {limit} {unit} (setting result_limit) and {media_type} "
        f"cannot say that it was cut; add LIMIT {limit} and OFFSET to the query to fetch "
        f"it page by page, or ask for {carriers}, which mark a cut answer",
    )


def _update(update: str, params: list[tuple[str, str]]) -> Response:
    settings = runtime().settings
    if not settings.allow_updates or not settings.update_token:
        raise ApiError(403, "this endpoint is read-only (settings allow_updates and update_token)")
    supplied = request.headers.get("Authorization", "")
    expected = f"Bearer {settings.update_token}"
    if not hmac.compare_digest(supplied.encode(), expected.encode()):
        raise ApiError(
            401,
            "updates need 'Authorization: Bearer <update_token>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    using = [(key, value) for key, value in params if key in USING_PARAMETERS]
    if using and sparqltext.has_keyword(update, "USING", "WITH"):
        raise ApiError(
            400, "using-graph-uri/using-named-graph-uri conflict with USING/WITH in the update"
        )
    for _, iri in using:
        try:
            NamedNode(iri)
        except ValueError:
            raise ApiError(400, f"'{iri}' is not a valid graph IRI") from None
    _check_depth(update)
    _admit(update, request.base_url, update=True)
    # The request's URL is the base IRI, as for queries, so relative IRIs resolve;
    # the update's own BASE, if any, comes after and wins. On line 1, so error
    # positions on later lines stay right.
    prologue = f"BASE <{request.base_url}> "
    try:
        # The app's runner and store, not this request's pinned view: an update writes a
        # new version (in the update process, with no network, when the store is on disk).
        current_app.extensions["attest"].runner.update(prologue + with_using(update, using))
    except QueryError as exc:
        if exc.status != 400:
            raise  # refused (403), reloaded meanwhile (409), too big or too slow: as it says
        raise _syntax_error(str(exc), shift=len(prologue)) from None
    caching.data_changed()
    return Response(status=204)


def with_using(update: str, using: list[tuple[str, str]]) -> str:
    """Write the protocol's using-graph-uri / using-named-graph-uri into *update* as USING clauses.

    They go before the WHERE of every DELETE/INSERT … WHERE operation (not the
    DELETE WHERE shorthand, nor a WHERE inside braces); other operations have
    no dataset and are left alone, as the SPARQL 1.1 Protocol says.
    """
    if not using:
        return update
    clauses = " ".join(
        f"USING <{iri}>" if key == "using-graph-uri" else f"USING NAMED <{iri}>"
        for key, iri in using
    )
    depth = 0
    cuts = []
    last = ""
    for token in sparqltext.tokens(update):
        text = token.text.upper()
        if text == "WHERE" and depth == 0 and last != "DELETE":
            cuts.append(token.offset)
        depth += text in ("{", "(")
        depth -= text in ("}", ")")
        last = text
    for offset in reversed(cuts):
        update = update[:offset] + clauses + " " + update[offset:]
    return update


def _service_description() -> Response:
    runtime_ = runtime()
    graph = description(request.base_url, runtime_.settings)
    accept = request.accept_mimetypes
    name = formats.known_name(
        value for key, value in request.args.items(multi=True) if key in formats.PARAMETERS
    )
    offered = tuple(f for f in formats.GRAPH_FORMATS if not f.dataset or f.name == "jsonld")
    try:
        chosen = formats.choose(
            offered,
            accept if isinstance(accept, MIMEAccept) else MIMEAccept(),
            name,
        )
    except formats.NotAcceptableError as exc:
        raise ApiError(406, str(exc)) from None
    body = (
        serialize(graph, format=chosen.rdf, prefixes=_SD_PREFIXES)
        if chosen.name != "jsonld"
        else serialize(graph, format=chosen.rdf)
    )
    response = Response(body, mimetype=chosen.media_type)
    response.headers["Vary"] = "Accept"
    return response


_SD_PREFIXES = {
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "formats": "http://www.w3.org/ns/formats/",
    "void": "http://rdfs.org/ns/void#",
    "dcterms": "http://purl.org/dc/terms/",
}
