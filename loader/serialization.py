"""Write a store's content as RDF: every graph (TriG, N-Quads, JSON-LD) or the default graph."""

from __future__ import annotations

from typing import BinaryIO

from pyoxigraph import DefaultGraph
from pyoxigraph import Quad
from pyoxigraph import RdfFormat
from pyoxigraph import serialize

from loader.store import Store
from loader.vocab import PREFIXES

FORMATS = {
    "trig": RdfFormat.TRIG,
    "nquads": RdfFormat.N_QUADS,
    "jsonld": RdfFormat.JSON_LD,
    "turtle": RdfFormat.TURTLE,
    "ntriples": RdfFormat.N_TRIPLES,
}
DATASET_FORMATS = ("trig", "nquads", "jsonld")


def prefixes(base_iri: str) -> dict[str, str]:
    """Prefixes for readable output: the W3C vocabularies plus our IRI areas."""
    return {
        **PREFIXES,
        "entity": base_iri + "entity/",
        "document": base_iri + "document/",
        "assertion": base_iri + "assertion/",
    }


def export(store: Store, fmt: str, output: BinaryIO, *, base_iri: str) -> None:
    """Serialise the store to *output* in *fmt* (a key of :data:`FORMATS`).

    Dataset formats carry every graph; Turtle and N-Triples carry the default
    graph only (ontology, documents, entities, provenance).

    :raises StoreError: if the store cannot be read.
    """
    rdf_format = FORMATS[fmt]
    # Sorted so that each graph and each subject comes out in one piece.
    quads = sorted(store.quads(), key=quad_order)
    if fmt in DATASET_FORMATS:
        data = serialize(quads, format=rdf_format, prefixes=prefixes(base_iri))
    else:
        triples = [q.triple for q in quads if isinstance(q.graph_name, DefaultGraph)]
        data = serialize(triples, format=rdf_format, prefixes=prefixes(base_iri))
    assert data is not None
    output.write(data)
    output.flush()


def quad_order(quad: Quad) -> tuple[str, str, str, str]:
    """Sort key that keeps each graph, then each subject, together (default graph first)."""
    graph = "" if isinstance(quad.graph_name, DefaultGraph) else str(quad.graph_name)
    return (graph, str(quad.subject), str(quad.predicate), str(quad.object))
