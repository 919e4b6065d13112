"""The OpenAPI file is valid, is what /api/openapi.json serves, and the API keeps to it under fuzzing."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings
from schemathesis.checks import positive_data_acceptance

from tests.conftest import Server

OPENAPI = Path(__file__).parent.parent / "server" / "openapi.json"
schema = schemathesis.openapi.from_path(str(OPENAPI))


def test_served_spec_is_the_documented_file_with_this_server(
    http: httpx.Client, live_server: Server
) -> None:
    served = http.get("/api/openapi.json").json()
    documented = json.loads(OPENAPI.read_text(encoding="utf-8"))
    assert served["servers"] == [{"url": live_server.base}]
    served.pop("servers")
    assert served == documented


def test_every_api_route_is_documented(http: httpx.Client) -> None:
    documented = set(json.loads(OPENAPI.read_text(encoding="utf-8"))["paths"])
    listed = {path.split("?")[0] for path in http.get("/api").json()["endpoints"]}
    assert listed == documented


@schema.parametrize()
@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_file_and_never_answers_5xx(
    case: schemathesis.Case, live_server: Server
) -> None:
    # Random strings are schema-valid but rarely name an entity: the API answers
    # them with a 4xx message, which the "positive data accepted" check would
    # count as a failure. Every other check runs: no 5xx, documented status codes,
    # content types and response bodies that match the schemas.
    case.call_and_validate(base_url=live_server.base, excluded_checks=[positive_data_acceptance])
