"""Find entities by label or alias, tolerant of how the texts spell names.

Names are compared three ways: exactly; folded (case, diacritics, apostrophes
and punctuation removed: "Qa'ani" = "qaani"); and by consonant skeleton
(vowels and doubled letters dropped, so Qassem = Qasem = Qassim and
Abu Kamal = Bukamal). Closer matches rank higher; labels beat aliases.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import threading
import unicodedata
from typing import Any

from loader.iris import Iris
from loader.store import Store
from server.lookups.describe import select

_VOWELS = re.compile(r"[aeiouy]")
_DOUBLES = re.compile(r"(.)\1+")


def fold(text: str) -> str:
    """Lowercase, strip diacritics, apostrophes and punctuation; single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = re.sub(r"['’‘`ʿʾ]", "", plain.casefold())
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


def skeleton(text: str) -> str:
    """Consonant skeleton of a name: folded, no spaces, vowels or doubled letters."""
    squashed = fold(text).replace(" ", "").replace("_", "")
    return _DOUBLES.sub(r"\1", _VOWELS.sub("", squashed))


@dataclasses.dataclass(frozen=True)
class Name:
    entity: str
    label: str
    type: str
    name: str
    is_label: bool
    folded: str
    skeleton: str


@dataclasses.dataclass(frozen=True)
class Hit:
    entity: str
    label: str
    type: str
    matched: str
    score: int


def _score(query_folded: str, query_skeleton: str, name: Name) -> int:
    """How well a name matches the query, 0 to 100; labels edge out aliases.

    Whole-name matches beat word matches, which beat partial ones; among
    equals, a name the query covers more of ranks higher.
    """
    if not query_folded:
        return 0
    bonus = 2 if name.is_label else 0
    coverage = int(8 * min(1.0, len(query_folded) / max(1, len(name.folded))))
    words = name.folded.split()
    if name.folded == query_folded:
        return 90 + bonus + coverage
    if len(query_skeleton) >= 2 and name.skeleton == query_skeleton:
        return 80 + bonus + coverage
    if query_folded in words or (" " in query_folded and f" {query_folded} " in f" {name.folded} "):
        return 70 + bonus + coverage
    if len(query_skeleton) >= 2 and query_skeleton in (skeleton(word) for word in words):
        return 64 + bonus + coverage
    if name.folded.startswith(query_folded) or any(w.startswith(query_folded) for w in words):
        return 56 + bonus + coverage
    if query_folded in name.folded:
        return 46 + bonus + coverage
    if len(query_skeleton) >= 3 and query_skeleton in name.skeleton:
        return 40 + bonus + coverage
    ratio = difflib.SequenceMatcher(None, query_folded, name.folded).ratio()
    return int(ratio * 45) + bonus if ratio >= 0.72 else 0


class NameIndex:
    """All entity names of the store, loaded once per load of the store."""

    def __init__(self, store: Store, iris: Iris) -> None:
        self.store = store
        self.iris = iris
        self._names: list[Name] = []
        self._digest: str | None = None
        self._lock = threading.Lock()

    def _current_digest(self) -> str:
        rows = self.store.query(
            "SELECT ?d WHERE { ?load <https://w3id.org/attest/ontology#seedDigest> ?d }"
        )
        return next((str(row["d"].value) for row in rows), "")  # type: ignore[union-attr]

    def names(self) -> list[Name]:
        digest = self._current_digest()
        with self._lock:
            if digest != self._digest or not self._names:
                self._names = [
                    Name(
                        entity=row["entity"].value,
                        label=row["label"].value,
                        type=row["type"].value.rsplit("#", 1)[-1],
                        name=row["name"].value,
                        is_label=row["kind"].value == "label",
                        folded=fold(row["name"].value),
                        skeleton=skeleton(row["name"].value),
                    )
                    for row in select(self.store, "names")
                ]
                self._digest = digest
            return self._names

    def search(self, query: str, *, kind: str | None = None, limit: int = 20) -> list[Hit]:
        """Rank entities for *query*; at most *limit*, best first."""
        query_folded, query_skeleton = fold(query), skeleton(query)
        best: dict[str, Hit] = {}
        for name in self.names():
            if kind and name.type != kind:
                continue
            score = _score(query_folded, query_skeleton, name)
            if score and (name.entity not in best or score > best[name.entity].score):
                best[name.entity] = Hit(name.entity, name.label, name.type, name.name, score)
        ranked = sorted(best.values(), key=lambda hit: (-hit.score, hit.label.casefold()))
        return ranked[:limit]

    def resolve(self, text: str) -> list[str]:
        """Entity IRIs that *text* names exactly: an id, a label or alias (folded), else a unique skeleton."""
        candidate = self.iris.entity(text.strip())
        names = self.names()
        if any(n.entity == candidate for n in names):
            return [candidate]
        folded = fold(text)
        exact = sorted({n.entity for n in names if n.folded == folded})
        if exact:
            return exact
        shape = skeleton(text)
        return sorted({n.entity for n in names if len(shape) >= 3 and n.skeleton == shape})

    def hit_json(self, hit: Hit) -> dict[str, Any]:
        return {
            "id": hit.entity[len(self.iris.entity("")) :],
            "iri": hit.entity,
            "url": "/" + hit.entity[len(self.iris.base) :],
            "label": hit.label,
            "type": hit.type,
            "matched": hit.matched,
            "score": hit.score,
        }
