"""Every command in the README's shell blocks runs, pasted into a shell, on a copy of the repository.

The copy has the state the README's first command leaves (the venv's ``attest``
on the PATH, as after activating it, and the seed store built by ``attest
serve``). Lines are run one by one with bash, in the copy, and must exit 0.
What is not run here is listed, with where it is checked instead, so a new
command cannot slip past unchecked.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from loader.settings import PROJECT_DIR

README = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
# Checked elsewhere: the set-up commands by CI (.ci/run runs the test one verbatim,
# tests/test_docs.py checks they are the README's first two blocks); curl lines by
# tests/test_readme_curls.py against a live server.
SETUP = (
    "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/attest serve",
    "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest",
)
# The remote-store walk-through installs a package, binds a fixed port and path
# and ends in a server that runs until stopped; tests/test_store.py runs the same
# steps against a real `oxigraph serve` on a free port.
REMOTE = "pip install oxigraph"
# A server started in an operator's example runs until stopped: tests/test_security.py
# starts one with the same options (public_url) on a free port.
SERVES = " serve"


def _shell_blocks() -> list[list[str]]:
    blocks = re.findall(r"^[ ]*```sh\n(.*?)^[ ]*```", README, re.S | re.M)
    return [[line.strip() for line in block.splitlines() if line.strip()] for block in blocks]


def _runnable() -> list[str]:
    lines = []
    for block in _shell_blocks():
        if block and block[0] in SETUP or REMOTE in block:
            continue
        lines += [
            line
            for line in block
            if not line.startswith(("curl ", "#")) and not line.endswith(SERVES)
        ]
    return lines


COMMANDS = _runnable()


def test_every_shell_line_is_run_or_checked_elsewhere() -> None:
    every = [line for block in _shell_blocks() for line in block]
    elsewhere = [
        line
        for line in every
        if line in SETUP
        or line.startswith(("curl ", "#"))
        or line.endswith(SERVES)
        or any(REMOTE in block and line in block for block in _shell_blocks())
    ]
    assert sorted(set(every) - set(elsewhere)) == sorted(set(COMMANDS))
    assert len(COMMANDS) >= 5


@pytest.fixture(scope="module")
def pasted_into(tmp_path_factory: pytest.TempPathFactory, seed_data_dir: Path) -> Path:
    """A copy of the repository's tracked files, with the seed store its first command builds."""
    copy = tmp_path_factory.mktemp("readme") / "attest"
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=PROJECT_DIR, capture_output=True, text=True, check=True
    ).stdout.split()
    for name in tracked:
        target = copy / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT_DIR / name, target)
    shutil.copytree(seed_data_dir, copy / "data")
    return copy


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_command_runs_as_pasted(pasted_into: Path, command: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATTEST_")}
    # As after `. .venv/bin/activate`: this interpreter's scripts come first.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    # Paths default to the project directory; the copy is the project here.
    env["ATTEST_DATA_DIR"] = str(pasted_into / "data")
    env["ATTEST_SEEDS_DIR"] = str(pasted_into / "seeds")
    env["ATTEST_ONTOLOGY_DIR"] = str(pasted_into / "ontology")
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        cwd=pasted_into,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"{command}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    if " > " in command:
        written = pasted_into / command.rsplit(" > ", 1)[1].strip()
        assert written.stat().st_size > 0, f"{command} wrote nothing"
    else:
        assert result.stdout.strip(), f"{command} printed nothing"
