"""The formats the server writes, and content negotiation over them.

One table says, for each kind of answer (solutions/boolean or a graph), which
media types the engine can produce, the names clients put in a ``format``
parameter for them, and the W3C format IRI the service description advertises.

Clients differ in what they send: SPARQLWrapper puts ``format=xml``,
``rdf+xml``, ``json-ld``, ``n3`` … (and ``output=`` / ``results=``) beside an
Accept header; Jena and rdflib send q-valued Accept lists; curl users type
``application/json`` or ``text/plain``. A name means what it means for the kind
of answer at hand (``xml`` is SPARQL XML for a SELECT, RDF/XML for a
CONSTRUCT); a name that fits no format of this answer is ignored in favour of
the Accept header, and 406 comes only when nothing acceptable exists.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from pyoxigraph import QueryResultsFormat
from pyoxigraph import RdfFormat
from werkzeug.datastructures import MIMEAccept


@dataclasses.dataclass(frozen=True)
class Format:
    """A format the engine writes: its canonical name and media type, and what else means it."""

    name: str
    media_type: str
    aliases: tuple[str, ...]
    w3c: str
    results: QueryResultsFormat | None = None
    rdf: RdfFormat | None = None
    dataset: bool = False
    names: tuple[str, ...] = ()
    # Whether a cut answer can say so inside the body (see server.executor).
    marks_truncation: bool = False

    def media_types(self) -> tuple[str, ...]:
        """The canonical media type, then the aliases clients send for it."""
        return (self.media_type, *self.aliases)


_FORMATS = "http://www.w3.org/ns/formats/"

RESULT_FORMATS = (
    Format(
        "json",
        "application/sparql-results+json",
        ("application/json", "text/json", "text/javascript", "application/javascript"),
        _FORMATS + "SPARQL_Results_JSON",
        results=QueryResultsFormat.JSON,
        names=("srj", "sparql-results+json"),
        marks_truncation=True,
    ),
    Format(
        "xml",
        "application/sparql-results+xml",
        ("application/xml", "text/xml"),
        _FORMATS + "SPARQL_Results_XML",
        results=QueryResultsFormat.XML,
        names=("srx", "sparql-results+xml"),
        marks_truncation=True,
    ),
    # text/plain is CSV for solutions, as Oxigraph's server has it.
    Format(
        "csv",
        "text/csv",
        ("text/plain",),
        _FORMATS + "SPARQL_Results_CSV",
        results=QueryResultsFormat.CSV,
    ),
    Format(
        "tsv",
        "text/tab-separated-values",
        ("text/tsv",),
        _FORMATS + "SPARQL_Results_TSV",
        results=QueryResultsFormat.TSV,
        names=("tab-separated-values",),
    ),
)
GRAPH_FORMATS = (
    # Every Turtle document is an N3 document, so N3 requests get Turtle.
    Format(
        "turtle",
        "text/turtle",
        (
            "application/x-turtle",
            "application/turtle",
            "text/n3",
            "text/rdf+n3",
            "application/n3",
        ),
        _FORMATS + "Turtle",
        rdf=RdfFormat.TURTLE,
        names=("ttl", "n3"),
        marks_truncation=True,
    ),
    Format(
        "ntriples",
        "application/n-triples",
        ("text/plain",),
        _FORMATS + "N-Triples",
        rdf=RdfFormat.N_TRIPLES,
        names=("nt", "n-triples"),
        marks_truncation=True,
    ),
    Format(
        "rdfxml",
        "application/rdf+xml",
        ("application/xml", "text/xml"),
        _FORMATS + "RDF_XML",
        rdf=RdfFormat.RDF_XML,
        names=("rdf+xml", "rdf", "xml", "rdf/xml"),
    ),
    Format(
        "jsonld",
        "application/ld+json",
        ("application/json", "application/x-json+ld", "text/json"),
        _FORMATS + "JSON-LD",
        rdf=RdfFormat.JSON_LD,
        dataset=True,
        names=("json-ld", "json"),
    ),
    Format(
        "trig",
        "application/trig",
        ("application/x-trig",),
        _FORMATS + "TriG",
        rdf=RdfFormat.TRIG,
        dataset=True,
        marks_truncation=True,
    ),
    Format(
        "nquads",
        "application/n-quads",
        ("text/x-nquads",),
        _FORMATS + "N-Quads",
        rdf=RdfFormat.N_QUADS,
        dataset=True,
        names=("nq", "n-quads"),
        marks_truncation=True,
    ),
)
ALL = RESULT_FORMATS + GRAPH_FORMATS
BY_NAME = {f.name: f for f in ALL}
# What the format parameters are called: ours and the SPARQL 1.1 Protocol
# habit of other servers, which SPARQLWrapper sends all of.
PARAMETERS = ("format", "output", "results")


class NotAcceptableError(ValueError):
    """No format of the offered ones fits the request."""


def _bare(media_type: str) -> str:
    return media_type.split(";", 1)[0].strip().lower()


def by_name(offered: Iterable[Format], name: str) -> Format | None:
    """Find the offered format a ``format`` value means: a name, or a media type.

    A media type other than the canonical one is kept as the answer's media
    type (``format=application/json`` on a CONSTRUCT answers JSON-LD labelled
    ``application/json``), so the client gets what it named.
    """
    wanted = _bare(name)
    for candidate in offered:
        if wanted == candidate.name or wanted in candidate.names:
            return candidate
        if wanted == candidate.media_type:
            return candidate
        if wanted in candidate.aliases:
            return dataclasses.replace(candidate, media_type=wanted)
    return None


def known_name(names: Iterable[str]) -> str | None:
    """The first of *names* that any format answers to; None if none does.

    SPARQLWrapper sends ``format`` twice (``rdf+xml`` then a media type, or a
    name then an empty value), so the first meaningful value wins.
    """
    for name in names:
        if name.strip() and by_name(ALL, name) is not None:
            return name.strip()
    return None


def by_media_type(media_type: str, offered: tuple[Format, ...] = ALL) -> Format | None:
    """The offered format an answer's media type belongs to (canonical types first)."""
    wanted = _bare(media_type)
    for candidate in offered:
        if wanted == candidate.media_type:
            return candidate
    for candidate in offered:
        if wanted in candidate.aliases:
            return candidate
    return None


def choose(offered: tuple[Format, ...], accept: MIMEAccept, name: str | None) -> Format:
    """Pick the format: the ``format`` parameter if it fits this answer, else the Accept header.

    The Accept header is weighed by q-value; at equal quality an exact media
    type beats a wildcard, then the order of *offered* decides (its first
    format is the default for no Accept or ``*/*``). An exact match on an alias
    (``text/n3``, ``application/json``, ``text/plain``) answers with that alias
    as the media type.

    :raises NotAcceptableError: naming what could have been produced.
    """
    if name:
        named = by_name(offered, name)
        if named is not None:
            return named
    if not accept or not list(accept.values()):
        return offered[0]
    listed = {_bare(value) for value in accept.values()}
    best_score = 0.0
    best: Format | None = None
    for candidate in offered:
        for media_type in candidate.media_types():
            quality = accept.quality(media_type)
            exact = media_type in listed
            # Prefer an exact match over a wildcard at equal quality, and the
            # canonical media type over an alias.
            score = quality + (0.0001 if exact else 0.0)
            if quality > 0 and score > best_score:
                best_score = score
                best = (
                    candidate
                    if media_type == candidate.media_type or not exact
                    else dataclasses.replace(candidate, media_type=media_type)
                )
    if best is None:
        media = ", ".join(f.media_type for f in offered)
        raise NotAcceptableError(
            f"cannot answer in any of the accepted media types ({', '.join(sorted(listed))}); "
            f"available: {media}"
        )
    return best
