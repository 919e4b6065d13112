"""Counts over a built store: what it holds, overall and per document."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from pyoxigraph import QuerySolutions

from loader.store import Store

_QUERIES = Path(__file__).parent / "queries"


def _rows(store: Store, name: str) -> list[dict[str, object]]:
    result = store.query((_QUERIES / f"{name}.rq").read_text(encoding="utf-8"))
    assert isinstance(result, QuerySolutions)
    names = [variable.value for variable in result.variables]
    rows = []
    for solution in result:
        row: dict[str, object] = {}
        for variable in names:
            term = solution[variable]
            if term is None:
                row[variable] = None
            else:
                value = term.value
                row[variable] = int(value) if value.lstrip("-").isdigit() else value
        rows.append(row)
    return rows


@dataclasses.dataclass(frozen=True)
class Stats:
    """What the store holds."""

    documents: int
    entities: int
    assertions: int
    triples: int
    default_graph_triples: int
    claim_triples: int
    inferred_triples: int
    background_inferred_triples: int
    wikidata_triples: int
    read_model_triples: int
    named_graphs: int

    def lines(self) -> list[tuple[str, int]]:
        return [
            ("documents", self.documents),
            ("entities", self.entities),
            ("assertions", self.assertions),
            ("triples (all graphs)", self.triples),
            ("  in the default graph", self.default_graph_triples),
            ("  curated claim triples", self.claim_triples),
            ("  inferred, per assertion", self.inferred_triples),
            ("  inferred, ontology and catalogue", self.background_inferred_triples),
            ("  Wikidata's data (local cache)", self.wikidata_triples),
            ("  read model (for look-ups)", self.read_model_triples),
            ("named graphs", self.named_graphs),
        ]


def store_stats(store: Store) -> Stats:
    """Count documents, entities, assertions and triples (curated and inferred).

    :raises StoreError: if the store cannot be read.
    """
    row = _rows(store, "stats")[0]
    return Stats(
        **{field.name: int(str(row.get(field.name) or 0)) for field in dataclasses.fields(Stats)}
    )


def by_document(store: Store) -> list[dict[str, object]]:
    """Per source text: assertions, speakers, dispute/corroboration links, hedged claims.

    Documents embedded in a page (letters, tweets) count towards the page.
    """
    return _rows(store, "by-document")
