"""What a curator reads when the loader refuses seeds, and the exception family's contract."""

from __future__ import annotations

import dataclasses

import pytest

from loader.errors import LoadError
from loader.errors import Problem
from loader.errors import QueryError
from loader.errors import QueryTimeoutError
from loader.errors import SettingError
from loader.errors import StoreError
from loader.errors import ValidationError


def test_problem_reads_file_line_message_and_fix() -> None:
    problem = Problem("documents/page.yaml", 30, "stance 'refutes' is wrong", "write affirms")
    assert (
        str(problem) == "documents/page.yaml:30: stance 'refutes' is wrong\n    fix: write affirms"
    )


def test_problem_without_line_or_hint_shows_neither() -> None:
    assert str(Problem("documents/page.yaml", 0, "YAML syntax error")) == (
        "documents/page.yaml: YAML syntax error"
    )
    assert str(Problem("f.yaml", 1, "m")) == "f.yaml:1: m"


def test_problems_sort_by_file_then_line() -> None:
    problems = [Problem("b.yaml", 1, "x"), Problem("a.yaml", 9, "y"), Problem("a.yaml", 2, "z")]
    assert sorted(problems) == [problems[2], problems[1], problems[0]]


def test_validation_error_lists_each_problem_once_in_order() -> None:
    late = Problem("b.yaml", 3, "late", "fix b")
    early = Problem("a.yaml", 1, "early")
    error = ValidationError([late, early, late])
    assert error.problems == [early, late]
    assert str(error) == (
        "2 problems in the seeds; the store was not changed.\n"
        "a.yaml:1: early\n"
        "b.yaml:3: late\n    fix: fix b"
    )


def test_validation_error_of_one_problem_is_singular() -> None:
    error = ValidationError(iter([Problem("a.yaml", 1, "only")]))
    assert str(error) == "1 problem in the seeds; the store was not changed.\na.yaml:1: only"


def test_validation_error_of_no_problem_still_says_the_store_is_unchanged() -> None:
    error = ValidationError([])
    assert error.problems == []
    assert str(error) == "0 problems in the seeds; the store was not changed.\n"


def test_query_errors_carry_their_http_status() -> None:
    assert QueryError("bad").status == 400
    assert QueryError("refused", status=403).status == 403
    timeout = QueryTimeoutError("too slow (setting query_timeout)")
    assert timeout.status == 503 and str(timeout) == "too slow (setting query_timeout)"
    assert isinstance(timeout, QueryError)


@pytest.mark.parametrize(
    "kind", [SettingError, StoreError, ValidationError, QueryError, QueryTimeoutError]
)
def test_every_loader_error_is_a_load_error(kind: type[Exception]) -> None:
    assert issubclass(kind, LoadError)


def test_a_problem_cannot_be_changed_after_it_is_made() -> None:
    problem = Problem("a.yaml", 1, "m")
    with pytest.raises(dataclasses.FrozenInstanceError):
        problem.line = 2  # type: ignore[misc]


def test_query_error_status_is_keyword_only() -> None:
    with pytest.raises(TypeError):
        QueryError("refused", 403)  # type: ignore[misc]
