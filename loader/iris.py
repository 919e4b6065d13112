"""The only place IRIs are minted.

Every IRI is readable and derives from a curated id alone, so adding or
removing other data never changes it:

==============================  ==========================================
``{base}entity/{id}``           an entity of the catalogue
``{base}document/{id}``         a document (page, letter, tweet, report)
``{base}document/{id}/position``  where it sits inside its container
``{base}assertion/{id}``        an assertion (provenance, default graph)
``{base}assertion/{id}/claim``  its named graph of curated claim triples
``{base}assertion/{id}/inferred``  its named graph of inferred triples
``{base}assertion/{id}/target``    the annotated text span (oa:SpecificResource)
``{base}assertion/{id}/quote``     its oa:TextQuoteSelector
``{base}assertion/{id}/position``  its oa:TextPositionSelector
``{base}assertion/{id}/step/{n}``  step n of its reporting chain
``{base}assertion/{id}/translation``  the translation its quote renders, if any
``{base}graph/inferred``        inferred graph of the ontology and catalogue
``{base}graph/wikidata``        the local cache of Wikidata's data
``{base}graph/readmodel``       the read model: cards, counts and paged lists (and its nodes)
``{base}load``                  the load that built the store
==============================  ==========================================
"""

from __future__ import annotations

import dataclasses
import re

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KINDS = ("entity", "document", "assertion", "graph")


def is_slug(text: str) -> bool:
    """Tell whether *text* can be an id: lowercase letters, digits, single hyphens."""
    return bool(SLUG.fullmatch(text))  # not match + "$", which allows a final newline


@dataclasses.dataclass(frozen=True)
class Iris:
    """Mint IRIs under one base IRI (which ends in '/')."""

    base: str

    def entity(self, entity_id: str) -> str:
        return f"{self.base}entity/{entity_id}"

    def document(self, document_id: str) -> str:
        return f"{self.base}document/{document_id}"

    def document_position(self, document_id: str) -> str:
        return f"{self.document(document_id)}/position"

    def assertion(self, assertion_id: str) -> str:
        return f"{self.base}assertion/{assertion_id}"

    def claim_graph(self, assertion_id: str) -> str:
        return f"{self.assertion(assertion_id)}/claim"

    def inferred_graph(self, assertion_id: str) -> str:
        return f"{self.assertion(assertion_id)}/inferred"

    def target(self, assertion_id: str) -> str:
        return f"{self.assertion(assertion_id)}/target"

    def quote_selector(self, assertion_id: str) -> str:
        return f"{self.assertion(assertion_id)}/quote"

    def position_selector(self, assertion_id: str) -> str:
        return f"{self.assertion(assertion_id)}/position"

    def step(self, assertion_id: str, index: int) -> str:
        return f"{self.assertion(assertion_id)}/step/{index}"

    def translation(self, assertion_id: str) -> str:
        return f"{self.assertion(assertion_id)}/translation"

    @property
    def background_inferred_graph(self) -> str:
        return f"{self.base}graph/inferred"

    @property
    def wikidata_graph(self) -> str:
        return f"{self.base}graph/wikidata"

    @property
    def readmodel_graph(self) -> str:
        return f"{self.base}graph/readmodel"

    def claim_node(self, key: str) -> str:
        """The read-model node summarising one claim triple (*key*: its hash)."""
        return f"{self.readmodel_graph}/claim/{key}"

    def list_node(self, *path: str) -> str:
        """A read-model list, e.g. ``list_node("entity", "isis", "about")``."""
        return f"{self.readmodel_graph}/list/{'/'.join(path)}"

    @property
    def home_node(self) -> str:
        return f"{self.readmodel_graph}/home"

    @property
    def load(self) -> str:
        return f"{self.base}load"

    def split(self, iri: str) -> tuple[str, str, str] | None:
        """Split an IRI under the base into (kind, id, rest), or None if it is not one of ours.

        ``split(base + "assertion/a1/step/2")`` gives ``("assertion", "a1", "step/2")``.
        """
        if not iri.startswith(self.base):
            return None
        parts = iri[len(self.base) :].split("/", 2)
        if len(parts) < 2 or parts[0] not in KINDS or not parts[1]:
            return None
        return parts[0], parts[1], parts[2] if len(parts) == 3 else ""
