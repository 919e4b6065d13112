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

MAX_QUERY = 200  # characters of a query compared; longer ones are cut
MAX_CANDIDATES = 400  # names scored per query, those sharing most trigrams with it
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
    squashed = squashed.replace("gh", "q")  # Ghasem = Qasem: both render the same letter
    return _DOUBLES.sub(r"\1", _VOWELS.sub("", squashed))


def _trigrams(folded: str) -> set[str]:
    padded = f"  {folded} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


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
        self._index: dict[str, dict[str, list[int]]] = {}
        self._index_for: list[Name] | None = None
        self._entities: list[Name] | None = None
        self._entity_set: set[str] = set()

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

    def _postings(self) -> dict[str, dict[str, list[int]]]:
        names = self.names()
        with self._lock:
            if self._index_for is not names:
                index: dict[str, dict[str, list[int]]] = {
                    key: {} for key in ("folded", "skeleton", "word", "trigram", "prefix")
                }
                for number, name in enumerate(names):
                    keys = {
                        "folded": [name.folded],
                        "skeleton": [name.skeleton],
                        "word": [w for word in name.folded.split() for w in (word, skeleton(word))],
                        "trigram": sorted(_trigrams(name.folded)),
                        "prefix": [w[:n] for w in name.folded.split() for n in (1, 2)],
                    }
                    for kind, values in keys.items():
                        for value in dict.fromkeys(values):
                            index[kind].setdefault(value, []).append(number)
                self._index, self._index_for = index, names
            return self._index

    def _candidates(self, query_folded: str, query_skeleton: str) -> set[int]:
        """Names worth scoring: shared name, skeleton, word or prefix, or most shared trigrams."""
        index = self._postings()
        found: set[int] = set()
        found.update(index["folded"].get(query_folded, ()))
        found.update(index["skeleton"].get(query_skeleton, ()))
        for word in query_folded.split():
            found.update(index["word"].get(word, ()))
            found.update(index["word"].get(skeleton(word), ()))
        if len(query_folded) < 3:
            found.update(index["prefix"].get(query_folded, ())[:MAX_CANDIDATES])
            return found
        shared: dict[int, int] = {}
        for gram in _trigrams(query_folded):
            for number in index["trigram"].get(gram, ()):
                shared[number] = shared.get(number, 0) + 1
        best = sorted(shared.items(), key=lambda item: -item[1])[:MAX_CANDIDATES]
        found.update(number for number, _ in best)
        return found

    def search(self, query: str, *, kind: str | None = None, limit: int = 20) -> list[Hit]:
        """Rank entities for *query*; at most *limit*, best first.

        Only names the index relates to the query are scored (see
        :meth:`_candidates`), so the cost follows the matches, not the catalogue.
        """
        query = query[:MAX_QUERY]
        query_folded, query_skeleton = fold(query), skeleton(query)
        names = self.names()
        best: dict[str, Hit] = {}
        for number in self._candidates(query_folded, query_skeleton):
            name = names[number]
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
        index = self._postings()
        if self._entities is not names:
            self._entity_set, self._entities = {n.entity for n in names}, names
        if candidate in self._entity_set:
            return [candidate]
        text = text[:MAX_QUERY]
        exact = sorted({names[i].entity for i in index["folded"].get(fold(text), ())})
        if exact:
            return exact
        shape = skeleton(text)
        if len(shape) < 3:
            return []
        return sorted({names[i].entity for i in index["skeleton"].get(shape, ())})

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
