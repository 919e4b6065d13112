"""Wikidata: the local cache of linked entities' data, and candidates for unlinked ones.

``attest wikidata refresh`` asks Wikidata's action API (``wbgetentities``) for
the labels, descriptions and aliases (English, Persian, Arabic) and a few key
statements (instance of, dates of birth and death, coordinates) of every
entity the catalogue links, and writes exactly what came back to
``seeds/wikidata/cache.json``. The loader turns that file into a named graph of
its own, ``{base}graph/wikidata``, described as Wikidata's data, never mixed
with claims. ``attest link`` searches Wikidata (``wbsearchentities``) for
entities without an item and ranks candidates for a curator; it writes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import json
import os
import re
import unicodedata
from collections.abc import Iterable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from pyoxigraph import DefaultGraph
from pyoxigraph import Literal
from pyoxigraph import NamedNode
from pyoxigraph import Quad

from loader.errors import LoadError
from loader.errors import Problem
from loader.vocab import AT
from loader.vocab import DCTERMS
from loader.vocab import RDF
from loader.vocab import RDFS
from loader.vocab import SCHEMA
from loader.vocab import SKOS
from loader.vocab import XSD

CACHE_FILE = "wikidata/cache.json"
LANGUAGES = ("en", "fa", "ar")
STATEMENTS = {
    "P31": "instance of",
    "P569": "date of birth",
    "P570": "date of death",
    "P625": "coordinate location",
}
BATCH = 50
USER_AGENT = "Attest/0.1 (knowledge graph of attributed claims; https://w3id.org/attest/)"
WD = "http://www.wikidata.org/entity/"
WDT = "http://www.wikidata.org/prop/direct/"
GEO_WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"
_PRECISION = {11: ("date", 10), 10: ("gYearMonth", 7), 9: ("gYear", 4)}


class WikidataError(LoadError):
    """Wikidata could not be reached or answered something unusable."""


@dataclasses.dataclass(frozen=True)
class RefreshReport:
    """What a refresh fetched, and what needs a curator's eye."""

    fetched: int
    missing: tuple[str, ...]
    redirected: tuple[tuple[str, str], ...]
    path: Path


def _client(timeout: float) -> httpx.Client:
    return httpx.Client(timeout=timeout, headers={"User-Agent": USER_AGENT}, follow_redirects=True)


def _get(client: httpx.Client, api: str, params: dict[str, str]) -> dict[str, Any]:
    try:
        response = client.get(api, params={**params, "format": "json"})
    except httpx.HTTPError as exc:
        raise WikidataError(f"cannot reach Wikidata at {api}: {exc}") from None
    if response.status_code != 200:
        raise WikidataError(
            f"Wikidata at {api} answered {response.status_code}: {response.text[:200]}"
        )
    try:
        body = response.json()
    except ValueError:
        raise WikidataError(f"Wikidata at {api} did not answer JSON") from None
    if "error" in body:
        error = body["error"]
        raise WikidataError(
            f"Wikidata refused the request: {error.get('code')}: {error.get('info')}"
        )
    return body  # type: ignore[no-any-return]


def _time(value: dict[str, Any]) -> dict[str, str] | None:
    """A Wikidata time value as an XSD literal with the precision Wikidata gives."""
    kind = _PRECISION.get(int(value.get("precision", 0)))
    match = re.match(r"^\+(\d{4,})-(\d\d)-(\d\d)", str(value.get("time", "")))
    if kind is None or match is None:
        return None
    lexical = f"{match.group(1)}-{match.group(2)}-{match.group(3)}"[: kind[1]]
    return {"value": lexical, "datatype": kind[0]}


def extract(entity: dict[str, Any]) -> dict[str, Any]:
    """Keep, from one ``wbgetentities`` entity, only the fields Attest caches."""

    def texts(field: str) -> dict[str, str]:
        found = entity.get(field) or {}
        return {lang: found[lang]["value"] for lang in LANGUAGES if lang in found}

    aliases = {
        lang: [alias["value"] for alias in (entity.get("aliases") or {}).get(lang, [])]
        for lang in LANGUAGES
        if (entity.get("aliases") or {}).get(lang)
    }
    statements: dict[str, list[Any]] = {}
    for prop in STATEMENTS:
        values = []
        for claim in (entity.get("claims") or {}).get(prop, []):
            if claim.get("rank") == "deprecated":
                continue
            datavalue = (claim.get("mainsnak") or {}).get("datavalue") or {}
            value = datavalue.get("value")
            if (
                datavalue.get("type") == "wikibase-entityid"
                and isinstance(value, dict)
                and "id" in value
            ):
                values.append(value["id"])
            elif datavalue.get("type") == "time" and isinstance(value, dict):
                time = _time(value)
                if time is not None:
                    values.append(time)
            elif datavalue.get("type") == "globecoordinate" and isinstance(value, dict):
                values.append({"latitude": value["latitude"], "longitude": value["longitude"]})
        if values:
            statements[prop] = values
    return {
        "labels": texts("labels"),
        "descriptions": texts("descriptions"),
        "aliases": aliases,
        "statements": statements,
    }


def fetch(
    api: str, ids: Iterable[str], timeout: float
) -> tuple[dict[str, Any], list[str], list[tuple[str, str]]]:
    """Fetch the cached fields of *ids* from Wikidata's API.

    :returns: (entities by requested id, ids Wikidata does not have, (requested, redirected-to) pairs).
    :raises WikidataError: if Wikidata cannot be reached or answers an error.
    """
    wanted = sorted(set(ids), key=lambda q: int(q[1:]))
    entities: dict[str, Any] = {}
    missing: list[str] = []
    redirected: list[tuple[str, str]] = []
    with _client(timeout) as client:
        for start in range(0, len(wanted), BATCH):
            batch = wanted[start : start + BATCH]
            body = _get(
                client,
                api,
                {
                    "action": "wbgetentities",
                    "ids": "|".join(batch),
                    "props": "labels|descriptions|aliases|claims",
                    "languages": "|".join(LANGUAGES),
                },
            )
            answered = body.get("entities") or {}
            for key, entity in answered.items():
                requested = key
                redirect = entity.get("redirects")
                if isinstance(redirect, dict):
                    requested = redirect.get("from", key)
                    redirected.append((requested, redirect.get("to", key)))
                if "missing" in entity:
                    missing.append(requested)
                    continue
                entities[requested] = {"id": entity.get("id", key), **extract(entity)}
    return entities, missing, redirected


def linked_items(seeds_dir: Path) -> dict[str, str]:
    """Entity id → Wikidata item, for every catalogued entity that has one."""
    from loader.seeds import read_seeds

    return {e.id: e.wikidata for e in read_seeds(seeds_dir).entities if e.wikidata}


def refresh(
    seeds_dir: Path, api: str, timeout: float, now: datetime.datetime | None = None
) -> RefreshReport:
    """Fetch Wikidata's data for every linked entity and rewrite the cache file.

    The file is replaced only when every request succeeded: offline, or on an
    error, the existing cache stays as it was.

    :raises WikidataError: if Wikidata cannot be reached or answers an error.
    """
    items = linked_items(seeds_dir)
    entities, missing, redirected = fetch(api, items.values(), timeout)
    retrieved = (now or datetime.datetime.now(datetime.UTC)).replace(microsecond=0)
    cache = {
        "comment": "Wikidata's own data for the entities the catalogue links, as its API returned it. "
        "Written by 'attest wikidata refresh'; do not edit by hand.",
        "source": api,
        "retrieved": retrieved.isoformat().replace("+00:00", "Z"),
        "languages": list(LANGUAGES),
        "entities": {qid: entities[qid] for qid in sorted(entities, key=lambda q: int(q[1:]))},
    }
    path = seeds_dir / CACHE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(cache, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(temporary, path)
    return RefreshReport(len(entities), tuple(missing), tuple(redirected), path)


def read_cache(seeds_dir: Path) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Read the cache file if there is one; a broken file is a Problem, not a crash."""
    path = seeds_dir / CACHE_FILE
    if not path.is_file():
        return None, []
    try:
        cache = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", 0)
        return None, [
            Problem(
                CACHE_FILE,
                line,
                f"the Wikidata cache is not valid JSON: {exc}",
                "run 'attest wikidata refresh' to rewrite it",
            )
        ]
    if not isinstance(cache, dict) or not isinstance(cache.get("entities"), dict):
        return None, [
            Problem(
                CACHE_FILE,
                1,
                "the Wikidata cache has no 'entities' object",
                "run 'attest wikidata refresh' to rewrite it",
            )
        ]
    return cache, []


def cache_quads(cache: dict[str, Any], graph_iri: str) -> Iterator[Quad]:
    """The cache as quads: Wikidata's statements in *graph_iri*, its description in the default graph."""
    graph = NamedNode(graph_iri)
    yield Quad(graph, NamedNode(str(RDF.type)), NamedNode(str(AT.WikidataCache)), DefaultGraph())
    yield Quad(
        graph,
        NamedNode(str(RDFS.label)),
        Literal("Wikidata's data for the linked entities (local cache)", language="en"),
        DefaultGraph(),
    )
    yield Quad(
        graph,
        NamedNode(str(DCTERMS.source)),
        NamedNode(str(cache.get("source", "https://www.wikidata.org/w/api.php"))),
        DefaultGraph(),
    )
    if cache.get("retrieved"):
        yield Quad(
            graph,
            NamedNode(str(DCTERMS.modified)),
            Literal(str(cache["retrieved"]), datatype=NamedNode(str(XSD.dateTime))),
            DefaultGraph(),
        )
    for qid, entity in cache["entities"].items():
        item = NamedNode(WD + str(entity.get("id", qid)))
        for field, predicate in (("labels", RDFS.label), ("descriptions", SCHEMA.description)):
            for lang, text in (entity.get(field) or {}).items():
                yield Quad(item, NamedNode(str(predicate)), Literal(text, language=lang), graph)
        for lang, names in (entity.get("aliases") or {}).items():
            for name in names:
                yield Quad(item, NamedNode(str(SKOS.altLabel)), Literal(name, language=lang), graph)
        for prop, values in (entity.get("statements") or {}).items():
            direct = NamedNode(WDT + prop)
            for value in values:
                if isinstance(value, str):
                    yield Quad(item, direct, NamedNode(WD + value), graph)
                elif "datatype" in value:
                    yield Quad(
                        item,
                        direct,
                        Literal(value["value"], datatype=NamedNode(str(XSD) + value["datatype"])),
                        graph,
                    )
                elif "latitude" in value:
                    point = f"Point({value['longitude']} {value['latitude']})"
                    yield Quad(item, direct, Literal(point, datatype=NamedNode(GEO_WKT)), graph)


# ---------------------------------------------------------------------------
# Candidates for entities without an item
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Candidate:
    qid: str
    label: str
    description: str
    score: int


def _fold(text: str) -> str:
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", plain.casefold()).split())


def search(api: str, text: str, timeout: float, limit: int = 7) -> list[dict[str, Any]]:
    """Wikidata's entity search (``wbsearchentities``) for *text* in English.

    :raises WikidataError: if Wikidata cannot be reached or answers an error.
    """
    with _client(timeout) as client:
        body = _get(
            client,
            api,
            {
                "action": "wbsearchentities",
                "search": text,
                "language": "en",
                "type": "item",
                "limit": str(limit),
            },
        )
    return list(body.get("search") or [])


def rank(names: list[str], results: list[dict[str, Any]]) -> list[Candidate]:
    """Rank search results by how closely their label matches one of *names*."""
    folded = [_fold(name) for name in names if name]
    candidates = []
    for position, result in enumerate(results):
        label = str(result.get("label") or (result.get("match") or {}).get("text") or "")
        matched = _fold(str((result.get("match") or {}).get("text") or label))
        similarity = max(
            (difflib.SequenceMatcher(None, matched, name).ratio() for name in folded), default=0.0
        )
        exact = matched in folded
        score = int(70 * similarity) + (25 if exact else 0) + max(0, 5 - position)
        candidates.append(
            Candidate(
                str(result.get("id", "")),
                label,
                str(result.get("description") or ""),
                min(score, 100),
            )
        )
    return sorted(candidates, key=lambda c: -c.score)
