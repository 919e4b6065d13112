"""Look-ups: one module per question, each answering with plain records (no HTTP).

``describe`` holds the shared record builders and stored-query runner; ``cards``
reads the loader's read model; ``provenance``, ``entity``, ``speaker``,
``document``, ``contested``, ``timeline``, ``home`` and ``search`` each answer one
question, a page at a time.
"""

from __future__ import annotations

from server.lookups.describe import Describer
from server.lookups.describe import query_text
from server.lookups.describe import select
from server.lookups.describe import values_clause

__all__ = ["Describer", "query_text", "select", "values_clause"]
