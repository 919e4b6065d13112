"""``service_allowlist`` at its edges, against a real server and a real listener.

The listener is a small SPARQL endpoint on 127.0.0.1 that answers every request
with one row and counts the requests it gets: a refused SERVICE call must
never reach it. An empty allow-list switches federation off entirely; a
single or custom list lets exactly its endpoints through.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from loader import pipeline
from loader.settings import Settings
from loader.settings import resolve
from tests.conftest import GOOD
from tests.conftest import Server
from tests.conftest import start_server
from tests.conftest import stop

ANSWER = "answered-by-the-listener"


class Listener:
    """A SPARQL endpoint on 127.0.0.1 that answers one row and counts its requests."""

    def __init__(self) -> None:
        self.hits = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                owner.hits += 1
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                body = json.dumps(
                    {
                        "head": {"vars": ["x"]},
                        "results": {"bindings": [{"x": {"type": "literal", "value": ANSWER}}]},
                    }
                ).encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = _answer
            do_POST = _answer

            def log_message(self, *_: object) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/sparql"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @contextmanager
    def running(self) -> Iterator[Listener]:
        self._thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()


@pytest.fixture(scope="module")
def listeners() -> Iterator[tuple[Listener, Listener, Listener]]:
    with (
        Listener().running() as first,
        Listener().running() as second,
        Listener().running() as third,
    ):
        yield first, second, third


@pytest.fixture(scope="module")
def fixture_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The good fixture seeds loaded into an on-disk store."""
    data_dir = tmp_path_factory.mktemp("allowlist-store")
    pipeline.load(resolve({"seeds_dir": GOOD, "data_dir": data_dir}, environ={}))
    return data_dir


@contextmanager
def _server(data_dir: Path, log_dir: Path, allowlist: str) -> Iterator[Server]:
    server = start_server(data_dir, log_dir, "--service-allowlist", allowlist)
    try:
        yield server
    finally:
        stop(server.process)


def _service(server: Server, endpoint: str) -> httpx.Response:
    query = f"SELECT ?x WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?x }} }}"
    return httpx.get(
        server.url("/sparql"),
        params={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )


def _answered(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [b["x"]["value"] for b in response.json()["results"]["bindings"]]


def test_empty_allow_list_allows_no_service_at_all(
    fixture_store: Path,
    listeners: tuple[Listener, Listener, Listener],
    tmp_path: Path,
) -> None:
    listener = listeners[0]
    before = listener.hits
    with _server(fixture_store, tmp_path, "") as server:
        refused = _service(server, listener.url)
        wikidata = _service(server, "https://query.wikidata.org/sparql")
        silent = httpx.get(
            server.url("/sparql"),
            params={
                "query": f"SELECT * WHERE {{ SERVICE SILENT <{listener.url}> {{ ?s ?p ?o }} }}"
            },
            timeout=60,
        )
    assert refused.status_code == 403, refused.text
    error = refused.json()["error"]
    assert f"SERVICE <{listener.url}> is not on the allow-list" in error
    assert "service_allowlist: none" in error
    assert wikidata.status_code == 403, "the default endpoint is off too once the list is empty"
    assert silent.status_code == 403, "SILENT does not sneak past the allow-list"
    assert listener.hits == before, "a refused SERVICE call reached the listener"


def test_single_allow_list_lets_exactly_that_endpoint_through(
    fixture_store: Path,
    listeners: tuple[Listener, Listener, Listener],
    tmp_path: Path,
) -> None:
    allowed, other, _ = listeners
    other_before = other.hits
    with _server(fixture_store, tmp_path, allowed.url) as server:
        allowed_before = allowed.hits
        answer = _service(server, allowed.url)
        refused = _service(server, other.url)
        described = httpx.get(
            server.url("/sparql"), headers={"Accept": "text/turtle"}, timeout=60
        ).text
    assert _answered(answer) == [ANSWER]
    assert allowed.hits > allowed_before
    assert refused.status_code == 403 and other.hits == other_before
    assert f"SERVICE only to: {allowed.url}." in described


def test_custom_allow_list_of_two_refuses_a_third(
    fixture_store: Path,
    listeners: tuple[Listener, Listener, Listener],
    tmp_path: Path,
) -> None:
    first, second, third = listeners
    third_before = third.hits
    with _server(fixture_store, tmp_path, f"{first.url}, {second.url}") as server:
        answers = [_answered(_service(server, listener.url)) for listener in (first, second)]
        refused = _service(server, third.url)
    assert answers == [[ANSWER], [ANSWER]]
    assert refused.status_code == 403
    assert f"service_allowlist: {first.url}, {second.url}" in refused.json()["error"]
    assert third.hits == third_before


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ()),
        ("   ", ()),
        ("http://127.0.0.1:1/sparql", ("http://127.0.0.1:1/sparql",)),
        (
            "http://127.0.0.1:1/a, http://127.0.0.1:2/b  http://127.0.0.1:3/c",
            ("http://127.0.0.1:1/a", "http://127.0.0.1:2/b", "http://127.0.0.1:3/c"),
        ),
    ],
    ids=["empty", "blank", "single", "comma-and-space-separated"],
)
def test_allow_list_setting_parses_at_its_edges(raw: str, expected: tuple[str, ...]) -> None:
    by_option = resolve({"service_allowlist": raw}, environ={})
    by_env = resolve(environ={"ATTEST_SERVICE_ALLOWLIST": raw})
    assert by_option.service_allowlist == by_env.service_allowlist == expected


def test_allow_list_default_is_wikidata_only() -> None:
    settings: Settings = resolve(environ={})
    assert settings.service_allowlist == ("https://query.wikidata.org/sparql",)
