"""Safe to put on the internet: SSRF attempts, bounded requests, fair sharing, page headers.

Everything runs against the real ``attest serve`` process on 127.0.0.1. A recording
TCP listener stands for every host a query must not reach: it counts each
connection, and answers one SPARQL JSON row (``LEAKED``) so that a leak would show
in the answer too. A second ``oxigraph serve`` stands in for the allow-listed
endpoint (Wikidata's query service in production).
"""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from loader.settings import PROJECT_DIR
from tests.conftest import Server
from tests.conftest import attest_command
from tests.conftest import free_port
from tests.conftest import run_attest
from tests.conftest import running_oxigraph
from tests.conftest import start_server
from tests.conftest import stop
from tests.conftest import wait_for

TOKEN = "s3cret-token"
LEAK = b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"LEAKED"}}]}}'


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection made to it."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.port = int(self.socket.getsockname()[1])
        self.hits: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            with connection:
                connection.settimeout(2)
                try:
                    request = connection.recv(65536)
                except OSError:
                    request = b""
                self.hits.append(request)
                head = (
                    "HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                    f"Content-Length: {len(LEAK)}\r\nConnection: close\r\n\r\n"
                )
                try:
                    connection.sendall(head.encode() + LEAK)
                except OSError:
                    pass

    def close(self) -> None:
        self.socket.close()


class Silent:
    """An allow-listed endpoint that accepts connections and never answers."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}/sparql"


@pytest.fixture(scope="module")
def silent() -> Iterator[Silent]:
    found = Silent()
    yield found
    found.socket.close()


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    found = Listener()
    yield found
    found.close()


@pytest.fixture(scope="module")
def standin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The allow-listed endpoint: a real ``oxigraph serve`` holding one triple."""
    with running_oxigraph(tmp_path_factory.mktemp("allowed-endpoint")) as base:
        response = httpx.post(
            f"{base}/store?default",
            content=b'<urn:attest:s> <urn:attest:p> "from the stand-in" .\n',
            headers={"Content-Type": "application/n-triples"},
        )
        assert response.status_code in (200, 201, 204), response.text
        yield f"{base}/query"


@pytest.fixture(scope="module")
def guarded(
    seed_data_dir: Path, standin: str, silent: Silent, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """The real server: federation to the stand-in only, updates allowed with a token."""
    data_dir = tmp_path_factory.mktemp("guarded") / "data"
    shutil.copytree(seed_data_dir, data_dir)
    server = start_server(
        data_dir,
        tmp_path_factory.mktemp("guarded-logs"),
        "--service-allowlist",
        f"{standin} {silent.url}",
        "--query-timeout",
        "6",
        "--allow-updates",
        "true",
        "--update-token",
        TOKEN,
    )
    yield server
    stop(server.process)


def _escaped(text: str, position: int) -> str:
    return text[:position] + f"\\u{ord(text[position]):04X}" + text[position + 1 :]


def _attacks(evil: str, allowed: str) -> list[tuple[str, str]]:
    """(id, query) pairs that try to make the server call *evil*."""
    host_port = evil.removeprefix("http://")
    allowed_port = allowed.split(":")[2].split("/")[0]
    pattern = "{ ?s ?p ?o }"
    cases = [
        ("u-escape", f"SELECT * WHERE {{ SERVICE <\\u0068ttp://{host_port}/x> {pattern} }}"),
        ("U-escape", f"SELECT * WHERE {{ SERVICE <\\U00000068ttp://{host_port}/x> {pattern} }}"),
        (
            "pname-hash",
            f"PREFIX x: <http://e.example/> SELECT * WHERE {{ ?s x:a\\#b ?o . "
            f"SERVICE <{evil}/x> {pattern} }}",
        ),
        (
            "pname-quote",
            f"PREFIX x: <http://e.example/> SELECT * WHERE {{ ?s x:a\\' ?o . "
            f"SERVICE <{evil}/x> {pattern} }}",
        ),
        (
            "pname-endpoint",
            f"PREFIX x: <{evil}/> SELECT * WHERE {{ SERVICE x:a\\#b {pattern} }}",
        ),
        ("base", f"BASE <{evil}/> SELECT * WHERE {{ SERVICE <x> {pattern} }}"),
        ("scheme-relative", f"SELECT * WHERE {{ SERVICE <//{host_port}/x> {pattern} }}"),
        (
            "base-of-allowed",
            f"BASE <{allowed}> SELECT * WHERE {{ SERVICE <//{host_port}/x> {pattern} }}",
        ),
        ("plain", f"SELECT * WHERE {{ SERVICE <{evil}/x> {pattern} }}"),
        ("silent", f"SELECT * WHERE {{ SERVICE SILENT <{evil}/x> {pattern} }}"),
        (
            "subquery",
            f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{evil}/x> {pattern} }} }} }}",
        ),
        ("optional", f"SELECT * WHERE {{ OPTIONAL {{ SERVICE <{evil}/x> {pattern} }} }}"),
        ("minus", f"SELECT * WHERE {{ ?a ?b ?c MINUS {{ SERVICE <{evil}/x> {pattern} }} }}"),
        ("union", f"SELECT * WHERE {{ {{ }} UNION {{ SERVICE <{evil}/x> {pattern} }} }}"),
        (
            "filter-exists",
            f"SELECT * WHERE {{ BIND(1 AS ?one) FILTER EXISTS {{ SERVICE <{evil}/x> {pattern} }} }}",
        ),
        (
            "filter-not-exists",
            f"ASK {{ FILTER NOT EXISTS {{ SERVICE SILENT <{evil}/x> {pattern} }} }}",
        ),
        (
            "nested-in-allowed",
            f"SELECT * WHERE {{ SERVICE <{allowed}> {{ SERVICE <{evil}/x> {pattern} }} }}",
        ),
        (
            "var-values",
            f"SELECT * WHERE {{ VALUES ?e {{ <{evil}/x> }} SERVICE ?e {pattern} }}",
        ),
        ("var-bind", f'SELECT * WHERE {{ BIND(IRI("{evil}/x") AS ?e) SERVICE ?e {pattern} }}'),
        ("construct", f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{evil}/x> {pattern} }}"),
        (
            "userinfo",
            f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{allowed_port}@{host_port}/query> "
            f"{pattern} }}",
        ),
        ("port-of-allowed-host", f"SELECT * WHERE {{ SERVICE <{evil}/query> {pattern} }}"),
        ("case", f"SELECT * WHERE {{ SERVICE <HTTP://{host_port}/x> {pattern} }}"),
        (
            "idn",
            f"SELECT * WHERE {{ SERVICE <http://xn--80ak6aa92e.com:{evil[-5:]}/x> {pattern} }}",
        ),
        (
            "comment-newline",
            f"SELECT * WHERE {{ # SERVICE <{allowed}>\nSERVICE <{evil}/x> {pattern} }}",
        ),
        (
            "string-then-service",
            f'SELECT * WHERE {{ BIND("\\"" AS ?q) SERVICE <{evil}/x> {pattern} }}',
        ),
    ]
    url = f"{evil}/x"
    cases += [
        (f"escape-at-{i}", f"SELECT * WHERE {{ SERVICE <{_escaped(url, i)}> {pattern} }}")
        for i in range(len(url))
        if url[i] not in "/"
    ]
    return cases


ATTACK_IDS = [case for case, _ in _attacks("http://127.0.0.1:1", "http://127.0.0.1:2/query")]


@pytest.mark.parametrize("case", ATTACK_IDS)
def test_service_attack_reaches_no_host(
    guarded: Server, listener: Listener, standin: str, case: str
) -> None:
    query = dict(_attacks(listener.base, standin))[case]
    response = httpx.post(guarded.url("/sparql"), data={"query": query}, timeout=60)
    assert listener.hits == []
    assert "LEAKED" not in response.text
    assert response.status_code in (200, 400, 403, 502), response.text
    if response.status_code == 200:
        assert "from the stand-in" not in response.text or case == "nested-in-allowed"


@pytest.mark.parametrize(
    "update",
    [
        "LOAD <{evil}/data.ttl>",
        "LOAD SILENT <{evil}/data.ttl> INTO GRAPH <urn:x>",
        "LOAD <\\u0068ttp://{host_port}/data.ttl>",
        "PREFIX x: <http://e.example/> INSERT DATA {{ x:a\\#b x:b x:c }} ; LOAD <{evil}/d.ttl>",
        "PREFIX x: <http://e.example/> INSERT DATA {{ x:a\\' x:b x:c }} ; LOAD <{evil}/d.ttl>",
        "INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{evil}/x> {{ ?s ?p ?o }} }}",
        "INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <\\u0068ttp://{host_port}/x> {{ ?s ?p ?o }} }}",
    ],
    ids=[
        "load",
        "load-silent",
        "load-escaped",
        "pname-hash",
        "pname-quote",
        "service",
        "service-u",
    ],
)
def test_update_with_token_reaches_no_host(
    guarded: Server, listener: Listener, update: str
) -> None:
    text = update.format(evil=listener.base, host_port=listener.base.removeprefix("http://"))
    response = httpx.post(
        guarded.url("/sparql"),
        data={"update": text},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=120,
    )
    assert listener.hits == []
    assert response.status_code in (400, 403, 502), response.text


def test_update_with_token_still_writes(guarded: Server) -> None:
    response = httpx.post(
        guarded.url("/sparql"),
        data={"update": "INSERT DATA { GRAPH <urn:attest:scratch> { <urn:a> <urn:b> 'c' } }"},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=120,
    )
    assert response.status_code == 204, response.text
    ask = httpx.get(
        guarded.url("/sparql"),
        params={"query": "ASK { GRAPH <urn:attest:scratch> { <urn:a> <urn:b> 'c' } }"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    assert ask.json()["boolean"] is True


def test_allow_listed_federation_still_works(guarded: Server, standin: str) -> None:
    query = f"SELECT ?o WHERE {{ SERVICE <{standin}> {{ <urn:attest:s> <urn:attest:p> ?o }} }}"
    response = httpx.get(guarded.url("/sparql"), params={"query": query}, timeout=60)
    assert response.status_code == 200, response.text
    values = [b["o"]["value"] for b in response.json()["results"]["bindings"]]
    assert values == ["from the stand-in"]


def test_allow_listed_endpoint_that_never_answers_is_504(guarded: Server, silent: Silent) -> None:
    query = f"SELECT * WHERE {{ SERVICE <{silent.url}> {{ ?s ?p ?o }} }}"
    response = httpx.get(guarded.url("/sparql"), params={"query": query}, timeout=60)
    assert response.status_code == 504, response.text
    assert "query_timeout" in response.json()["error"]
    assert "SERVICE" in response.json()["error"]


def test_off_list_service_is_refused_with_the_setting_named(
    guarded: Server, listener: Listener
) -> None:
    query = f"SELECT * WHERE {{ SERVICE <{listener.base}/x> {{ ?s ?p ?o }} }}"
    response = httpx.get(guarded.url("/sparql"), params={"query": query}, timeout=60)
    assert response.status_code == 403
    assert "service_allowlist" in response.json()["error"]
    assert listener.hits == []


def test_service_the_parser_cannot_read_fails_as_bad_gateway(
    guarded: Server, listener: Listener, standin: str
) -> None:
    # rdflib cannot read nested SERVICE: the query runs in a worker with no network.
    query = (
        f"SELECT * WHERE {{ SERVICE <{standin}> {{ SERVICE <{listener.base}/x> {{ ?s ?p ?o }} }} }}"
    )
    response = httpx.get(guarded.url("/sparql"), params={"query": query}, timeout=60)
    assert response.status_code == 502
    assert "service_allowlist" in response.json()["error"]
    assert listener.hits == []


# ---------------------------------------------------------------------------
# Every request bounded: each limit triggers, with a message naming its setting
# ---------------------------------------------------------------------------

PUBLIC = "https://attest.example.org/"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def limited(seed_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The real server with small limits, so that each one is cheap to reach."""
    server = start_server(
        seed_data_dir,
        tmp_path_factory.mktemp("limited-logs"),
        *("--max-body-bytes", "20000", "--max-url-length", "3000"),
        *("--max-parameter-length", "200", "--max-query-depth", "20"),
        *("--query-memory-limit", "300", "--query-timeout", "4", "--query-workers", "3"),
        *("--client-queries", "1", "--client-queue", "1", "--queue-limit", "2"),
        *("--public-url", PUBLIC, "--proxy-hops", "1"),
    )
    yield server
    stop(server.process)


def _error(response: httpx.Response) -> str:
    message: str = response.json()["error"]
    return message


def test_body_over_max_body_bytes_is_413(limited: Server) -> None:
    query = "ASK {}" + " " * 30000
    response = httpx.post(
        limited.url("/sparql"),
        content=query,
        headers={"Content-Type": "application/sparql-query"},
        timeout=30,
    )
    assert response.status_code == 413
    assert "max_body_bytes" in _error(response)


def test_url_over_max_url_length_is_414(limited: Server) -> None:
    response = httpx.get(limited.url("/sparql"), params={"query": "ASK {}" + " " * 4000})
    assert response.status_code == 414
    assert "max_url_length" in _error(response) and "POST" in _error(response)


@pytest.mark.parametrize(
    "path",
    [
        "/api/search?q=" + "a" * 5000,
        "/search?q=" + "a" * 300,
        "/entity/" + "x" * 300,
        "/api/entities/" + "x" * 300,
        "/reconcile?queries=" + "q" * 300,
        "/sparql?format=" + "j" * 300,
    ],
    ids=["api-search", "search-page", "entity-page", "api-entity", "reconcile", "sparql-param"],
)
def test_long_parameter_or_path_segment_is_400(limited: Server, path: str) -> None:
    response = httpx.get(limited.url(path), headers={"Accept": "application/json"}, timeout=30)
    expected = 414 if len(path) > 3000 else 400
    assert response.status_code == expected
    assert "max_parameter_length" in _error(response) or "max_url_length" in _error(response)


def test_deeply_nested_query_is_400_before_parsing(limited: Server) -> None:
    query = "SELECT * WHERE " + "{" * 5000 + "?s ?p ?o" + "}" * 5000
    response = httpx.post(
        limited.url("/sparql"),
        content=query,
        headers={"Content-Type": "application/sparql-query"},
        timeout=30,
    )
    assert response.status_code == 400
    assert "max_query_depth" in _error(response)


def test_query_over_its_memory_is_stopped_naming_the_setting(limited: Server) -> None:
    binds = ['BIND("0123456789abcdef" AS ?s0)']
    binds += [f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(28)]
    query = f"SELECT (STRLEN(?s28) AS ?n) WHERE {{ {' '.join(binds)} }}"
    response = httpx.post(limited.url("/sparql"), data={"query": query}, timeout=60)
    assert response.status_code == 422, response.text
    assert "query_memory_limit" in _error(response)
    after = httpx.get(limited.url("/sparql"), params={"query": "ASK {}"}, timeout=60)
    assert after.status_code == 200, "a fresh worker took the dead one's place"


def test_runaway_query_is_stopped_naming_query_timeout(limited: Server) -> None:
    response = httpx.get(limited.url("/sparql"), params={"query": RUNAWAY}, timeout=60)
    assert response.status_code == 503
    assert "query_timeout" in _error(response)


def _patiently(send: Callable[[], httpx.Response]) -> httpx.Response:
    """Send, and again after a 503 (a killed worker's replacement may still be starting)."""
    response = send()
    for _ in range(4):
        if response.status_code != 503:
            break
        time.sleep(0.5)
        response = send()
    return response


def _client(address: str) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(transport=transport, timeout=60)


def test_client_looping_runaway_queries_does_not_starve_another(limited: Server) -> None:
    done = threading.Event()
    statuses: list[int] = []
    retry_after: list[str] = []
    messages: list[str] = []

    def abuse() -> None:
        with _client("127.0.0.2") as client:
            for _ in range(4):
                if done.is_set():
                    return
                response = client.get(limited.url("/sparql"), params={"query": RUNAWAY})
                statuses.append(response.status_code)
                if response.status_code == 429:
                    retry_after.append(response.headers.get("Retry-After", ""))
                    messages.append(_error(response))

    abusers = [threading.Thread(target=abuse) for _ in range(3)]
    for thread in abusers:
        thread.start()
    try:
        with _client("127.0.0.1") as victim:
            answers = [
                _patiently(
                    lambda n=n: victim.get(
                        limited.url("/sparql"),
                        params={"query": f"SELECT ?n WHERE {{ BIND({n} AS ?n) }}"},
                        headers={"Accept": "application/sparql-results+json"},
                    )
                )
                for n in range(4)
            ]
    finally:
        done.set()
        for thread in abusers:
            thread.join()
    assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
    assert [a.json()["results"]["bindings"][0]["n"]["value"] for a in answers] == [
        "0",
        "1",
        "2",
        "3",
    ]
    assert 429 in statuses, statuses
    assert all(value.isdigit() for value in retry_after)
    assert all("client_queries" in m and "client_queue" in m for m in messages)


def test_behind_a_proxy_clients_are_told_apart_by_x_forwarded_for(limited: Server) -> None:
    refused = threading.Event()
    statuses: list[int] = []

    def runaway() -> None:
        response = httpx.get(
            limited.url("/sparql"),
            params={"query": RUNAWAY},
            headers={"X-Forwarded-For": "203.0.113.7"},
            timeout=60,
        )
        statuses.append(response.status_code)
        if response.status_code == 429:
            refused.set()

    threads = [threading.Thread(target=runaway) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        assert refused.wait(60), "one client's third concurrent query is refused"
        other = _patiently(
            lambda: httpx.get(
                limited.url("/sparql"),
                params={"query": "ASK {}"},
                headers={"X-Forwarded-For": "198.51.100.9"},
                timeout=60,
            )
        )
        assert other.status_code == 200, other.text
    finally:
        for thread in threads:
            thread.join()
    assert sorted(statuses) == [429, 503, 503], "the other two ran into query_timeout"
    assert other.status_code == 200


def test_server_queue_full_is_503_with_retry_after(limited: Server) -> None:
    results: list[httpx.Response] = []
    lock = threading.Lock()

    def ask(address: str) -> None:
        with _client(address) as client:
            response = client.get(limited.url("/sparql"), params={"query": RUNAWAY})
        with lock:
            results.append(response)

    threads = [threading.Thread(target=ask, args=(f"127.0.0.{n}",)) for n in range(10, 17)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    shed = [r for r in results if "queue_limit" in r.text]
    assert shed, [r.text for r in results]
    assert all(r.status_code == 503 and r.headers["Retry-After"].isdigit() for r in shed)
    assert all(r.status_code != 500 for r in results)


# ---------------------------------------------------------------------------
# Pages and generated URLs
# ---------------------------------------------------------------------------


def test_pages_forbid_inline_script_foreign_origins_and_framing(limited: Server) -> None:
    for path in ("/", "/sparql", "/contested"):
        response = httpx.get(limited.url(path), headers={"Accept": "text/html"}, timeout=30)
        assert response.status_code == 200, path
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        for tag in response.text.split("<script")[1:]:
            opening = tag.split(">", 1)[0]
            assert "src=" in opening or 'type="application/json"' in opening, (path, opening)


def test_generated_urls_come_from_public_url_not_the_host_header(limited: Server) -> None:
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    spec = httpx.get(limited.url("/api/openapi.json"), headers=forged, timeout=30).json()
    assert spec["servers"] == [{"url": PUBLIC.rstrip("/")}]
    manifest = httpx.get(limited.url("/reconcile"), headers=forged, timeout=30).text
    assert "evil.example" not in manifest and PUBLIC.rstrip("/") in manifest


def test_javascript_source_url_is_a_problem_with_file_and_line(fixture_seeds: Path) -> None:
    page = fixture_seeds / "documents" / "page.yaml"
    text = page.read_text(encoding="utf-8")
    page.write_text(
        text.replace(
            "    issued: 1902-03\n",
            '    issued: 1902-03\n    source_url: "javascript:alert(1)"\n',
            1,
        ),
        encoding="utf-8",
    )
    result = run_attest("validate", str(fixture_seeds))
    assert result.returncode == 1
    assert "documents/page.yaml:3: source_url of document 'fixture-page'" in result.stderr
    assert "http(s)" in result.stderr


# ---------------------------------------------------------------------------
# A bounded fuzz run: odd and oversized inputs everywhere, never a 5xx
# ---------------------------------------------------------------------------

FUZZ_PATHS = [
    "/sparql?query={}",
    "/sparql?format={}&query=ASK%7B%7D",
    "/api/search?q={}",
    "/api/entities/{}",
    "/api/documents/{}",
    "/api/assertions/{}",
    "/api/provenance?claim={}",
    "/entity/{}",
    "/document/{}",
    "/assertion/{}",
    "/search?q={}",
    "/reconcile?queries={}",
    "/reconcile/preview?id={}",
    "/{}",
]


def _fuzz_value(rng: random.Random) -> str:
    alphabet = "aZ09-_.~:/?#[]@!$&'()*+,;=%{}<>\"\\ \t\u00e9\u4e2d\U0001f600\x00\x7f"
    size = rng.choice([0, 1, 5, 40, 199, 201, 1000, 2900])
    text = "".join(rng.choice(alphabet) for _ in range(size))
    return urllib.parse.quote(text, safe="")


def test_fuzzed_requests_never_answer_5xx(limited: Server) -> None:
    rng = random.Random(20261130)
    seen: list[tuple[str, int]] = []
    with httpx.Client(base_url=limited.base, timeout=30) as client:
        for _ in range(90):
            path = rng.choice(FUZZ_PATHS).format(_fuzz_value(rng))
            accept = rng.choice(["application/json", "text/html", "*/*", "text/turtle"])
            if rng.random() < 0.3:
                body = _fuzz_value(rng).encode()
                response = client.post(
                    path.split("?")[0],
                    content=body,
                    headers={"Accept": accept, "Content-Type": rng.choice(FUZZ_TYPES)},
                )
            else:
                response = client.get(path, headers={"Accept": accept})
            seen.append((path[:80], response.status_code))
    assert [s for s in seen if s[1] >= 500] == []


FUZZ_TYPES = [
    "application/x-www-form-urlencoded",
    "application/sparql-query",
    "application/sparql-update",
    "application/json",
    "text/plain",
]


def test_connections_past_connection_limit_are_answered_503(
    seed_data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    server = start_server(
        seed_data_dir,
        tmp_path_factory.mktemp("crowded-logs"),
        *("--connection-limit", "3", "--service-allowlist", ""),
    )
    port = int(server.base.rsplit(":", 1)[1])
    idle: list[socket.socket] = []
    try:
        wikidata = "SELECT * WHERE { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } }"
        off = httpx.get(server.url("/sparql"), params={"query": wikidata}, timeout=30)
        assert off.status_code == 403 and "service_allowlist: none" in off.json()["error"]
        assert "SERVICE reaches nothing" in server.output()
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
        # Each idle connection is accepted before the next request is: ask on one of them.
        idle[-1].sendall(b"GET /api HTTP/1.1\r\nHost: x\r\n\r\n")
        assert idle[-1].recv(100).startswith(b"HTTP/1.1 ")
        refused = httpx.get(server.url("/api"), timeout=30)
        assert refused.status_code == 503
        assert "connection_limit" in refused.json()["error"]
        assert refused.headers["Retry-After"].isdigit()
        for connection in idle:
            connection.close()
        idle = []
        answered = None
        for _ in range(50):  # the server notices closed connections on its next loop turn
            answered = httpx.get(server.url("/api"), timeout=30)
            if answered.status_code == 200:
                break
            time.sleep(0.1)
        assert answered is not None and answered.status_code == 200
    finally:
        for connection in idle:
            connection.close()
        stop(server.process)


def test_remote_store_server_answers_and_refuses_what_it_cannot_check(
    oxigraph_server: str, listener: Listener, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # The remote engine makes the SERVICE calls here: the parser check is the guard.
    logs = tmp_path_factory.mktemp("remote-logs")
    server = start_server(
        logs / "unused",
        logs,
        *("--store", "remote", "--store-url", f"{oxigraph_server}/query"),
        serve_options=("--no-load",),
    )
    try:
        ask = httpx.get(server.url("/sparql"), params={"query": "ASK {}"}, timeout=60)
        assert ask.status_code == 200, ask.text
        for query in (
            f"SELECT * WHERE {{ SERVICE <\\u0068ttp://{listener.base[7:]}/x> {{ ?s ?p ?o }} }}",
            f"SELECT * WHERE {{ SERVICE <https://query.wikidata.org/sparql> {{ "
            f"SERVICE <{listener.base}/x> {{ ?s ?p ?o }} }} }}",
        ):
            response = httpx.get(server.url("/sparql"), params={"query": query}, timeout=60)
            assert response.status_code == 403, response.text
            assert "service_allowlist" in response.json()["error"]
        assert listener.hits == []
    finally:
        stop(server.process)


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs util-linux unshare")
def test_server_refuses_to_start_when_workers_cannot_be_isolated(tmp_path: Path) -> None:
    # Inside a user namespace that may create no further one, isolation must fail.
    port = free_port()
    command = [*attest_command(), "--data-dir", str(tmp_path / "none"), "--port", str(port)]
    script = 'echo 1 > /proc/sys/user/max_user_namespaces && exec unshare --user "$@"'
    wrapper = ["unshare", "--user", "--map-root-user", "sh", "-c", script, "sh"]
    refused = subprocess.run(
        [*wrapper, *command, "serve", "--no-load"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=PROJECT_DIR,
        check=False,
    )
    if "unshare failed" in refused.stderr and "Error:" not in refused.stderr:
        pytest.skip(f"this host allows no user namespaces for the test: {refused.stderr}")
    assert refused.returncode == 1, refused.stderr
    assert "a query worker could not start: unshare(" in refused.stderr
    assert "network_isolation" in refused.stderr and "root" in refused.stderr
    log = tmp_path / "opted-out.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*wrapper, *command, "--network-isolation", "false", "serve", "--no-load"],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=PROJECT_DIR,
        )
    try:
        wait_for(f"http://127.0.0.1:{port}/api", process, log)
        assert "NOT isolated from the network" in log.read_text()
    finally:
        stop(process)
