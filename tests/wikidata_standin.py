"""A stand-in for Wikidata's action API, served on 127.0.0.1 for the tests.

Wikidata itself cannot be reached from the tests, so this server answers
``wbgetentities`` and ``wbsearchentities`` in the shape Wikidata's API uses.
Every value it returns is a TEST FIXTURE, invented for the tests and marked as
such ("Fixture …" labels); none of it is Wikidata's data.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from werkzeug.serving import make_server

FIXTURE = json.loads(
    (Path(__file__).parent / "fixtures" / "wikidata" / "entities.json").read_text(encoding="utf-8")
)


def _statement(prop: str, datavalue: dict[str, Any], rank: str = "normal") -> dict[str, Any]:
    return {
        "mainsnak": {"snaktype": "value", "property": prop, "datavalue": datavalue},
        "type": "statement",
        "rank": rank,
    }


def entity(qid: str) -> dict[str, Any]:
    """A fixture entity: the special shapes in entities.json, else a generated one."""
    if qid in FIXTURE["missing"]:
        return {"id": qid, "missing": ""}
    if qid in FIXTURE["redirects"]:
        target = FIXTURE["redirects"][qid]
        return {**entity(target), "redirects": {"from": qid, "to": target}}
    special = FIXTURE["entities"].get(qid, {})
    claims: dict[str, list[Any]] = {}
    for item in special.get("instance_of", []):
        claims.setdefault("P31", []).append(
            _statement(
                "P31", {"type": "wikibase-entityid", "value": {"entity-type": "item", "id": item}}
            )
        )
    for prop in ("P569", "P570"):
        for time, precision in special.get(prop, []):
            claims.setdefault(prop, []).append(
                _statement(
                    prop,
                    {
                        "type": "time",
                        "value": {"time": time, "precision": precision, "timezone": 0},
                    },
                )
            )
    for latitude, longitude in special.get("P625", []):
        claims.setdefault("P625", []).append(
            _statement(
                "P625",
                {
                    "type": "globecoordinate",
                    "value": {"latitude": latitude, "longitude": longitude},
                },
            )
        )
    for deprecated in special.get("deprecated_P31", []):
        claims.setdefault("P31", []).append(
            _statement(
                "P31", {"type": "wikibase-entityid", "value": {"id": deprecated}}, rank="deprecated"
            )
        )
    return {
        "type": "item",
        "id": qid,
        "labels": {
            "en": {"language": "en", "value": f"Fixture label of {qid}"},
            "fa": {"language": "fa", "value": f"برچسب آزمایشی {qid}"},
            "ar": {"language": "ar", "value": f"تسمية تجريبية {qid}"},
        },
        "descriptions": {"en": {"language": "en", "value": f"TEST FIXTURE description of {qid}"}},
        "aliases": {"en": [{"language": "en", "value": f"Fixture alias of {qid}"}]},
        "claims": claims,
    }


def search(text: str) -> list[dict[str, Any]]:
    """Fixture search results: an exact label match, a near one, and an unrelated one."""
    return [
        {
            "id": "Q900003",
            "label": "Fixture unrelated item",
            "description": "TEST FIXTURE",
            "match": {"type": "label", "language": "en", "text": "Fixture unrelated item"},
        },
        {
            "id": "Q900002",
            "label": f"{text} (fixture namesake)",
            "description": "TEST FIXTURE",
            "match": {"type": "label", "language": "en", "text": f"{text} (fixture namesake)"},
        },
        {
            "id": "Q900001",
            "label": text,
            "description": "TEST FIXTURE exact",
            "match": {"type": "label", "language": "en", "text": text},
        },
    ]


class StandIn:
    """The WSGI app, recording the requests it got."""

    def __init__(self) -> None:
        self.requests: list[dict[str, list[str]]] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        params = parse_qs(environ.get("QUERY_STRING", ""))
        self.requests.append(params)
        action = params.get("action", [""])[0]
        if action == "wbgetentities":
            ids = params.get("ids", [""])[0].split("|")
            body: dict[str, Any] = {
                "entities": {qid: entity(qid) for qid in ids if qid},
                "success": 1,
            }
        elif action == "wbsearchentities":
            body = {"search": search(params.get("search", [""])[0]), "success": 1}
        else:
            body = {"error": {"code": "badvalue", "info": f"unknown action {action!r}"}}
        data = json.dumps(body).encode("utf-8")
        start_response(
            "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
        )
        return [data]


@contextmanager
def running() -> Iterator[tuple[str, StandIn]]:
    """Serve the stand-in on a free 127.0.0.1 port; yield (API URL, app)."""
    app = StandIn()
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/w/api.php", app
    finally:
        server.shutdown()
        thread.join()
