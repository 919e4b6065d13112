"""An in-process app over the memory store holding the good fixture seeds.

Tests that use it run the real loader and the real Flask app in this process
(no server subprocess), so mutation testing can see them kill mutants.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

from loader import pipeline
from loader.settings import Settings
from loader.settings import resolve
from server import create_app

GOOD = Path(__file__).parent / "fixtures" / "good"


def fixture_settings(root: Path, **overrides: object) -> Settings:
    """Settings over a fresh copy of the good fixture seeds in *root*, memory store."""
    seeds = root / "seeds"
    if not seeds.exists():
        shutil.copytree(GOOD, seeds)
    return resolve(
        {"seeds_dir": seeds, "data_dir": root / "data", "store": "memory", **overrides},
        environ={},
    )


@contextmanager
def fixture_app(root: Path, **overrides: object) -> Iterator[Flask]:
    """A Flask app whose memory store holds the loaded good fixture; closed afterwards."""
    settings = fixture_settings(root, **overrides)
    app = create_app(settings=settings)
    try:
        pipeline.load(settings, store=app.extensions["attest"].store)
        yield app
    finally:
        app.extensions["attest"].close()
