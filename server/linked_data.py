"""Linked Data: every IRI under the base dereferences, by content negotiation.

The path of a request is the IRI's path under the base: ``/entity/isis`` is
``{base}entity/isis``. Answers are direct (200, ``Vary: Accept``), no 303:

- a browser (``text/html``) gets the HTML page;
- Turtle, N-Triples and RDF/XML carry the default-graph description of the
  node and of the nodes minted under it (an assertion's target, selectors,
  reporting steps, and its claim as rdf:Statement descriptions);
- TriG, N-Quads and JSON-LD carry that too, plus the named graphs that belong
  to the node: an assertion's claim and inferred graphs, a graph's content,
  and what the background inference says about the node.
"""

from __future__ import annotations

from flask import Response
from flask import request
from pyoxigraph import DefaultGraph
from pyoxigraph import Literal
from pyoxigraph import NamedNode
from pyoxigraph import Quad
from pyoxigraph import Triple
from pyoxigraph import serialize
from werkzeug.datastructures import MIMEAccept

from loader.serialization import prefixes
from loader.serialization import quad_order
from loader.vocab import ONTOLOGY_IRI
from server import formats
from server import jsonld
from server import runtime
from server.errors import ApiError
from server.lookups import select

HTML = "text/html"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SD_GRAPH = NamedNode("http://www.w3.org/ns/sparql-service-description#Graph")
VOID_TRIPLES = NamedNode("http://rdfs.org/ns/void#triples")
XSD_INTEGER = NamedNode("http://www.w3.org/2001/XMLSchema#integer")


def wanted_format() -> formats.Format | None:
    """The RDF format the client asked for, or None when it prefers HTML."""
    names = request.args.getlist("format")
    if names:
        try:
            return formats.choose(formats.GRAPH_FORMATS, MIMEAccept(), names[0])
        except formats.NotAcceptableError as exc:
            raise ApiError(406, str(exc)) from None
    accept = request.accept_mimetypes
    html_quality = accept.quality(HTML) if accept else 0
    try:
        chosen = formats.choose(formats.GRAPH_FORMATS, accept, None)
    except formats.NotAcceptableError:
        if html_quality:
            return None
        offered = ", ".join([HTML] + [f.media_type for f in formats.GRAPH_FORMATS])
        raise ApiError(
            406, f"cannot answer in any of the accepted media types; available: {offered}"
        ) from None
    rdf_quality = (
        max(accept.quality(m) for m in (chosen.media_type, *chosen.aliases)) if accept else 1
    )
    exact_rdf = (
        any(m in accept.values() for m in (chosen.media_type, *chosen.aliases)) if accept else False
    )
    if html_quality and (
        html_quality > rdf_quality or (html_quality == rdf_quality and not exact_rdf)
    ):
        return None
    return chosen


RDFS_COMMENT = NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
GRAPH_CAP = 10_000  # a named graph larger than this is described, its content left to /sparql


def describe(iri: str, chosen: formats.Format) -> Response:
    """Serialise the description of *iri* in *chosen*; 404 if the store knows nothing of it."""
    store = runtime().store
    try:
        node = NamedNode(iri)
    except ValueError:
        raise ApiError(404, f"'{iri}' is not an IRI this server mints") from None
    triples = [
        Triple(r["s"], r["p"], r["o"])  # type: ignore[arg-type]
        for r in select(store, "describe", bindings={"node": node})
    ]
    quads = [Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in triples]
    if chosen.dataset:
        quads += [
            Quad(r["s"], r["p"], r["o"], r["g"])  # type: ignore[arg-type]
            for r in select(store, "describe-graphs", bindings={"node": node})
        ]
        background = NamedNode(runtime().iris.background_inferred_graph)
        quads += [
            Quad(node, r["p"], r["o"], r["g"])  # type: ignore[arg-type]
            for r in select(store, "describe-background", bindings={"node": node, "g": background})
        ]
        content = select(
            store, "graph-content", bindings={"node": node}, tail=f"\nLIMIT {GRAPH_CAP + 1}"
        )
        if len(content) <= GRAPH_CAP:  # a larger graph is for /sparql, page by page
            quads += [
                Quad(r["s"], r["p"], r["o"], node)  # type: ignore[arg-type]
                for r in content
            ]
    if not triples:
        # A named graph the default graph says nothing about (the background
        # inference, the Wikidata cache): describe it as a graph and count its
        # triples. Its content goes only in dataset formats, inside the graph.
        size = _graph_size(node)
        if size or iri in _minted_graphs():
            triples = [Triple(node, RDF_TYPE, SD_GRAPH)]
            if size <= GRAPH_CAP:
                triples.append(Triple(node, VOID_TRIPLES, Literal(str(size), datatype=XSD_INTEGER)))
            else:
                note = f"more than {GRAPH_CAP} triples: query /sparql with LIMIT and OFFSET"
                triples.append(Triple(node, RDFS_COMMENT, Literal(note)))
            quads += [Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in triples]
    if not quads:
        raise ApiError(404, f"nothing is known about <{iri}>")
    return _rdf_response(iri, chosen, triples, quads)


def _rdf_response(
    iri: str, chosen: formats.Format, triples: list[Triple], quads: list[Quad]
) -> Response:
    base = runtime().settings.base_iri
    names = prefixes(base)
    if chosen.dataset:
        body = serialize(sorted(set(quads), key=quad_order), format=chosen.rdf, prefixes=names)
    else:
        unique = sorted(set(triples), key=str)
        body = serialize(unique, format=chosen.rdf, prefixes=names)
    links = [f'<{iri}>; rel="canonical"']
    if chosen.name == "jsonld":
        body = jsonld.compact(body or b"[]", base)
        links.append(f'<{request.url_root}context.jsonld>; rel="{jsonld.CONTEXT_REL}"')
    response = Response(body, mimetype=chosen.media_type)
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = ", ".join(links)
    return response


def ontology(chosen: formats.Format, iri: str) -> Response:
    """Serialise the ontology (the default-graph triples about its terms) in *chosen*.

    Dataset formats carry the same triples, in the default graph.
    """
    rows = runtime().store.query(
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o "
        f"FILTER (STRSTARTS(STR(?s), '{ONTOLOGY_IRI}')) }}"
    )
    triples = [Triple(t.subject, t.predicate, t.object) for t in rows]  # type: ignore[union-attr]
    quads = [Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in triples]
    return _rdf_response(iri, chosen, triples, quads)


def _graph_size(node: NamedNode) -> int:
    """Triples in a named graph, counted up to ``GRAPH_CAP + 1`` (a bounded answer)."""
    rows = runtime().store.query(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ SELECT * WHERE {{ GRAPH <{node.value}> "
        f"{{ ?s ?p ?o }} }} LIMIT {GRAPH_CAP + 1} }} }}"
    )
    for row in rows:  # type: ignore[union-attr]
        return int(row["n"].value)
    return 0


def _minted_graphs() -> set[str]:
    """Named graphs this software always mints, whether or not this load filled them."""
    iris = runtime().iris
    return {iris.background_inferred_graph, iris.wikidata_graph}
