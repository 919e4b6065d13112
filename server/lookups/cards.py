"""Read the read model (``loader/readmodel.py``): cards, list pages, and assertions from cards.

Every function here starts from bound terms (the nodes or list slots it is
given), so its cost follows the size of the page, not of the corpus. A page of
assertions costs four queries whatever their number: their cards; the cards of
the documents and linked assertions they name; and the labels of everything
named.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterable
from typing import Any

from pyoxigraph import Literal
from pyoxigraph import NamedNode

from loader.errors import QueryError
from loader.errors import StoreError
from loader.iris import Iris
from loader.readmodel import FORMAT
from loader.store import Store
from server.lookups.describe import Describer
from server.lookups.describe import Term
from server.lookups.describe import select

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@dataclasses.dataclass(frozen=True)
class Page:
    """Which page of a list a request asks for, and how long the list is."""

    page: int
    per_page: int
    total: int = 0

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    def of(self, total: int) -> Page:
        return dataclasses.replace(self, total=total)

    def json(self) -> dict[str, int]:
        return {
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
        }


def _graph(iris: Iris) -> dict[str, Term]:
    return {"g": NamedNode(iris.readmodel_graph)}


def cards(store: Store, iris: Iris, nodes: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The cards of *nodes* (IRIs) that have one: IRI → record."""
    wanted = list(dict.fromkeys(nodes))
    if not wanted:
        return {}
    rows = select(store, "rm-cards", _graph(iris), values=("node", map(NamedNode, wanted)))
    return {row["node"].value: json.loads(row["card"].value) for row in rows}


def card(store: Store, iris: Iris, node: str) -> dict[str, Any] | None:
    """The card of one node, or None."""
    return cards(store, iris, [node]).get(node)


def size(store: Store, iris: Iris, list_iri: str) -> int:
    """Number of slots of a read-model list (0 if it does not exist)."""
    rows = select(store, "rm-size", {**_graph(iris), "list": NamedNode(list_iri)})
    return int(rows[0]["size"].value) if rows else 0


SLOT_QUERIES = {"": "rm-slots", "kind": "rm-slots-kind", "weight": "rm-slots-weight"}
Item = tuple[str, str | None]  # a slot's item, and its kind or weight ("" lists: None)


def slot_items(
    store: Store, iris: Iris, lists: list[str], first: int, count: int, extra: str = ""
) -> dict[str, list[Item]]:
    """Items of slots first…first+count-1 of each list, in order, in one query.

    :param extra: "" for items only, "kind" or "weight" for lists that carry one.
    :returns: list IRI → its items (fewer where the list is shorter).
    """
    wanted = [NamedNode(f"{lst}/{n}") for lst in lists for n in range(first, first + count)]
    found: dict[str, list[Item]] = {lst: [] for lst in lists}
    if not wanted:
        return found
    rows = select(store, SLOT_QUERIES[extra], _graph(iris), values=("slot", wanted))
    by_slot = {
        row["slot"].value: (row["item"].value, row[extra].value if extra else None) for row in rows
    }
    for slot in wanted:
        if slot.value in by_slot:
            found[slot.value.rpartition("/")[0]].append(by_slot[slot.value])
    return found


def slots(
    store: Store, iris: Iris, list_iri: str, first: int, count: int, extra: str = ""
) -> list[Item]:
    """Items of slots first…first+count-1 of one list (see :func:`slot_items`)."""
    return slot_items(store, iris, [list_iri], first, count, extra)[list_iri]


def page_of(
    store: Store, iris: Iris, list_iri: str, page: Page, extra: str = ""
) -> tuple[Page, list[tuple[str, str | None]]]:
    """One page of a read-model list: the page with its total, and the items on it."""
    total = size(store, iris, list_iri)
    counted = page.of(total)
    count = min(page.per_page, total - page.offset)
    return counted, slots(store, iris, list_iri, page.offset + 1, count, extra)


def read_model_problem(store: Store, iris: Iris) -> str | None:
    """Why the store's read model cannot serve look-ups (missing, or another format), or None."""
    try:
        found = card(store, iris, iris.home_node)
    except (StoreError, QueryError):  # a missing store is reported by the look-ups themselves
        return None
    if found is None or found.get("format") != FORMAT:
        built = "none" if found is None else found.get("format", "none")
        return (
            f"the store was built by another version of Attest (read model format {built}, "
            f"this server needs {FORMAT}); rebuild it with 'attest load'"
        )
    return None


def term(value: Any) -> NamedNode | Literal:
    """A claim term from a card: a string is an IRI, an object a literal."""
    if isinstance(value, str):
        return NamedNode(value)
    if "language" in value:
        return Literal(value["value"], language=value["language"])
    return Literal(value["value"], datatype=NamedNode(value.get("datatype", XSD_STRING)))


def triple_terms(triple: list[Any]) -> tuple[NamedNode | Literal, ...]:
    return tuple(term(v) for v in triple[:3])


class Renderer:
    """Turn assertion cards into the records the API and pages show (ids, labels, titles)."""

    def __init__(self, store: Store, iris: Iris) -> None:
        self.store = store
        self.iris = iris
        self.describer = Describer(store, iris)
        self.cards: dict[str, dict[str, Any]] = {}

    def load(self, assertions: Iterable[str], *, full: bool = True) -> None:
        """Fetch the cards of *assertions*, and what rendering them needs, in four queries."""
        wanted = [a for a in dict.fromkeys(assertions) if a not in self.cards]
        self.cards.update(cards(self.store, self.iris, wanted))
        second: list[str] = []
        for iri in wanted:
            found = self.cards.get(iri)
            if found is None:
                continue
            second.append(found["document"])
            second.extend(d for _, d in found["chain"] if d)
            if found["original"]:
                second.append(found["original"])
            if full:
                for key in ("disputes", "corroborates", "disputed_by", "corroborated_by"):
                    second.extend(found[key])
        self.cards.update(cards(self.store, self.iris, [n for n in second if n not in self.cards]))
        nodes: list[Term] = []
        for found in self.cards.values():
            if "speaker" in found:
                nodes.append(NamedNode(found["speaker"]))
                nodes.extend(NamedNode(r) for r, _ in found["chain"])
                if found["addressee"]:
                    nodes.append(NamedNode(found["addressee"]))
                if found.get("hedged_by"):
                    nodes.append(NamedNode(found["hedged_by"]["agent"]))
                if (found.get("translation") or {}).get("translator"):
                    nodes.append(NamedNode(found["translation"]["translator"]))
                for triple in found["claims"]:
                    nodes.extend(triple_terms(triple))
                for inferred in found["inferred"]:
                    nodes.extend(triple_terms(inferred))
            elif found.get("publisher"):
                nodes.append(NamedNode(found["publisher"]))
        self.describer.learn_labels(nodes)

    def labelled(self, iri: str | None) -> dict[str, Any] | None:
        if iri is None:
            return None
        return self.describer.node(NamedNode(iri))

    def titled(self, iri: str | None) -> dict[str, Any] | None:
        if iri is None:
            return None
        node = self.describer.node(NamedNode(iri)) or {}
        node.pop("label", None)
        found = self.cards.get(iri)
        if found is not None:
            node["title"] = found["title"]
        return node

    def document(self, iri: str) -> dict[str, Any]:
        node = self.titled(iri) or {}
        found = self.cards.get(iri, {})
        return {
            **node,
            "kind": found.get("kind"),
            "issued": found.get("issued"),
            "publisher": self.labelled(found.get("publisher")),
            "part_of": self.titled(found.get("container")),
        }

    def triple(self, triple: list[Any]) -> dict[str, Any]:
        return self.describer.triple(*triple_terms(triple))

    def _reading(self, found: dict[str, Any]) -> dict[str, Any]:
        """Whose hedge, the quote's language and its translation, an unnamed speaker."""
        hedge = found.get("hedged_by")
        translation = found.get("translation")
        return {
            "hedged_by": None if not hedge else {**hedge, "agent": self.labelled(hedge["agent"])},
            "language": found.get("language"),
            "translation": None
            if not translation
            else {**translation, "translator": self.labelled(translation["translator"])},
            "speaker_unnamed": found.get("speaker_unnamed"),
        }

    def summary(self, iri: str) -> dict[str, Any] | None:
        """A short description of an assertion: id, speaker, document, quote, stance."""
        found = self.cards.get(iri)
        if found is None:
            return None
        node = self.describer.node(NamedNode(iri)) or {}
        document = self.cards.get(found["document"], {})
        return {
            "id": node.get("id"),
            "iri": iri,
            "url": node.get("url"),
            "speaker": self.labelled(found["speaker"]),
            "document": {"iri": found["document"], "title": document.get("title")},
            "quote": found["quote"][0],
            "stance": found["stance"],
        }

    def assertion(self, iri: str) -> dict[str, Any] | None:
        """An assertion in full: speaker, chain, document, quote, stance, claims, links."""
        found = self.cards.get(iri)
        if found is None:
            return None
        node = self.describer.node(NamedNode(iri)) or {}
        exact, prefix, suffix, start, end = found["quote"]
        inferred = []
        for item in found["inferred"]:
            inferred.append(
                {
                    **self.triple(item),
                    "rule": item[3],
                    "premises": [self.triple(p) for p in item[4]],
                }
            )
        return {
            "id": node.get("id"),
            "iri": iri,
            "url": node.get("url"),
            "speaker": self.labelled(found["speaker"]),
            "reporting_chain": [
                {"index": index, "reporter": self.labelled(reporter), "document": self.titled(doc)}
                for index, (reporter, doc) in enumerate(found["chain"], start=1)
            ],
            "document": self.document(found["document"]),
            "original_document": self.titled(found["original"]),
            "quote": {
                "exact": exact,
                "prefix": prefix,
                "suffix": suffix,
                "start": start,
                "end": end,
            },
            "stance": found["stance"],
            "certainty": found["certainty"],
            "hedge": found["hedge"],
            "claim_time": found["when"],
            "addressee": self.labelled(found["addressee"]),
            "note": found["note"],
            **self._reading(found),
            "claims": sorted((self.triple(t) for t in found["claims"]), key=triple_key),
            "inferred": sorted(inferred, key=triple_key),
            **{
                key: [s for s in map(self.summary, found[key]) if s is not None]
                for key in ("disputes", "corroborates", "disputed_by", "corroborated_by")
            },
        }


def triple_key(triple: dict[str, Any]) -> tuple[str, ...]:
    """Sort key of a described triple: its terms' IRIs or values."""
    return tuple(
        str(triple[k].get("iri") or triple[k].get("value"))
        for k in ("subject", "predicate", "object")
    )


def describe_assertions(store: Store, iris: Iris, nodes: Iterable[str]) -> dict[str, Any]:
    """Describe each assertion in full; IRI → record, for those that exist."""
    renderer = Renderer(store, iris)
    wanted = list(nodes)
    renderer.load(wanted)
    found = {}
    for iri in wanted:
        described = renderer.assertion(iri)
        if described is not None:
            found[iri] = described
    return found
