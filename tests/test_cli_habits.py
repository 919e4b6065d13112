"""Settings as options of the command a user types them after: ``attest serve --port 8080``."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx

from loader.settings import PROJECT_DIR
from tests.conftest import attest_command
from tests.conftest import free_port
from tests.conftest import run_attest
from tests.conftest import stop
from tests.conftest import wait_for


def test_serve_takes_host_port_and_threads_after_the_command(
    seed_data_dir: Path, tmp_path: Path
) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATTEST_")}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                *attest_command(),
                "serve",
                "--data-dir",
                str(seed_data_dir),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--threads",
                "2",
                "--no-load",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=PROJECT_DIR,
            env=env,
        )
    try:
        wait_for(f"http://127.0.0.1:{port}/api", process, log, timeout=180)
        response = httpx.get(
            f"http://127.0.0.1:{port}/entity/isis", headers={"Accept": "text/turtle"}
        )
        assert response.status_code == 200
    finally:
        stop(process)
    assert f"http://127.0.0.1:{port}/" in log.read_text()


def test_a_command_option_wins_over_the_group_option(seed_data_dir: Path, tmp_path: Path) -> None:
    result = run_attest(
        "--data-dir", str(tmp_path / "empty"), "stats", "--data-dir", str(seed_data_dir)
    )
    assert result.returncode == 0, result.stderr
    assert "338" in result.stdout


def test_a_bad_command_option_names_itself() -> None:
    result = run_attest("serve", "--port", "eighty")
    assert result.returncode == 2
    assert "--port" in result.stderr and "eighty" in result.stderr
