"""Limits at their edges: 0, 1, exactly the answer's size, the maximum and one past it.

In-process (the Flask test client over the memory store holding the good
fixture), so mutation testing sees these tests. The fixture has four entities
whose names contain "Example" (Alice, Bob, Carol, Example Outlet) and five
assertions: enough for a limit to cut an answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from loader.errors import SettingError
from loader.settings import resolve
from tests.inprocess import fixture_app

EXAMPLES = {"alice-example", "bob-example", "carol-example", "example-outlet"}
ASSERTIONS = "SELECT ?a WHERE { ?a a <https://w3id.org/attest/ontology#Assertion> }"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with fixture_app(tmp_path_factory.mktemp("limits")) as flask_app:
        yield flask_app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _reconcile(client: FlaskClient, query: dict[str, Any]) -> Any:
    response = client.post("/reconcile", data={"queries": json.dumps({"q0": query})})
    return response.status_code, response.get_json()


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_reconcile_returns_at_most_limit_candidates_best_first(
    client: FlaskClient, limit: int
) -> None:
    status, everything = _reconcile(client, {"query": "Example", "limit": 10})
    assert status == 200
    ranked = [c["id"] for c in everything["q0"]["result"]]
    assert set(ranked) == EXAMPLES, "more candidates than any limit below"
    status, body = _reconcile(client, {"query": "Example", "limit": limit})
    assert status == 200
    assert [c["id"] for c in body["q0"]["result"]] == ranked[:limit]


def test_reconcile_default_limit_is_five_and_keeps_fewer(client: FlaskClient) -> None:
    _, body = _reconcile(client, {"query": "Example"})
    assert {c["id"] for c in body["q0"]["result"]} == EXAMPLES


@pytest.mark.parametrize(
    "limit", [0, -1, "3", True, None], ids=["zero", "negative", "string", "bool", "null"]
)
def test_reconcile_bad_limit_is_a_400_naming_the_query(client: FlaskClient, limit: object) -> None:
    status, body = _reconcile(client, {"query": "Example", "limit": limit})
    assert status == 400
    assert body["error"] == "query 'q0': 'limit' must be a positive number"


@pytest.mark.parametrize(
    ("limit", "expected"), [("1", 1), ("3", 3), ("100", 4)], ids=["one", "three", "max"]
)
def test_search_limit_cuts_the_answer(client: FlaskClient, limit: str, expected: int) -> None:
    body = client.get(f"/api/search?q=Example&limit={limit}").get_json()
    ids = [r["id"] for r in body["results"]]
    assert len(ids) == expected and set(ids) <= EXAMPLES


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/api/search?q=Example&limit=0", "'limit' must be between 1 and 100, got 0"),
        ("/api/search?q=Example&limit=101", "'limit' must be between 1 and 100, got 101"),
        ("/api/provenance?per_page=0", "'per_page' must be between 1 and 100, got 0"),
        ("/api/provenance?per_page=101", "'per_page' must be between 1 and 100, got 101"),
        ("/api/provenance?page=0", "'page' must be between 1 and 1000000, got 0"),
        ("/api/provenance?page=1000001", "'page' must be between 1 and 1000000, got 1000001"),
        ("/api/provenance?per_page=1&per_page=2", "give 'per_page' once, not 2 times"),
    ],
)
def test_limit_past_its_edge_is_a_400_with_the_range(
    client: FlaskClient, path: str, message: str
) -> None:
    response = client.get(path)
    assert response.status_code == 400
    assert response.get_json()["error"] == message


def test_per_page_at_its_maximum_and_the_last_page(client: FlaskClient) -> None:
    full = client.get("/api/provenance?per_page=100").get_json()
    assert full["pages"] == 1 and full["next"] is None
    assert len(full["results"]) == full["total"] > 5
    last = client.get(f"/api/provenance?per_page=1&page={full['total']}").get_json()
    assert last["next"] is None and len(last["results"]) == 1
    beyond = client.get(f"/api/provenance?per_page=1&page={full['total'] + 1}").get_json()
    assert beyond["results"] == [] and beyond["next"] is None


@pytest.mark.parametrize(
    ("result_limit", "rows", "truncated"),
    [(1, 1, True), (4, 4, True), (5, 5, False), (6, 5, False)],
    ids=["one", "one-below-the-answer", "exactly-the-answer", "above-the-answer"],
)
def test_result_limit_cuts_only_longer_answers(
    tmp_path_factory: pytest.TempPathFactory, result_limit: int, rows: int, truncated: bool
) -> None:
    with fixture_app(tmp_path_factory.mktemp("result-limit"), result_limit=result_limit) as app:
        response = app.test_client().get(
            "/sparql", query_string={"query": ASSERTIONS}, headers={"Accept": "application/json"}
        )
    body = response.get_json()
    assert response.status_code == 200
    assert len(body["results"]["bindings"]) == rows
    assert ("x-attest-truncated" in response.headers) is truncated
    assert body.get("attest", {}).get("truncated", False) is truncated
    if truncated:
        assert (
            f"answer cut at {result_limit} rows (setting result_limit)"
            in (body["attest"]["message"])
        )


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("result_limit", "0", "--result-limit: expected a whole number above 0, got '0'"),
        ("query_workers", "0", "--query-workers: expected a whole number above 0, got '0'"),
        ("threads", "0", "--threads: expected a whole number above 0, got '0'"),
        ("query_timeout", "0", "--query-timeout: expected a number above 0, got '0'"),
        ("port", "-1", "--port: expected a whole number above 0, got '-1'"),
    ],
)
def test_limit_settings_at_zero_are_refused_with_their_name(
    name: str, raw: str, message: str
) -> None:
    with pytest.raises(SettingError) as caught:
        resolve({name: raw}, environ={})
    assert str(caught.value) == message
