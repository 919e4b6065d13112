"""The speaker's SHACL constraint, fed bad data the seed format cannot even express.

A seed assertion has one ``speaker:`` key, so two speakers can only come from a
bug in the builder. These tests build the good fixture's default graph, break
it directly, and run the loader's shapes check on it: each break must be
refused with the shape's own message, the seed file and the assertion's line.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pyoxigraph import DefaultGraph
from pyoxigraph import RdfFormat
from pyoxigraph import serialize
from rdflib import Graph
from rdflib import URIRef

from loader import pipeline
from loader import shacl
from loader.errors import Problem
from tests.inprocess import fixture_settings

BASE = "https://w3id.org/attest/"
AT = "https://w3id.org/attest/ontology#"
SPEAKER = URIRef(AT + "assertedBy")
ASSERTION = URIRef(BASE + "assertion/bob-council-armed-guild")
# documents/page.yaml: the line of "- id: bob-council-armed-guild" in the good fixture.
PAGE = "documents/page.yaml"
LINE = 24
MESSAGE = "SHACL: an assertion needs exactly one speaker (an Agent)"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> pipeline.Prepared:
    return pipeline.prepare(fixture_settings(tmp_path_factory.mktemp("shapes")))


def _default_graph(prepared: pipeline.Prepared) -> Graph:
    quads = [q for q in pipeline.quads_of(prepared) if isinstance(q.graph_name, DefaultGraph)]
    return Graph().parse(
        data=serialize((q.triple for q in quads), format=RdfFormat.N_TRIPLES), format="nt"
    )


def _second_speaker(graph: Graph) -> None:
    graph.add((ASSERTION, SPEAKER, URIRef(BASE + "entity/alice-example")))


def _no_speaker(graph: Graph) -> None:
    graph.remove((ASSERTION, SPEAKER, None))


def _document_as_speaker(graph: Graph) -> None:
    graph.remove((ASSERTION, SPEAKER, None))
    graph.add((ASSERTION, SPEAKER, URIRef(BASE + "document/fixture-page")))


def test_the_good_fixture_conforms(prepared: pipeline.Prepared) -> None:
    """Without this, the failures below could come from anything."""
    graph = _default_graph(prepared)
    assert (ASSERTION, SPEAKER, URIRef(BASE + "entity/bob-example")) in graph
    assert shacl.shacl_problems(graph, prepared.shapes, prepared.corpus) == []


@pytest.mark.parametrize(
    "damage",
    [_second_speaker, _no_speaker, _document_as_speaker],
    ids=["two-speakers", "no-speaker", "a-document-as-speaker"],
)
def test_speaker_constraint_names_message_file_and_line(
    prepared: pipeline.Prepared, damage: Callable[[Graph], None]
) -> None:
    graph = _default_graph(prepared)
    damage(graph)
    problems = shacl.shacl_problems(graph, prepared.shapes, prepared.corpus)
    assert problems == [
        Problem(
            PAGE,
            LINE,
            f"{MESSAGE} at <{ASSERTION}> ({SPEAKER})",
            "fix the seed entry this node was built from",
        )
    ]


def test_line_is_the_assertion_id_line() -> None:
    """The expected line above is read off the fixture, not assumed."""
    lines = (Path(__file__).parent / "fixtures" / "good" / PAGE).read_text().splitlines()
    assert lines[LINE - 1].strip() == "- id: bob-council-armed-guild"
