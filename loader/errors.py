"""Problems found in seed files, and the exceptions the loader raises.

Library code raises these; only the edges (CLI, HTTP handlers) show them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

ERROR = "error"
WARNING = "warning"


@dataclasses.dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the seeds: where, what, and how to fix it.

    An ``error`` stops a load; a ``warning`` is a reading a curator should
    check (``attest validate`` exits 0 on warnings alone, 1 with ``--strict``).
    """

    file: str
    line: int
    message: str
    hint: str = ""
    severity: str = ERROR

    @property
    def is_warning(self) -> bool:
        return self.severity == WARNING

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        label = "warning: " if self.is_warning else ""
        text = f"{where}: {label}{self.message}"
        return f"{text}\n    fix: {self.hint}" if self.hint else text


class LoadError(Exception):
    """Base of every error the loader raises on purpose."""


class SettingError(LoadError):
    """A setting has an unknown name or a value that does not parse."""


class StoreError(LoadError):
    """The store cannot be opened, read or written."""


class ValidationError(LoadError):
    """The seeds have problems; nothing was written."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(set(problems))
        count = len(self.problems)
        lines = [str(problem) for problem in self.problems]
        noun = "problem" if count == 1 else "problems"
        super().__init__(
            f"{count} {noun} in the seeds; the store was not changed.\n" + "\n".join(lines)
        )


class QueryError(LoadError):
    """A SPARQL query is malformed or refused."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class QueryTimeoutError(QueryError):
    """A SPARQL query ran longer than the query_timeout setting allows."""

    def __init__(self, message: str) -> None:
        super().__init__(message, status=503)
