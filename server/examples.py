"""The example questions: one ``.rq`` file each in ``queries/examples``, title in its first line."""

from __future__ import annotations

import dataclasses
from functools import cache
from pathlib import Path

EXAMPLES = Path(__file__).parent / "queries" / "examples"


@dataclasses.dataclass(frozen=True)
class Example:
    name: str
    title: str
    query: str


@cache
def load() -> tuple[Example, ...]:
    """Read the example queries, in file-name order."""
    found = []
    for path in sorted(EXAMPLES.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        title = text.splitlines()[0].lstrip("# ").strip()
        found.append(Example(path.stem, title, text))
    return tuple(found)
