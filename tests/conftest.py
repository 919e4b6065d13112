"""Fixtures: settings, stores, the real seed graph, a live server, a real Oxigraph server.

Everything runs for real on 127.0.0.1: stores on disk in tmp directories, the
``attest`` CLI and server as subprocesses, ``oxigraph serve`` for the remote
store. The only stand-in is Wikidata (see tests/wikidata_standin.py).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from pyoxigraph import DefaultGraph
from pyoxigraph import Quad
from pyoxigraph import RdfFormat
from pyoxigraph import Triple
from pyoxigraph import serialize
from rdflib import Graph

from loader import pipeline
from loader.settings import PROJECT_DIR
from loader.settings import Settings
from loader.settings import resolve

FIXTURES = Path(__file__).parent / "fixtures"
GOOD = FIXTURES / "good"
SEEDS = PROJECT_DIR / "seeds"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> None:
    """Poll *url* until it answers, failing early if *process* dies (showing its *log*)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode}:\n{log.read_text()}")
        try:
            httpx.get(url, timeout=2.0)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def fixture_seeds(tmp_path: Path) -> Path:
    """A writable copy of the tiny good fixture seed set."""
    target = tmp_path / "seeds"
    shutil.copytree(GOOD, target)
    return target


@pytest.fixture
def settings(tmp_path: Path, fixture_seeds: Path) -> Settings:
    """Settings for the fixture seeds and an on-disk store in tmp_path."""
    return resolve({"seeds_dir": fixture_seeds, "data_dir": tmp_path / "data"}, environ={})


@pytest.fixture(scope="session")
def seed_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real seed corpus, loaded once into an on-disk store."""
    data_dir = tmp_path_factory.mktemp("seed-store")
    pipeline.load(resolve({"data_dir": data_dir}, environ={}))
    return data_dir


@pytest.fixture(scope="session")
def seed_settings(seed_data_dir: Path) -> Settings:
    return resolve({"data_dir": seed_data_dir}, environ={})


@pytest.fixture(scope="session")
def seed_prepared(seed_settings: Settings) -> pipeline.Prepared:
    """The real seeds, validated (no store)."""
    return pipeline.prepare(seed_settings)


def attest_command() -> list[str]:
    """Run the installed CLI of this interpreter's environment."""
    return [sys.executable, "-m", "server.cli"]


def run_attest(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run ``attest ARGS`` as a real subprocess and capture its output."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("ATTEST_")}
    full_env = {**inherited, **(env or {})}
    return subprocess.run(
        [*attest_command(), *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=PROJECT_DIR,
        timeout=timeout,
        check=False,
    )


@contextmanager
def running_oxigraph(location: Path) -> Iterator[str]:
    """Run a real ``oxigraph serve`` (from the oxigraph package) on 127.0.0.1; yield its base URL."""
    binary = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(binary).exists():
        pytest.fail("the 'oxigraph' server is not installed; pip install -e '.[test]'")
    log = location / "oxigraph-server.log"
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [binary, "serve", "--location", str(location / "db"), "--bind", f"127.0.0.1:{port}"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/query?query=ASK%7B%7D", process, log)
        yield base
    finally:
        stop(process)


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``oxigraph serve`` for the remote store; yields its base URL."""
    with running_oxigraph(tmp_path_factory.mktemp("oxigraph-server")) as base:
        yield base


class Server:
    """A real ``attest serve`` process on 127.0.0.1."""

    def __init__(self, base: str, process: subprocess.Popen[bytes], log: Path) -> None:
        self.base = base
        self.process = process
        self.log = log

    def url(self, path: str) -> str:
        return self.base + path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def start_server(
    data_dir: Path,
    log_dir: Path,
    *options: str,
    serve_options: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> Server:
    """Start ``attest --data-dir DATA_DIR OPTIONS serve SERVE_OPTIONS`` on a free port; wait for it."""
    port = free_port()
    log = log_dir / f"attest-serve-{port}.log"
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("ATTEST_")}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                *attest_command(),
                "--data-dir",
                str(data_dir),
                "--port",
                str(port),
                *options,
                "serve",
                *serve_options,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=PROJECT_DIR,
            env={**inherited, **(env or {})},
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    wait_for(server.url("/api"), process, log, timeout=180)
    return server


@pytest.fixture(scope="session")
def live_server(seed_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The real server over the seed store, default settings."""
    server = start_server(seed_data_dir, tmp_path_factory.mktemp("logs"))
    yield server
    stop(server.process)


@pytest.fixture(scope="session")
def http(live_server: Server) -> Iterator[httpx.Client]:
    """An HTTP client bound to the live server."""
    with httpx.Client(base_url=live_server.base, timeout=60) as client:
        yield client


def graphs_of(quads: Iterable[Quad]) -> dict[str, Graph]:
    """Group quads (pyoxigraph) into rdflib Graphs by graph name ('' for the default graph).

    rdflib's Dataset parser warns about its own deprecated API, so tests build
    plain Graphs per named graph instead.
    """
    grouped: dict[str, list[Triple]] = {}
    for quad in quads:
        name = "" if isinstance(quad.graph_name, DefaultGraph) else quad.graph_name.value
        grouped.setdefault(name, []).append(quad.triple)
    return {
        name: Graph().parse(data=serialize(triples, format=RdfFormat.N_TRIPLES), format="nt")
        for name, triples in grouped.items()
    }
