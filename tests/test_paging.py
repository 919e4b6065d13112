"""Paged look-ups followed the way a client follows them: along ``next`` until it is absent.

A client never builds page N itself; it follows ``next``. If ``next`` drops the
query's filters or its ``per_page``, the pages no longer add up to ``total`` or
hold items that do not match: :func:`tests.paging.follow_next` catches both.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.inprocess import fixture_app
from tests.paging import follow_next

ENTITY = "https://w3id.org/attest/entity/"
AT = "https://w3id.org/attest/ontology#"

# The curated claims of tests/fixtures/good/documents/page.yaml, written out by hand.
CURATED = {
    ("page-council-created-guild", "town-council", "created", "harbour-guild"),
    ("bob-council-armed-guild", "town-council", "armed", "harbour-guild"),
    ("council-denies-arming", "town-council", "armed", "harbour-guild"),
    ("carol-guild-liberated-port-town", "harbour-guild", "liberated", "port-town"),
    ("carol-guild-liberated-port-town", "port-town", "locatedIn", "harbour-region"),
    ("page-guild-met-council-again", "harbour-guild", "met", "town-council"),
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with fixture_app(tmp_path_factory.mktemp("paging")) as flask_app:
        yield flask_app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _key(item: dict[str, Any]) -> tuple[str, str, str, str, bool]:
    claim = item["claim"]
    return (
        item["assertion"]["id"],
        claim["subject"]["iri"],
        claim["predicate"]["iri"],
        str(claim["object"].get("iri", claim["object"].get("value"))),
        item["inferred"],
    )


def _curated(items: list[dict[str, Any]]) -> set[tuple[str, str, str, str]]:
    found = set()
    for item in items:
        if not item["inferred"]:
            assertion, s, p, o, _ = _key(item)
            found.add((assertion, s[len(ENTITY) :], p[len(AT) :], o[len(ENTITY) :]))
    return found


def _where(
    subject: str | None = None, predicate: str | None = None, obj: str | None = None
) -> Callable[[dict[str, Any]], bool]:
    def matches(item: dict[str, Any]) -> bool:
        claim = item["claim"]
        return (
            (subject is None or claim["subject"]["iri"] == ENTITY + subject)
            and (predicate is None or claim["predicate"]["iri"] == AT + predicate)
            and (obj is None or claim["object"].get("iri") == ENTITY + obj)
        )

    return matches


@pytest.mark.parametrize("per_page", [1, 2, 4, 100])
def test_unfiltered_provenance_pages_add_up_to_every_claim(
    client: FlaskClient, per_page: int
) -> None:
    items = follow_next(client, f"/api/provenance?per_page={per_page}", key=_key)
    assert _curated(items) == CURATED
    assert any(item["inferred"] for item in items), "inverses such as foundedBy are listed too"


FILTERS = [
    ({"subject": "Town Council"}, _where(subject="town-council")),
    ({"predicate": "armed"}, _where(predicate="armed")),
    ({"object": "harbour-guild"}, _where(obj="harbour-guild")),
    (
        {"subject": "entity:harbour-guild", "predicate": "armed by"},
        _where("harbour-guild", "armedBy"),
    ),
    (
        {"subject": "town-council", "predicate": "armed", "object": "Harbour Guild"},
        _where("town-council", "armed", "harbour-guild"),
    ),
]


@pytest.mark.parametrize(
    ("params", "matches"), FILTERS, ids=["subject", "predicate", "object", "inferred", "all-three"]
)
def test_filtered_provenance_next_keeps_the_filters(
    client: FlaskClient,
    params: dict[str, str],
    matches: Callable[[dict[str, Any]], bool],
) -> None:
    first = f"/api/provenance?{urlencode({**params, 'per_page': 1})}"
    items = follow_next(client, first, matches=matches, key=_key)
    everything = follow_next(client, "/api/provenance?per_page=100", key=_key)
    assert {_key(i) for i in items} == {_key(i) for i in everything if matches(i)}
    assert len(items) >= 2, "the filter leaves more than one page to follow"


def test_armed_has_two_sources_one_affirming_one_denying(client: FlaskClient) -> None:
    items = follow_next(
        client, "/api/provenance?predicate=armed&per_page=1", matches=_where(predicate="armed")
    )
    assert {(i["assertion"]["id"], i["assertion"]["stance"]) for i in items} == {
        ("bob-council-armed-guild", "affirms"),
        ("council-denies-arming", "denies"),
    }


def test_follow_next_fails_when_next_drops_the_filter() -> None:
    """The helper itself can fail: a server whose page 2 forgets the filter is caught."""

    class Forgetful:
        def get(self, url: str) -> httpx.Response:
            items = [{"n": 1, "kind": "a"}, {"n": 2, "kind": "b"}, {"n": 3, "kind": "a"}]
            if "page=2" in url:  # the filter is lost: every item, from offset 1
                body = {"ok": True, "total": 2, "next": None, "results": items[1:2]}
            else:
                body = {"ok": True, "total": 2, "next": "/x?page=2", "results": items[:1]}
            return httpx.Response(200, json=body)

    with pytest.raises(AssertionError, match="does not match the filter"):
        follow_next(Forgetful(), "/x?kind=a", matches=lambda item: item["kind"] == "a")


def test_follow_next_fails_when_pages_do_not_add_up() -> None:
    class Short:
        def get(self, url: str) -> httpx.Response:
            return httpx.Response(200, json={"ok": True, "total": 3, "next": None, "results": [{}]})

    with pytest.raises(AssertionError, match="pages hold 1 items but total is 3"):
        follow_next(Short(), "/x")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("params", "matches"),
    [
        ({}, None),
        ({"subject": "US", "predicate": "created", "object": "Daesh"}, None),
        ({"predicate": "armed"}, _where(predicate="armed")),
        ({"subject": "Qassem Soleimani"}, _where(subject="qassem-soleimani")),
    ],
    ids=["all", "us-created-daesh", "armed", "soleimani"],
)
def test_live_server_provenance_pages_follow_next(
    http: httpx.Client,
    params: dict[str, str],
    matches: Callable[[dict[str, Any]], bool] | None,
) -> None:
    per_page = 100 if not params else 7
    first = f"/api/provenance?{urlencode({**params, 'per_page': per_page})}"
    items = follow_next(http, first, matches=matches, key=_key)
    assert len(items) > per_page
    if params.get("predicate") == "created":
        assert {i["claim"]["subject"]["iri"] for i in items} == {ENTITY + "united-states"}
        assert {i["claim"]["object"]["iri"] for i in items} == {ENTITY + "isis"}
