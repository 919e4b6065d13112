"""/reconcile: the W3C Entity Reconciliation API 0.2, with OpenRefine-shaped requests."""

from __future__ import annotations

import json

import httpx
import jsonschema
import pytest

from tests import reconciliation_schemas as schemas
from tests.conftest import Server


def _batch(http: httpx.Client, queries: dict[str, object]) -> dict[str, object]:
    jsonschema.validate(queries, schemas.QUERY_BATCH)
    # OpenRefine POSTs the batch form-encoded, as 'queries'.
    response = http.post("/reconcile", data={"queries": json.dumps(queries)})
    assert response.status_code == 200 and response.headers["content-type"].startswith(
        "application/json"
    )
    body = response.json()
    jsonschema.validate(body, schemas.RESULT_BATCH)
    assert set(body) == set(queries)
    return body


def test_manifest(http: httpx.Client, live_server: Server) -> None:
    manifest = http.get("/reconcile").json()
    jsonschema.validate(manifest, schemas.MANIFEST)
    assert manifest["identifierSpace"] == "https://w3id.org/attest/entity/"
    assert manifest["view"]["url"] == live_server.url("/entity/{{id}}")
    assert {t["id"] for t in manifest["defaultTypes"]} >= {"Person", "Organization", "Place"}


def test_batch_of_names_with_types_and_limits(http: httpx.Client) -> None:
    body = _batch(
        http,
        {
            "q0": {"query": "Qassim Soleimani", "type": "Person", "limit": 3},
            "q1": {"query": "Bukamal"},
            "q2": {"query": "Hizbullah", "type": ["Organization"]},
            "q3": {"query": "Nobody Atall", "type": "Person"},
            "q4": {"query": "Soleimani", "type": "Place"},
        },
    )
    q0 = body["q0"]["result"]  # type: ignore[index]
    assert q0[0]["id"] == "qassem-soleimani" and q0[0]["match"] is True and len(q0) <= 3
    assert all(c["type"][0]["id"] == "Person" for c in q0)
    assert "Wikidata Q892014" in q0[0]["description"]
    assert body["q1"]["result"][0]["id"] == "abu-kamal"  # type: ignore[index]
    assert body["q2"]["result"][0]["id"] == "hezbollah"  # type: ignore[index]
    assert body["q3"]["result"] == []  # type: ignore[index]
    assert body["q4"]["result"] == []  # type: ignore[index]


def test_wikidata_property_reconciles_through_the_item(http: httpx.Client) -> None:
    body = _batch(
        http,
        {"q0": {"query": "KRG president", "properties": [{"pid": "wikidata", "v": "Q315927"}]}},
    )
    top = body["q0"]["result"][0]  # type: ignore[index]
    assert top["id"] == "masoud-barzani" and top["score"] == 100 and top["match"] is True
    by_iri = _batch(
        http,
        {
            "q0": {
                "properties": [{"pid": "wikidata", "v": "http://www.wikidata.org/entity/Q315927"}]
            }
        },
    )
    assert by_iri["q0"]["result"][0]["id"] == "masoud-barzani"  # type: ignore[index]


def test_ambiguous_names_are_not_an_automatic_match(http: httpx.Client) -> None:
    """'al-Baghdadi' is part of two people's names: Abu Bakr and Abu Omar."""
    body = _batch(http, {"q0": {"query": "al-Baghdadi", "type": "Person"}})
    results = body["q0"]["result"]  # type: ignore[index]
    assert {r["id"] for r in results[:2]} == {"abu-bakr-al-baghdadi", "abu-omar-al-baghdadi"}
    assert not any(candidate["match"] for candidate in results)


def test_get_and_jsonp_forms(http: httpx.Client) -> None:
    queries = json.dumps({"q0": {"query": "Barzani"}})
    by_get = http.get("/reconcile", params={"queries": queries}).json()
    assert by_get["q0"]["result"][0]["id"] == "masoud-barzani"
    jsonp = http.get("/reconcile", params={"queries": queries, "callback": "cb"})
    assert jsonp.headers["content-type"].startswith("application/javascript")
    assert jsonp.text.startswith("cb({") and jsonp.text.endswith(");")


@pytest.mark.parametrize(
    ("queries", "message"),
    [
        ("not json", "'queries' is not valid JSON"),
        ('["q0"]', "must be a JSON object"),
        ('{"q0": {"limit": 3}}', "needs a 'query' string or at least one property"),
        ('{"q0": {"query": "x", "colour": "red"}}', "unknown fields: colour"),
        ('{"q0": {"query": "x", "limit": 0}}', "'limit' must be a positive number"),
    ],
)
def test_bad_batches_are_400(http: httpx.Client, queries: str, message: str) -> None:
    response = http.post("/reconcile", data={"queries": queries})
    assert response.status_code == 400 and message in response.json()["error"]


def test_preview_and_suggest(http: httpx.Client) -> None:
    preview = http.get("/reconcile/preview", params={"id": "masoud-barzani"})
    assert (
        preview.status_code == 200
        and "Masoud Barzani" in preview.text
        and "Q315927" in preview.text
    )
    assert http.get("/reconcile/preview", params={"id": "nobody-at-all"}).status_code == 404
    entities = http.get("/reconcile/suggest/entity", params={"prefix": "Barz"}).json()
    jsonschema.validate(entities, schemas.SUGGEST_ENTITIES)
    assert entities["result"][0]["id"] == "masoud-barzani"
    types = http.get("/reconcile/suggest/type", params={"prefix": "Pe"}).json()
    jsonschema.validate(types, schemas.SUGGEST_TYPES)
    assert [t["id"] for t in types["result"]] == ["Person"]
    properties = http.get("/reconcile/suggest/property", params={"prefix": "wiki"}).json()
    jsonschema.validate(properties, schemas.SUGGEST_PROPERTIES)
    assert [p["id"] for p in properties["result"]] == ["wikidata"]
    assert http.get("/reconcile/suggest/entity").status_code == 400


def test_data_extension_as_openrefine_asks_for_it(http: httpx.Client) -> None:
    manifest = http.get("/reconcile").json()
    jsonschema.validate(manifest, schemas.MANIFEST)
    propose = manifest["extend"]["propose_properties"]
    # OpenRefine: "Add columns from reconciled values" asks for properties of the column's type…
    proposed = http.get(
        propose["service_url"] + propose["service_path"], params={"type": "Person", "limit": 10}
    ).json()
    jsonschema.validate(proposed, schemas.PROPOSE_PROPERTIES)
    assert proposed["type"] == "Person"
    pids = [p["id"] for p in proposed["properties"]]
    assert {"name", "wikidata", "assertions_made"} <= set(pids)
    # …then POSTs the reconciled ids and the chosen properties, form-encoded, as 'extend'.
    query = {
        "ids": ["masoud-barzani", "isis", "nobody-at-all"],
        "properties": [
            {"id": "wikidata"},
            {"id": "alias"},
            {"id": "assertions_made"},
            {"id": "type"},
        ],
    }
    jsonschema.validate(query, schemas.EXTEND_QUERY)
    response = http.post("/reconcile", data={"extend": json.dumps(query)})
    assert response.status_code == 200
    body = response.json()
    jsonschema.validate(body, schemas.EXTEND_RESPONSE)
    assert [m["id"] for m in body["meta"]] == ["wikidata", "alias", "assertions_made", "type"]
    barzani = body["rows"]["masoud-barzani"]
    assert barzani["wikidata"] == [{"str": "Q315927"}]
    assert {"str": "Barzani"} in barzani["alias"]
    assert barzani["assertions_made"] == [{"int": 5}]
    assert barzani["type"] == [{"str": "Person"}]
    assert body["rows"]["isis"]["assertions_made"] == [{"int": 0}]
    assert body["rows"]["nobody-at-all"] == {
        "wikidata": [],
        "alias": [],
        "assertions_made": [],
        "type": [],
    }


def test_data_extension_never_puts_a_claim_in_a_cell(http: httpx.Client) -> None:
    # Claims are attributed, so only their count is offered, never their objects.
    proposed = http.get("/reconcile/properties").json()["properties"]
    assert not any(p["id"] in ("created", "foundedBy", "killed") for p in proposed)
    query = {"ids": ["isis"], "properties": [{"id": "foundedBy"}]}
    response = http.get("/reconcile", params={"extend": json.dumps(query)})
    assert response.status_code == 400 and "unknown property foundedBy" in response.json()["error"]
    counted = http.get(
        "/reconcile",
        params={"extend": json.dumps({"ids": ["isis"], "properties": [{"id": "claims_about"}]})},
    ).json()
    assert counted["rows"]["isis"]["claims_about"][0]["int"] > 10


@pytest.mark.parametrize(
    ("extend", "message"),
    [
        ("not json", "not valid JSON"),
        ('{"ids": "isis", "properties": []}', "must be an object with 'ids'"),
        ('{"ids": ["isis"]}', "needs 'properties'"),
    ],
)
def test_bad_extend_requests_are_400(http: httpx.Client, extend: str, message: str) -> None:
    response = http.post("/reconcile", data={"extend": extend})
    assert response.status_code == 400 and message in response.json()["error"]
    assert http.get("/reconcile/properties", params={"type": "Spaceship"}).status_code == 400
