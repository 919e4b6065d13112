"""The /sparql endpoint over HTTP: protocol, negotiation, errors, limits, read-only, CORS."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pyoxigraph import QueryResultsFormat
from pyoxigraph import RdfFormat
from pyoxigraph import parse
from pyoxigraph import parse_query_results
from rdflib import Graph
from rdflib import URIRef

from loader import pipeline
from loader.settings import Settings
from tests.conftest import Server
from tests.conftest import start_server
from tests.conftest import stop

AT = "https://w3id.org/attest/ontology#"
ENTITY = "https://w3id.org/attest/entity/"
CLAIM = "https://w3id.org/attest/assertion/an21-tasnim-us-created-isis/claim"
US_CREATED_ISIS = f"ASK {{ <{ENTITY}united-states> <{AT}created> <{ENTITY}isis> }}"
JSON = "application/sparql-results+json"


def _ask(response: httpx.Response) -> bool:
    assert response.status_code == 200, response.text
    return bool(response.json()["boolean"])


def test_query_by_get_form_post_and_direct_post_agree(http: httpx.Client) -> None:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a <{AT}assertedBy> ?s }}"
    by_get = http.get("/sparql", params={"query": query}, headers={"Accept": JSON})
    by_form = http.post("/sparql", data={"query": query}, headers={"Accept": JSON})
    direct = http.post(
        "/sparql",
        content=query,
        headers={"Content-Type": "application/sparql-query", "Accept": JSON},
    )
    counts = {r.json()["results"]["bindings"][0]["n"]["value"] for r in (by_get, by_form, direct)}
    assert counts == {"338"}


def test_default_graph_holds_no_claims_but_named_graphs_do(http: httpx.Client) -> None:
    assert _ask(http.get("/sparql", params={"query": US_CREATED_ISIS})) is False
    assert (
        _ask(http.get("/sparql", params={"query": US_CREATED_ISIS, "default-graph-uri": CLAIM}))
        is True
    )
    named = f"ASK {{ GRAPH <{CLAIM}> {{ <{ENTITY}united-states> <{AT}created> <{ENTITY}isis> }} }}"
    assert _ask(http.get("/sparql", params={"query": named, "named-graph-uri": CLAIM})) is True
    other = "https://w3id.org/attest/assertion/an21-author-denies-us-created-isis/claim"
    assert _ask(http.get("/sparql", params={"query": named, "named-graph-uri": other})) is False


@pytest.mark.parametrize(
    "params",
    [{"union-default-graph": "true"}, {"default-graph-uri": "urn:x-arq:UnionGraph"}],
    ids=["oxigraph-parameter", "fuseki-graph-name"],
)
def test_union_of_all_graphs_as_default_graph(http: httpx.Client, params: dict[str, str]) -> None:
    assert _ask(http.get("/sparql", params={"query": US_CREATED_ISIS, **params})) is True


SELECT = f"SELECT ?a ?speaker WHERE {{ ?a <{AT}assertedBy> ?speaker }} ORDER BY ?a LIMIT 7"


@pytest.mark.parametrize(
    ("accept", "fmt", "media", "results_format"),
    [
        (JSON, None, JSON, QueryResultsFormat.JSON),
        (
            "application/sparql-results+xml",
            None,
            "application/sparql-results+xml",
            QueryResultsFormat.XML,
        ),
        ("text/tab-separated-values", None, "text/tab-separated-values", QueryResultsFormat.TSV),
        ("text/html,*/*;q=0.8", "xml", "application/sparql-results+xml", QueryResultsFormat.XML),
        ("*/*", None, JSON, QueryResultsFormat.JSON),
    ],
)
def test_select_results_in_each_format(
    http: httpx.Client, accept: str, fmt: str | None, media: str, results_format: QueryResultsFormat
) -> None:
    params = {"query": SELECT, **({"format": fmt} if fmt else {})}
    response = http.get("/sparql", params=params, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media
    rows = list(parse_query_results(response.content, results_format))
    assert len(rows) == 7
    assert all(str(row["a"].value).startswith("https://w3id.org/attest/assertion/") for row in rows)


def test_select_results_as_csv(http: httpx.Client) -> None:
    response = http.get("/sparql", params={"query": SELECT}, headers={"Accept": "text/csv"})
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 7 and rows[0]["speaker"].startswith(ENTITY)


CONSTRUCT = f"CONSTRUCT {{ ?a <{AT}assertedBy> ?s }} WHERE {{ ?a <{AT}assertedBy> ?s }} LIMIT 5"


@pytest.mark.parametrize(
    ("accept", "rdf_format"),
    [
        ("text/turtle", RdfFormat.TURTLE),
        ("application/n-triples", RdfFormat.N_TRIPLES),
        ("application/rdf+xml", RdfFormat.RDF_XML),
        ("application/ld+json", RdfFormat.JSON_LD),
        ("application/trig", RdfFormat.TRIG),
        ("application/n-quads", RdfFormat.N_QUADS),
    ],
)
def test_construct_in_each_format(http: httpx.Client, accept: str, rdf_format: RdfFormat) -> None:
    response = http.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == accept
    assert len(list(parse(response.content, rdf_format))) == 5


def test_describe_returns_rdf(http: httpx.Client) -> None:
    response = http.get(
        "/sparql", params={"query": f"DESCRIBE <{ENTITY}isis>"}, headers={"Accept": "text/turtle"}
    )
    graph = Graph().parse(data=response.text, format="turtle")
    assert (URIRef(f"{ENTITY}isis"), None, None) in graph


@pytest.mark.parametrize(
    ("headers", "params", "message"),
    [
        (
            {"Accept": "image/png"},
            {"query": "ASK {}"},
            "cannot answer in any of the accepted media types",
        ),
        (
            {"Accept": "application/pdf"},
            {"query": CONSTRUCT, "format": "csv"},
            "cannot answer in any of the accepted media types",
        ),
    ],
)
def test_unproducible_format_is_406(
    http: httpx.Client, headers: dict[str, str], params: dict[str, str], message: str
) -> None:
    response = http.get("/sparql", params=params, headers=headers)
    assert response.status_code == 406
    body = response.json()
    assert body["ok"] is False and body["status"] == 406 and message in body["error"]


@pytest.mark.parametrize(
    ("params", "accept", "media"),
    [
        ({"query": "ASK {}", "format": "turtle"}, "", JSON),
        ({"query": CONSTRUCT, "format": "csv"}, "application/rdf+xml", "application/rdf+xml"),
        ({"query": CONSTRUCT, "format": "no-such-format"}, "", "text/turtle"),
    ],
    ids=["turtle-for-ask", "csv-for-construct", "unknown-name"],
)
def test_a_format_name_that_does_not_fit_falls_back_to_accept(
    http: httpx.Client, params: dict[str, str], accept: str, media: str
) -> None:
    response = http.get("/sparql", params=params, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(media)


@pytest.mark.parametrize(
    ("query", "accept", "params", "media"),
    [
        # Media types Oxigraph's server honours.
        (CONSTRUCT, "application/json", {}, "application/json"),
        (CONSTRUCT, "application/xml", {}, "application/xml"),
        (CONSTRUCT, "text/xml", {}, "text/xml"),
        (CONSTRUCT, "text/n3", {}, "text/n3"),
        (CONSTRUCT, "text/plain", {}, "text/plain"),
        (SELECT, "text/plain", {}, "text/plain"),
        ("ASK {}", "text/plain", {}, "text/plain"),
        (SELECT, "application/json", {}, "application/json"),
        (SELECT, "text/xml", {}, "text/xml"),
        # q-values: the client's preference wins over the server's order.
        (SELECT, "application/sparql-results+json;q=0.5, text/csv", {}, "text/csv"),
        (CONSTRUCT, "text/turtle;q=0.2, application/n-triples;q=0.9", {}, "application/n-triples"),
        # Jena's default Accept for a graph.
        (
            CONSTRUCT,
            "text/turtle,application/n-triples;q=0.9,application/ld+json;q=0.8,"
            "application/rdf+xml;q=0.7,*/*;q=0.5",
            {},
            "text/turtle",
        ),
        # Names in format=, output= and results=, as SPARQLWrapper sends them.
        (CONSTRUCT, "", {"format": "xml"}, "application/rdf+xml"),
        (CONSTRUCT, "", {"format": "rdf+xml"}, "application/rdf+xml"),
        (CONSTRUCT, "", {"format": "json-ld"}, "application/ld+json"),
        (CONSTRUCT, "", {"format": "json"}, "application/ld+json"),
        (CONSTRUCT, "", {"format": "n3"}, "text/turtle"),
        (CONSTRUCT, "", {"output": "ntriples"}, "application/n-triples"),
        (SELECT, "", {"format": "xml"}, "application/sparql-results+xml"),
        (SELECT, "", {"results": "csv"}, "text/csv"),
        (SELECT, "", {"format": "text/tab-separated-values"}, "text/tab-separated-values"),
    ],
)
def test_format_names_and_media_types_clients_send(
    http: httpx.Client, query: str, accept: str, params: dict[str, str], media: str
) -> None:
    headers = {"Accept": accept} if accept else {}
    response = http.get("/sparql", params={"query": query, **params}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media
    assert response.content


def test_syntax_error_is_400_with_message_and_position(http: httpx.Client) -> None:
    response = http.get("/sparql", params={"query": "SELECT * WHERE {\n  ?s ?p \n}"})
    assert response.status_code == 400
    body = response.json()
    assert body["error"].startswith("SPARQL syntax error")
    [position] = body["errors"]
    assert position["line"] == 3 and position["column"] >= 1


def test_syntax_error_page_reads_as_a_sentence(http: httpx.Client) -> None:
    # What YASGUI's "open in a new window" shows: the browser gets the error page.
    response = http.get(
        "/sparql",
        params={"query": "SELECT * WHERE { ?s ?p }"},
        headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
    )
    assert response.status_code == 400 and response.headers["content-type"].startswith("text/html")
    assert "At line 1, column " in response.text
    assert "{" + "'line'" not in response.text and "&#39;line&#39;" not in response.text


def test_protocol_errors(http: httpx.Client) -> None:
    assert http.put("/sparql", params={"query": "ASK {}"}).status_code == 405
    assert "GET" in http.put("/sparql", params={"query": "ASK {}"}).headers.get("allow", "")
    assert http.get("/sparql", params=[("query", "ASK {}"), ("query", "ASK {}")]).status_code == 400
    assert (
        http.post("/sparql", content="ASK {}", headers={"Content-Type": "text/plain"}).status_code
        == 415
    )
    assert http.post("/sparql", content="query=ASK%20%7B%7D").status_code == 415
    # The service description is for GET; a POST without a query is a mistake.
    empty = http.post("/sparql", data={"format": "json"}, headers={"Accept": "text/turtle"})
    assert empty.status_code == 400 and "needs a 'query'" in empty.json()["error"]
    utf16 = "ASK {}".encode("utf-16")
    response = http.post(
        "/sparql",
        content=utf16,
        headers={"Content-Type": "application/sparql-query; charset=UTF-16"},
    )
    assert response.status_code == 415 and "UTF-8" in response.json()["error"]
    assert (
        http.get(
            "/sparql", params={"query": "ASK {}", "default-graph-uri": "not an iri"}
        ).status_code
        == 400
    )


def test_unsupported_function_is_400_naming_it(http: httpx.Client) -> None:
    query = "SELECT ?x WHERE { BIND (<http://example.org/fn#nope>(1) AS ?x) }"
    response = http.get("/sparql", params={"query": query})
    assert response.status_code == 400
    assert "<http://example.org/fn#nope> is not supported" in response.json()["error"]


def test_updates_are_refused_by_default(http: httpx.Client) -> None:
    before = http.get(
        "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
    ).json()
    response = http.post("/sparql", data={"update": "CLEAR ALL"})
    assert response.status_code == 403
    assert "read-only" in response.json()["error"] and "allow_updates" in response.json()["error"]
    assert http.get("/sparql", params={"update": "CLEAR ALL"}).status_code == 405
    after = http.get(
        "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
    ).json()
    assert before == after


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "PREFIX ex: <http://example.org/> SELECT * WHERE { SERVICE SILENT ex:sparql { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } }",
    ],
    ids=["iri", "prefixed-name", "variable"],
)
def test_service_off_the_allow_list_is_refused_before_evaluation(
    http: httpx.Client, query: str
) -> None:
    response = http.get("/sparql", params={"query": query})
    assert response.status_code == 403
    assert "service_allowlist" in response.json()["error"]


def test_service_keyword_inside_a_string_is_not_a_service_call(http: httpx.Client) -> None:
    query = 'SELECT ?x WHERE { BIND ("SERVICE <http://127.0.0.1:9/>" AS ?x) }'
    assert http.get("/sparql", params={"query": query}).status_code == 200


def test_cors_for_browser_clients_on_other_origins(http: httpx.Client) -> None:
    preflight = http.options(
        "/sparql",
        headers={"Origin": "http://elsewhere.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    response = http.get(
        "/sparql", params={"query": "ASK {}"}, headers={"Origin": "http://elsewhere.example"}
    )
    assert response.headers["access-control-allow-origin"] == "*"


def test_service_description_for_machines(http: httpx.Client, live_server: Server) -> None:
    response = http.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.text, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    endpoints = set(graph.objects(None, URIRef(sd + "endpoint")))
    assert URIRef(live_server.url("/sparql")) in endpoints
    formats = {str(o) for o in graph.objects(None, URIRef(sd + "resultFormat"))}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in formats
    assert "http://www.w3.org/ns/formats/Turtle" in formats
    languages = {str(o) for o in graph.objects(None, URIRef(sd + "supportedLanguage"))}
    assert languages == {sd + "SPARQL10Query", sd + "SPARQL11Query"}, (
        "no update language while updates are off"
    )


def test_query_page_for_browsers(http: httpx.Client) -> None:
    response = http.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "Who claims the US created Daesh, and where?" in response.text
    assert "/static/sparql.js" in response.text
    assert "cdn" not in response.text.lower()


@pytest.fixture(scope="module")
def limited_server(
    seed_data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    server = start_server(
        seed_data_dir,
        tmp_path_factory.mktemp("limited"),
        "--query-timeout",
        "2",
        "--result-limit",
        "3",
        "--query-workers",
        "1",
    )
    yield server
    stop(server.process)


SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_timeout_stops_the_query_and_frees_the_worker(limited_server: Server) -> None:
    with httpx.Client(base_url=limited_server.base, timeout=60) as client:
        response = client.get("/sparql", params={"query": SLOW})
        assert response.status_code == 503
        assert "query_timeout" in response.json()["error"]
        # With one worker, this answer proves the stuck query's process was replaced.
        assert _ask(client.get("/sparql", params={"query": "ASK {}"})) is True


def test_result_cap_says_the_answer_was_cut(limited_server: Server) -> None:
    with httpx.Client(base_url=limited_server.base, timeout=60) as client:
        response = client.get(
            "/sparql", params={"query": f"SELECT ?a WHERE {{ ?a <{AT}assertedBy> ?s }}"}
        )
        body = response.json()
        assert len(body["results"]["bindings"]) == 3
        assert body["attest"]["truncated"] is True and "result_limit" in body["attest"]["message"]
        assert response.headers["x-attest-truncated"] == "true"
        assert response.headers["x-sparql-maxrows"] == "3"
        assert "result_limit" in response.headers["warning"]
        graph = client.get(
            "/sparql", params={"query": CONSTRUCT}, headers={"Accept": "text/turtle"}
        )
        assert graph.text.startswith("# answer cut at 3 triples")
        assert len(Graph().parse(data=graph.text, format="turtle")) == 3
        # CSV cannot say it was cut: rather than pass for the whole answer, it fails.
        csv_cut = client.get(
            "/sparql",
            params={"query": f"SELECT ?a WHERE {{ ?a <{AT}assertedBy> ?s }}"},
            headers={"Accept": "text/csv"},
        )
        assert csv_cut.status_code == 400
        assert "result_limit" in csv_cut.json()["error"] and "LIMIT 3" in csv_cut.json()["error"]
        paged = client.get(
            "/sparql",
            params={"query": f"SELECT ?a WHERE {{ ?a <{AT}assertedBy> ?s }} LIMIT 3 OFFSET 3"},
            headers={"Accept": "text/csv"},
        )
        assert paged.status_code == 200 and len(paged.text.strip().splitlines()) == 4
        small = client.get("/sparql", params={"query": SELECT.replace("LIMIT 7", "LIMIT 2")})
        assert "attest" not in small.json() and "x-attest-truncated" not in small.headers


def test_updates_with_token_when_enabled(settings: Settings, tmp_path: Path) -> None:
    pipeline.load(settings)
    server = start_server(
        settings.data_dir,
        tmp_path,
        "--seeds-dir",
        str(settings.seeds_dir),
        "--allow-updates",
        "true",
        "--update-token",
        "s3cret",
    )
    try:
        with httpx.Client(base_url=server.base, timeout=60) as client:
            insert = "INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/a> <http://example.org/b> 'c' } }"
            assert client.post("/sparql", data={"update": insert}).status_code == 401
            wrong = client.post(
                "/sparql", data={"update": insert}, headers={"Authorization": "Bearer nope"}
            )
            assert wrong.status_code == 401
            right = client.post(
                "/sparql", data={"update": insert}, headers={"Authorization": "Bearer s3cret"}
            )
            assert right.status_code == 204, right.text
            ask = client.get(
                "/sparql", params={"query": "ASK { GRAPH ?g { <http://example.org/a> ?p ?o } }"}
            )
            assert _ask(ask) is True
            load = client.post(
                "/sparql",
                data={"update": "LOAD <http://127.0.0.1:9/x>"},
                headers={"Authorization": "Bearer s3cret"},
            )
            assert load.status_code == 403
            sd = client.get("/sparql", headers={"Accept": "text/turtle"}).text
            assert "SPARQL11Update" in sd
            # A relative IRI resolves against the endpoint's URL.
            relative = client.post(
                "/sparql",
                data={
                    "update": "INSERT DATA { GRAPH <http://example.org/g> "
                    "{ <note/1> <http://example.org/b> 'relative' } }"
                },
                headers={"Authorization": "Bearer s3cret"},
            )
            assert relative.status_code == 204, relative.text
            found = client.get(
                "/sparql",
                params={
                    "query": f"ASK {{ GRAPH ?g {{ <{server.url('/note/1')}> ?p 'relative' }} }}"
                },
            )
            assert _ask(found) is True
            # using-graph-uri / using-named-graph-uri give the update's WHERE its dataset.
            copy = (
                "INSERT { GRAPH <http://example.org/copy> { ?s ?p ?o } } "
                "WHERE { ?s <http://example.org/b> ?o . BIND (<http://example.org/b> AS ?p) }"
            )
            using = client.post(
                "/sparql",
                data={"update": copy, "using-graph-uri": "http://example.org/nothing-here"},
                headers={"Authorization": "Bearer s3cret"},
            )
            assert using.status_code == 204, using.text
            copied = "ASK { GRAPH <http://example.org/copy> { ?s ?p ?o } }"
            assert _ask(client.get("/sparql", params={"query": copied})) is False
            plain = client.post(
                "/sparql",
                data={"update": copy, "using-graph-uri": "http://example.org/g"},
                headers={"Authorization": "Bearer s3cret"},
            )
            assert plain.status_code == 204
            assert _ask(client.get("/sparql", params={"query": copied})) is True
            conflict = client.post(
                "/sparql",
                data={
                    "update": "DELETE { ?s ?p ?o } USING <http://example.org/g> WHERE { ?s ?p ?o }",
                    "using-named-graph-uri": "http://example.org/g",
                },
                headers={"Authorization": "Bearer s3cret"},
            )
            assert conflict.status_code == 400 and "conflict" in conflict.json()["error"]
    finally:
        stop(server.process)
        shutil.rmtree(settings.data_dir, ignore_errors=True)


def test_sparql_json_is_valid_json_with_head_and_results(http: httpx.Client) -> None:
    body = json.loads(http.get("/sparql", params={"query": SELECT}).content)
    assert body["head"]["vars"] == ["a", "speaker"] and len(body["results"]["bindings"]) == 7


def test_construct_as_json_ld_reads_as_json(http: httpx.Client) -> None:
    response = http.get("/sparql", params={"query": CONSTRUCT, "format": "json-ld"})
    document = response.json()
    assert document["@context"]["at"] == AT and document["@graph"]
    assert all(node["@id"].startswith("assertion:") for node in document["@graph"])
    assert "context.jsonld" in response.headers["link"]
    ntriples = http.get("/sparql", params={"query": CONSTRUCT, "format": "ntriples"})
    assert {q.triple for q in parse(response.content, RdfFormat.JSON_LD)} == {
        q.triple for q in parse(ntriples.content, RdfFormat.N_TRIPLES)
    }
