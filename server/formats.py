"""The formats the server writes, and content negotiation over them.

One table says, for each kind of answer (solutions/boolean or a graph), which
media types the engine can produce, their short names for the ``format``
parameter, and the W3C format IRI the service description advertises.
"""

from __future__ import annotations

import dataclasses

from pyoxigraph import QueryResultsFormat
from pyoxigraph import RdfFormat
from werkzeug.datastructures import MIMEAccept


@dataclasses.dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    aliases: tuple[str, ...]
    w3c: str
    results: QueryResultsFormat | None = None
    rdf: RdfFormat | None = None
    dataset: bool = False


_FORMATS = "http://www.w3.org/ns/formats/"

RESULT_FORMATS = (
    Format(
        "json",
        "application/sparql-results+json",
        ("application/json",),
        _FORMATS + "SPARQL_Results_JSON",
        results=QueryResultsFormat.JSON,
    ),
    Format(
        "xml",
        "application/sparql-results+xml",
        ("application/xml", "text/xml"),
        _FORMATS + "SPARQL_Results_XML",
        results=QueryResultsFormat.XML,
    ),
    Format("csv", "text/csv", (), _FORMATS + "SPARQL_Results_CSV", results=QueryResultsFormat.CSV),
    Format(
        "tsv",
        "text/tab-separated-values",
        (),
        _FORMATS + "SPARQL_Results_TSV",
        results=QueryResultsFormat.TSV,
    ),
)
GRAPH_FORMATS = (
    Format(
        "turtle",
        "text/turtle",
        ("application/x-turtle",),
        _FORMATS + "Turtle",
        rdf=RdfFormat.TURTLE,
    ),
    Format(
        "ntriples",
        "application/n-triples",
        ("text/plain",),
        _FORMATS + "N-Triples",
        rdf=RdfFormat.N_TRIPLES,
    ),
    Format("rdfxml", "application/rdf+xml", (), _FORMATS + "RDF_XML", rdf=RdfFormat.RDF_XML),
    Format(
        "jsonld",
        "application/ld+json",
        (),
        _FORMATS + "JSON-LD",
        rdf=RdfFormat.JSON_LD,
        dataset=True,
    ),
    Format("trig", "application/trig", (), _FORMATS + "TriG", rdf=RdfFormat.TRIG, dataset=True),
    Format(
        "nquads",
        "application/n-quads",
        (),
        _FORMATS + "N-Quads",
        rdf=RdfFormat.N_QUADS,
        dataset=True,
    ),
)
ALL = RESULT_FORMATS + GRAPH_FORMATS
BY_NAME = {f.name: f for f in ALL}


class NotAcceptableError(ValueError):
    """No format of the offered ones fits the request."""


def choose(offered: tuple[Format, ...], accept: MIMEAccept, name: str | None) -> Format:
    """Pick the format: the ``format`` parameter if given, else the Accept header.

    The first offered format is the default (no Accept, or ``*/*``).

    :raises NotAcceptableError: naming what could have been produced.
    """
    choices = ", ".join(f.name for f in offered)
    if name:
        for candidate in offered:
            if candidate.name == name or candidate.media_type == name:
                return candidate
        raise NotAcceptableError(f"format '{name}' does not fit this answer; use one of {choices}")
    if not accept or not list(accept.values()):
        return offered[0]
    best_quality = 0.0
    best: Format | None = None
    for candidate in offered:
        for media_type in (candidate.media_type, *candidate.aliases):
            quality = accept.quality(media_type)
            exact = media_type in accept.values()
            # Prefer an exact match over a wildcard at equal quality.
            score = quality + (0.0001 if exact else 0.0)
            if quality > 0 and score > best_quality:
                best_quality, best = score, candidate
    if best is None:
        media = ", ".join(f.media_type for f in offered)
        raise NotAcceptableError(
            f"cannot answer in any of the accepted media types; available: {media}"
        )
    return best
