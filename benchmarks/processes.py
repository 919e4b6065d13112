"""Run the real ``attest`` and ``oxigraph`` commands for the benchmark.

``run_load`` times ``attest load`` as a subprocess, sampling the resident memory of
its whole process tree and timestamping every line it prints, so that per-stage
times can be read off its output. ``Server`` starts ``attest serve --no-load`` or
``oxigraph serve-read-only`` on a free 127.0.0.1 port and stops it again.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

POLL = 0.2  # seconds between memory samples of the load's process tree
PAGE = os.sysconf("SC_PAGE_SIZE")


class BenchmarkError(Exception):
    """A command the benchmark runs failed; the message says which and why."""


def command(name: str) -> list[str]:
    """Find *name* ('attest', 'oxigraph') beside this Python, else on PATH.

    :raises BenchmarkError: if it is not installed.
    """
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return [str(beside)]
    found = shutil.which(name)
    if found is None:
        raise BenchmarkError(f"'{name}' is not installed; run pip install -e '.[test]'")
    return [found]


def attest(seeds: Path, data: Path, *args: str) -> list[str]:
    """The ``attest`` command line for a benchmark corpus."""
    return [*command("attest"), "--seeds-dir", str(seeds), "--data-dir", str(data), *args]


def environment() -> dict[str, str]:
    """This environment without ATTEST_* settings, so only the command line decides."""
    return {k: v for k, v in os.environ.items() if not k.startswith("ATTEST_")}


@dataclasses.dataclass
class LoadRun:
    """What ``attest load`` did: exit status, time, memory and what it printed."""

    returncode: int
    seconds: float
    peak_rss: int  # bytes, the largest sum over the process tree (or ru_maxrss if larger)
    lines: list[tuple[float, str]]  # (seconds since start, line)


def _tree_rss(root: int) -> int:
    """Sum the resident memory of *root* and all its descendants, in bytes."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="utf-8") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)  # fields[1] is the ppid
        rss[pid] = int(fields[21]) * PAGE  # fields[21] is rss in pages
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def run_load(argv: list[str]) -> LoadRun:
    """Run *argv* to completion, sampling its tree's memory and timestamping its output.

    :raises BenchmarkError: if the command cannot be started.
    """
    lines: list[tuple[float, str]] = []
    start = time.perf_counter()
    try:
        process = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            env=environment(),
        )
    except OSError as exc:
        raise BenchmarkError(f"cannot run {argv[0]}: {exc}") from exc

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append((time.perf_counter() - start, line.rstrip("\n")))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    peak = 0
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        peak = max(peak, _tree_rss(process.pid))
        time.sleep(POLL)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    reader.join()
    # ru_maxrss is the largest single process of the tree, in KiB on Linux.
    return LoadRun(process.returncode, seconds, max(peak, usage.ru_maxrss * 1024), lines)


DURATION = re.compile(r"(?<![\w/.])(\d+(?:\.\d+)?)\s?s\b(?!/)")
PROGRESS_KEY = re.compile(r"^\s*(?P<key>[A-Za-z][A-Za-z _-]*?)[\s:]+\d")


def stages(run: LoadRun) -> tuple[list[tuple[str, float]], str]:
    """Read per-stage times off what ``attest load`` printed.

    Lines that print a duration ("validate: 3.2 s", "write 120000 quads in 0.8 s")
    are taken as they are. Failing those, progress lines ("built 100/1000 …") are
    grouped by their first word and timed by when they arrived: the time until the
    first line, each group from the previous group's last line to its own last line
    (a stage prints its last line when it ends), and the time after that until exit.

    :returns: ([(stage, seconds)], how they were obtained) — empty if nothing fits.
    """
    printed: list[tuple[str, float]] = []
    for _, line in run.lines:
        name = re.match(r"\s*([A-Za-z][A-Za-z +&_-]*?)\s*(?::|\d|$)", line)
        durations = DURATION.findall(line)
        if name and durations:
            printed.append((name.group(1), float(durations[-1])))
    if printed:
        return printed, "as printed by attest load"
    groups: list[tuple[str, float, float]] = []  # (key, first arrival, last arrival)
    for at, line in run.lines:
        match = PROGRESS_KEY.match(line)
        if match is None:
            continue
        key = match.group("key").strip()
        if groups and groups[-1][0] == key:
            groups[-1] = (key, groups[-1][1], at)
        else:
            groups.append((key, at, at))
    groups = [g for g in groups if g[0] != "loaded"]  # the closing summary line
    if not groups:
        return [], "attest load printed no stage times"
    # A stage that runs in batches (built, wrote, built, wrote…) is one row: its spans add up.
    spent: dict[str, float] = {}
    previous = groups[0][1]
    for key, _, last in groups:
        spent[f"«{key} …» stage"] = spent.get(f"«{key} …» stage", 0.0) + last - previous
        previous = last
    result = [("start, until the first progress line", groups[0][1]), *spent.items()]
    result.append(("after the last progress line, until exit", run.seconds - previous))
    return result, (
        "from when attest load's progress lines arrived (a stage runs from the previous "
        "stage's last line to its own last line; a stage in batches adds up its spans)"
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """A server subprocess on 127.0.0.1, waited for until it answers *ready_path*."""

    def __init__(self, argv: list[str], port: int, ready_path: str, log: Path) -> None:
        self.argv = argv
        self.base = f"http://127.0.0.1:{port}"
        self.ready_path = ready_path
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self, timeout: float = 900.0) -> None:
        """Start the server and wait until it answers.

        :raises BenchmarkError: if it exits or does not answer within *timeout* seconds.
        """
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                self.argv,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=environment(),
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self.log.read_text(encoding="utf-8", errors="replace")[-2000:]
                raise BenchmarkError(f"{' '.join(self.argv[:2])} exited:\n{tail}")
            try:
                httpx.get(self.base + self.ready_path, timeout=30)
                return
            except httpx.TransportError:
                time.sleep(0.2)
        self.stop()
        raise BenchmarkError(f"{self.argv[0]} did not answer on {self.base} in {timeout} s")

    def stop(self) -> None:
        """Stop the server (its whole process group) and wait for it."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def directory_size(path: Path) -> int:
    """Bytes of all files under *path* (what ``du --apparent-size`` counts)."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
