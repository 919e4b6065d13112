"""One error shape everywhere: JSON for clients, error.html for browsers, never a traceback."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from flask import Flask

from loader import pipeline
from loader.settings import Settings
from server import create_app


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/nothing-here", 404),
        ("GET", "/api/entities/nobody", 404),
        ("DELETE", "/api/search", 405),
        ("GET", "/api/search", 400),
        ("GET", "/sparql?query=ASK", 400),
        ("POST", "/sparql", 415),
        # No 406 here: every Accept of application/json can be met (test_sparql.py has one).
    ],
)
def test_errors_share_one_json_shape(
    http: httpx.Client, method: str, path: str, status: int
) -> None:
    response = http.request(method, path, headers={"Accept": "application/json"})
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"ok", "error", "errors", "status"}
    assert body["ok"] is False and body["status"] == status and body["error"]
    assert "Traceback" not in response.text


def test_browsers_get_the_error_page(http: httpx.Client) -> None:
    response = http.get("/entity/nobody-at-all", headers={"Accept": "text/html"})
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")
    assert "nothing is known about" in response.text or "no entity" in response.text


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    """An in-process app over the memory store, with the fixture seeds."""
    memory = settings.replace(store="memory")
    flask_app = create_app(settings=memory)
    pipeline.load(memory, store=flask_app.extensions["attest"].store)

    @flask_app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    yield flask_app
    flask_app.extensions["attest"].close()


def test_unexpected_errors_are_a_plain_500_and_logged(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    response = app.test_client().get("/boom", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert response.get_json() == {
        "ok": False,
        "error": "internal server error; the server log has the details",
        "errors": [],
        "status": 500,
    }
    assert "secret internals" not in response.get_data(as_text=True)
    assert "secret internals" in caplog.text


def test_memory_store_app_answers_lookups(app: Flask) -> None:
    client = app.test_client()
    body = client.get("/api/provenance?subject=Town%20Council&predicate=armed").get_json()
    assert body["total"] == 2
    assert {r["assertion"]["stance"] for r in body["results"]} == {"affirms", "denies"}
