"""Attest's loader: curated seeds → validated, attributed, inferred RDF in a store.

Public API::

    from loader import load, validate, export, resolve
    report = load(resolve())            # build the seed graph into the store
"""

from __future__ import annotations

from loader.errors import LoadError
from loader.errors import Problem
from loader.errors import ValidationError
from loader.pipeline import LoadReport
from loader.pipeline import is_stale
from loader.pipeline import load
from loader.pipeline import validate
from loader.serialization import export
from loader.settings import Settings
from loader.settings import resolve
from loader.stats import store_stats
from loader.store import open_store

__all__ = [
    "LoadError",
    "LoadReport",
    "Problem",
    "Settings",
    "ValidationError",
    "export",
    "is_stale",
    "load",
    "open_store",
    "resolve",
    "store_stats",
    "validate",
]
