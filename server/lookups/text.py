"""Find the quotes that contain some words: an inverted index built from the store.

The index is built from the store (never from seed files) in a background thread
the first time it is asked for and again when the store's load changes; until it
is ready a search says so (``TextIndexBuilding``) rather than scan. A query's cost
follows the postings of its words, not the corpus.
"""

from __future__ import annotations

import array
import logging
import re
import threading
from typing import Any

from loader.errors import QueryError
from loader.errors import StoreError
from loader.iris import Iris
from loader.store import Store
from server.lookups.cards import Page
from server.lookups.cards import Renderer
from server.lookups.describe import select
from server.lookups.search import fold

log = logging.getLogger(__name__)
WORD = re.compile(r"\w+")
WAIT = 10.0  # seconds a search waits for the index before answering 503
MAX_WORDS = 12  # words of a query used; the rest are ignored
STOP = frozenset(
    "a an and are as at be by for from in is it its of on or that the to was were with".split()
)


class TextIndexBuilding(Exception):
    """The quote index is still being built for the current store."""


def words(text: str) -> list[str]:
    """The indexed words of *text*: folded, without the commonest English words."""
    return [w for w in WORD.findall(fold(text)) if w not in STOP]


class TextIndex:
    """Word → quotes postings for the store's current load."""

    def __init__(self, store: Store, iris: Iris) -> None:
        self.store = store
        self.iris = iris
        self._lock = threading.Lock()
        self._built = threading.Condition(self._lock)
        self._digest: str | None = None
        self._building: str | None = None
        self._assertions: list[str] = []
        self._postings: dict[str, array.array[int]] = {}

    def _current_digest(self) -> str:
        rows = self.store.query(
            "SELECT ?d WHERE { ?load <https://w3id.org/attest/ontology#seedDigest> ?d }"
        )
        return next((str(row["d"].value) for row in rows), "")  # type: ignore[union-attr]

    def _build(self, digest: str) -> None:
        try:
            self._index(digest)
        except (StoreError, QueryError):
            log.exception("cannot index the quotes of the store")
            with self._lock:
                self._building = None
                self._built.notify_all()

    def _index(self, digest: str) -> None:
        assertions: list[str] = []
        postings: dict[str, array.array[int]] = {}
        for row in select(self.store, "quotes"):
            number = len(assertions)
            assertions.append(row["quote"].value.rpartition("/")[0])
            for word in set(words(row["exact"].value)):
                postings.setdefault(word, array.array("I")).append(number)
        with self._lock:
            self._assertions, self._postings, self._digest = assertions, postings, digest
            self._building = None
            self._built.notify_all()

    def start(self, digest: str | None = None) -> None:
        """Start building the index for the load *digest* (default: the current one), if needed."""
        digest = digest if digest is not None else self._current_digest()
        with self._lock:
            if digest != self._digest and self._building != digest:
                self._building = digest
                threading.Thread(target=self._build, args=(digest,), daemon=True).start()

    def ready(self, wait: float = WAIT) -> tuple[list[str], dict[str, array.array[int]]]:
        """The index for the current load, waiting up to *wait* seconds while it is built.

        :raises TextIndexBuilding: if it is still being built after that.
        """
        digest = self._current_digest()
        self.start(digest)
        with self._lock:
            self._built.wait_for(lambda: self._digest == digest or self._building != digest, wait)
            if digest == self._digest:
                return self._assertions, self._postings
        raise TextIndexBuilding("the quote index is being built for this store; retry shortly")

    def search(self, query: str, page: Page) -> dict[str, Any]:
        """Assertions whose quote holds every word of *query*, one page, in corpus order.

        :raises TextIndexBuilding: while the index is being built.
        """
        assertions, postings = self.ready()
        wanted = list(dict.fromkeys(words(query)))[:MAX_WORDS]
        if not wanted:
            return {**page.of(0).json(), "words": [], "results": []}
        lists = sorted((postings.get(w, array.array("I")) for w in wanted), key=len)
        matched = set(lists[0])
        for other in lists[1:]:
            matched.intersection_update(other)
            if not matched:
                break
        ordered = sorted(matched)
        counted = page.of(len(ordered))
        chosen = [assertions[n] for n in ordered[counted.offset : counted.offset + page.per_page]]
        renderer = Renderer(self.store, self.iris)
        renderer.load(chosen, full=False)
        results = []
        for iri in chosen:
            described = renderer.assertion(iri)
            if described is not None:
                results.append(
                    {
                        "assertion": renderer.summary(iri),
                        "quote": described["quote"],
                        "document": described["document"],
                        "claims": described["claims"],
                    }
                )
        return {**counted.json(), "words": wanted, "results": results}
