"""The on-disk store's versions: a directory each under ``data_dir/stores/``, ``CURRENT`` naming the live one.

A writer (a load, an update) writes a new version in a directory of its own,
then makes it live with :func:`switch`: one rename of ``CURRENT``. Readers open
the live version read-only and reopen when ``CURRENT`` changes, so they see the
old version or the new one, never a mix.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from loader.errors import StoreError

CURRENT = "CURRENT"
STORES = "stores"


def new_name() -> str:
    """A fresh name for a version's directory, ordered by the time it was made."""
    return f"store-{time.strftime('%Y%m%dT%H%M%S')}-{time.time_ns() % 10**9:09d}"


def live_name(data_dir: Path) -> str | None:
    """The name of the live version, or None if nothing was loaded yet.

    :raises StoreError: if ``CURRENT`` exists but cannot be read.
    """
    try:
        name = (data_dir / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"cannot read {data_dir / CURRENT}: {exc}") from exc
    return name if name and (data_dir / STORES / name).is_dir() else None


def switch(data_dir: Path, name: str) -> None:
    """Make the version *name* live (one rename), then remove stale versions."""
    previous = live_name(data_dir)
    pointer = data_dir / (CURRENT + ".tmp")
    pointer.write_text(name + "\n", encoding="utf-8")
    os.replace(pointer, data_dir / CURRENT)  # the atomic step
    remove_stale(data_dir, keep={name, previous or ""})


def remove_stale(data_dir: Path, keep: set[str]) -> None:
    """Delete old versions, keeping the live one and the one before it.

    The previous one stays because a server may still be reading it; it goes
    at the next switch.
    """
    for path in (data_dir / STORES).iterdir():
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)
