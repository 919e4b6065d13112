"""The SPARQL checker reports exactly what pyshacl reports, for every constraint of the shapes.

``ontology/shapes.ttl`` is the specification; :mod:`loader.shacl` compiles it into
SPARQL over the staged Oxigraph store. Each fixture under ``tests/fixtures/shacl/``
is one defect, a SPARQL Update applied to the good fixture's built graph (the
loader itself never emits these defects, so they are made after building).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyshacl
import pytest
from pyoxigraph import DefaultGraph
from pyoxigraph import NamedNode
from pyoxigraph import Quad
from pyoxigraph import RdfFormat
from pyoxigraph import Store
from pyoxigraph import serialize
from rdflib import Graph
from rdflib.collection import Collection
from rdflib.namespace import RDF
from rdflib.term import Node

from loader import constraints
from loader import pipeline
from loader import shacl
from loader.errors import LoadError
from loader.errors import ValidationError
from loader.settings import resolve
from loader.shacl import SH
from tests.conftest import FIXTURES
from tests.conftest import GOOD

BROKEN = FIXTURES / "shacl"
PAGE, ENTITIES = "documents/page.yaml", "entities/fixture.yaml"
BOB = ("assertion/bob-council-armed-guild", PAGE, 24)
CAROL = ("assertion/carol-guild-liberated-port-town", PAGE, 38)
LETTER = ("document/fixture-letter", PAGE, 11)
PORT = ("entity/port-town", ENTITIES, 20)
VOICE = ("entity/bob-example", ENTITIES, 6)
TRANSLATION = ("assertion/bob-council-armed-guild/translation", PAGE, 24)  # under BOB
SPEAKER = "an assertion needs exactly one speaker (an Agent)"
DOCUMENT = "an assertion needs exactly one document it is stated in"
STANCE = "an assertion needs exactly one stance: affirms or denies"
CERTAINTY = "an assertion needs exactly one certainty: stated or hedged"
CLAIM = "an assertion needs exactly one non-empty claim graph"
EMPTY = "the claim graph must not be empty"
TARGET = "an assertion needs exactly one target: its quote in its document"
QUOTE = "a target needs exactly one TextQuoteSelector (exact, prefix, suffix)"
POSITION = "a target needs exactly one TextPositionSelector (start, end)"
FITS = "the position selector must fit the source text and cover exactly the quote"
SOURCE = "the quote's source must be the document the assertion is stated in"
STEPS = "reporting steps must be numbered 1, 2, … without gaps or repeats"
TIME = "a claim time is one xsd:date, xsd:gYearMonth or xsd:gYear"
STEP = "violates sh:Node"
TITLE, LENGTH = "a document needs a title", "a document's text length must be its length"
LABEL, PREFERRED = "an entity needs a label", "an entity needs exactly one preferred label"
HEDGER = "a hedge with a role needs exactly one agent whose hedge it is"
HEDGED = "only a hedged assertion has a hedge role"
WHOSE = "a reporter's hedge names the step of its reporter; a speaker's hedge is the speaker's"
UNNAMED = "an unnamed voice needs exactly one at:identifiedAs: what the text says of it"

# fixture: (what the curator reads, the nested constraint that explains it, where)
EXPECTED: dict[str, tuple[str, str | None, tuple[str, str, int]]] = {
    "assertion-speaker-missing": (SPEAKER, None, BOB),
    "assertion-speaker-twice": (SPEAKER, None, BOB),
    "assertion-speaker-not-an-agent": (SPEAKER, None, BOB),
    "assertion-document-missing": (DOCUMENT, None, BOB),
    "assertion-document-twice": (DOCUMENT, None, BOB),
    "assertion-document-not-a-document": (DOCUMENT, None, BOB),
    "assertion-stance-missing": (STANCE, None, BOB),
    "assertion-stance-twice": (STANCE, None, BOB),
    "assertion-stance-not-allowed": (STANCE, None, BOB),
    "assertion-certainty-missing": (CERTAINTY, None, BOB),
    "assertion-certainty-twice": (CERTAINTY, None, BOB),
    "assertion-certainty-not-allowed": (CERTAINTY, None, BOB),
    "assertion-claim-missing": (CLAIM, None, BOB),
    "assertion-claim-twice": (CLAIM, None, BOB),
    "claim-graph-untyped": (
        CLAIM,
        "violates sh:Class at <https://w3id.org/attest/assertion/bob-council-armed-guild/claim>",
        BOB,
    ),
    "claim-graph-count-missing": (CLAIM, EMPTY, BOB),
    "claim-graph-count-twice": (CLAIM, EMPTY, BOB),
    "claim-graph-empty": (CLAIM, EMPTY, BOB),
    "assertion-inferred-twice": ("violates sh:MaxCount", None, BOB),
    "assertion-inferred-untyped": ("violates sh:Class", None, BOB),
    "assertion-target-missing": (TARGET, None, BOB),
    "assertion-target-twice": (TARGET, None, BOB),
    "target-untyped": (TARGET, "violates sh:Class", BOB),
    "target-source-missing": (TARGET, "violates sh:MinCount", BOB),
    "target-source-twice": (TARGET, "violates sh:MaxCount", BOB),
    "target-source-not-a-document": (TARGET, "violates sh:Class", BOB),
    "target-quote-selector-missing": (TARGET, QUOTE, BOB),
    "target-quote-selector-twice": (TARGET, QUOTE, BOB),
    "quote-exact-missing": (TARGET, QUOTE, BOB),
    "quote-exact-twice": (TARGET, QUOTE, BOB),
    "quote-exact-not-a-string": (TARGET, QUOTE, BOB),
    "quote-exact-empty": (TARGET, QUOTE, BOB),
    "quote-prefix-missing": (TARGET, QUOTE, BOB),
    "quote-prefix-twice": (TARGET, QUOTE, BOB),
    "quote-prefix-not-a-string": (TARGET, QUOTE, BOB),
    "quote-suffix-missing": (TARGET, QUOTE, BOB),
    "quote-suffix-twice": (TARGET, QUOTE, BOB),
    "quote-suffix-not-a-string": (TARGET, QUOTE, BOB),
    "target-position-selector-missing": (TARGET, POSITION, BOB),
    "target-position-selector-twice": (TARGET, POSITION, BOB),
    "position-start-missing": (TARGET, POSITION, BOB),
    "position-start-twice": (TARGET, POSITION, BOB),
    "position-start-not-an-integer": (TARGET, POSITION, BOB),
    "position-start-negative": (TARGET, POSITION, BOB),
    "position-start-after-end": (TARGET, POSITION, BOB),
    "position-end-missing": (TARGET, POSITION, BOB),
    "position-end-twice": (TARGET, POSITION, BOB),
    "position-end-not-an-integer": (TARGET, POSITION, BOB),
    "position-off-the-quote": (TARGET, FITS, BOB),
    "assertion-source-not-its-document": (SOURCE, None, BOB),
    "assertion-time-twice": (TIME, None, BOB),
    "assertion-time-not-a-date": (TIME, "violates sh:Datatype at '1901'", BOB),
    "assertion-time-ill-typed": (TIME, "violates sh:Datatype at '1901-02-30'", BOB),
    "step-untyped": (STEP, "violates sh:Class", BOB),
    "step-index-missing": (STEP, "violates sh:MinCount", BOB),
    "step-index-twice": (STEP, "violates sh:MaxCount", BOB),
    "step-index-not-an-integer": (STEP, "violates sh:Datatype", BOB),
    "step-index-zero": (STEP, "violates sh:MinInclusive", BOB),
    "step-reporter-missing": (STEP, "violates sh:MinCount", BOB),
    "step-reporter-twice": (STEP, "violates sh:MaxCount", BOB),
    "step-reporter-not-an-agent": (STEP, "violates sh:Class", BOB),
    "step-document-twice": (STEP, "violates sh:MaxCount", BOB),
    "step-document-not-a-document": (STEP, "violates sh:Class", BOB),
    "steps-not-numbered-in-order": (STEPS, None, BOB),
    "assertion-disputes-not-an-assertion": ("violates sh:Class", None, BOB),
    "assertion-corroborates-not-an-assertion": ("violates sh:Class", None, BOB),
    "entity-label-missing": (LABEL, None, PORT),
    "entity-preferred-label-missing": (PREFERRED, None, PORT),
    "entity-preferred-label-twice": (PREFERRED, None, PORT),
    "entity-preferred-label-language-twice": (PREFERRED, None, PORT),
    "document-title-missing": (TITLE, None, LETTER),
    "document-text-twice": ("violates sh:MaxCount", None, LETTER),
    "document-text-not-a-string": ("violates sh:Datatype", None, LETTER),
    "document-issued-twice": ("violates sh:MaxCount", None, LETTER),
    "document-issued-not-a-date": ("violates sh:Or", "violates sh:Datatype at '1902'", LETTER),
    "document-text-length-wrong": (LENGTH, None, LETTER),
    "hedge-role-twice": ("violates sh:MaxCount", None, BOB),
    "hedge-role-not-allowed": ("violates sh:In", None, BOB),
    "hedged-by-missing": (HEDGER, None, BOB),
    "hedged-by-twice": (HEDGER, None, BOB),
    "hedged-by-not-an-agent": (HEDGER, None, BOB),
    "hedge-certainty-stated": (HEDGED, None, BOB),
    "hedge-not-the-reporters": (WHOSE, None, BOB),
    "hedge-not-the-speakers": (WHOSE, None, BOB),
    "hedge-step-missing": (WHOSE, None, BOB),
    "unnamed-voice-identified-as-missing": (UNNAMED, None, VOICE),
    "unnamed-voice-identified-as-twice": (UNNAMED, None, VOICE),
    "translation-from-language-missing": ("violates sh:MinCount", None, TRANSLATION),
    "translation-from-language-twice": ("violates sh:MaxCount", None, TRANSLATION),
    "translation-from-language-not-a-string": ("violates sh:Datatype", None, TRANSLATION),
    "translation-to-language-missing": ("violates sh:MinCount", None, TRANSLATION),
    "translation-to-language-twice": ("violates sh:MaxCount", None, TRANSLATION),
    "translation-to-language-not-a-string": ("violates sh:Datatype", None, TRANSLATION),
    "translation-translator-twice": ("violates sh:MaxCount", None, TRANSLATION),
    "translation-translator-not-an-agent": ("violates sh:Class", None, TRANSLATION),
    "translation-translator-unknown": ("violates sh:Or", "violates sh:MinCount", TRANSLATION),
}


@pytest.fixture(scope="module")
def good() -> tuple[pipeline.Prepared, list[Quad]]:
    settings = resolve({"seeds_dir": GOOD, "data_dir": Path("unused")}, environ={})
    prepared = pipeline.prepare(settings)
    return prepared, list(pipeline.quads_of(prepared))


def _broken(quads: list[Quad], name: str) -> Store:
    store = Store()
    store.extend(quads)
    store.update((BROKEN / f"{name}.ru").read_text(encoding="utf-8"))
    return store


Key = tuple[str, str, str, str, str]


def _pyshacl(store: Store, shapes: Graph) -> Counter[Key]:
    """pyshacl's top-level results: focus, path, component, declared message, value."""
    default = store.quads_for_pattern(None, None, None, DefaultGraph())
    data = Graph().parse(
        data=serialize((q.triple for q in default), format=RdfFormat.N_TRIPLES), format="nt"
    )
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=True)
    assert isinstance(report, Graph)
    declared = {str(m) for m in shapes.objects(None, SH.message)}
    found: Counter[Key] = Counter()
    for result in report.objects(None, SH.result):

        def get(parameter: Node, result: Node = result) -> str:
            value = report.value(result, parameter)
            return "" if value is None else str(value)

        message = get(SH.resultMessage)
        component = get(SH.sourceConstraintComponent).rsplit("#", 1)[1]
        key = (get(SH.focusNode), get(SH.resultPath), component)
        found[(*key, message if message in declared else "", get(SH.value))] += 1
    return found


def _ours(store: Store, shapes: Graph) -> Counter[Key]:
    return Counter(result.key() for result in shacl.check_store(store, shapes))


def test_checker_agrees_with_pyshacl_on_the_seed_corpus(
    seed_prepared: pipeline.Prepared,
) -> None:
    store = Store()
    store.extend(pipeline.quads_of(seed_prepared))
    assert _ours(store, seed_prepared.shapes) == _pyshacl(store, seed_prepared.shapes) == Counter()


def _renamed(quads: list[Quad], name: str) -> tuple[list[Quad], str]:
    """A copy of the fixture's broken node (and the nodes under its IRI), plus its update.

    Each copy gets its own IRIs, so every defect can sit in one store and pyshacl,
    which parses each SHACL-SPARQL query anew for every focus node, runs once.
    A focus under a seed item's IRI (its translation…) is copied with that item.
    """
    kind, local = EXPECTED[name][2][0].split("/")[:2]
    owner = f"https://w3id.org/attest/{kind}/{local}"
    copy = f"{owner}--{name}"

    def owned(term: Any) -> bool:
        value = getattr(term, "value", "")
        return isinstance(term, NamedNode) and (value == owner or value.startswith(owner + "/"))

    def rename(term: Any) -> Any:
        return NamedNode(copy + term.value[len(owner) :]) if owned(term) else term

    copied = [
        Quad(rename(q.subject), q.predicate, rename(q.object), q.graph_name)
        for q in quads
        if isinstance(q.graph_name, DefaultGraph) and owned(q.subject)
    ]
    update = (BROKEN / f"{name}.ru").read_text(encoding="utf-8").replace(owner, copy)
    if kind in ("document", "entity"):  # the fixtures' prefixed names d:… and e:…
        update = update.replace(f"{kind[0]}:{local} ", f"{kind[0]}:{local}--{name} ")
    return copied, update


@pytest.fixture(scope="module")
def both_on_every_fixture(
    good: tuple[pipeline.Prepared, list[Quad]],
) -> tuple[Counter[Key], Counter[Key]]:
    """Every defect, each in its own copy, checked once by ours and once by pyshacl."""
    prepared, quads = good
    store = Store()
    store.extend(quads)
    for name in EXPECTED:
        copied, update = _renamed(quads, name)
        store.extend(copied)
        store.update(update)
    return _ours(store, prepared.shapes), _pyshacl(store, prepared.shapes)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_broken_constraint_is_reported_as_pyshacl_reports_it(
    good: tuple[pipeline.Prepared, list[Quad]],
    both_on_every_fixture: tuple[Counter[Key], Counter[Key]],
    name: str,
) -> None:
    ours, theirs = (
        Counter({k: n for k, n in found.items() if f"--{name}" in k[0]})
        for found in both_on_every_fixture
    )
    assert ours, "the fixture must break a constraint"
    assert ours == theirs
    prepared, quads = good
    store = _broken(quads, name)
    message, because, (focus, file, line) = EXPECTED[name]
    problems = shacl.shacl_problems(store, prepared.shapes, prepared.corpus)
    iri = f"<https://w3id.org/attest/{focus}>"
    matching = [
        p for p in problems if p.message.startswith(f"SHACL: {message}") and iri in p.message
    ]
    assert matching, "\n".join(p.message for p in problems)
    assert (matching[0].file, matching[0].line) == (file, line)
    if because is not None:
        assert any(
            f"[because {because}" in p.message or f"; {because}" in p.message for p in matching
        )


def test_nothing_but_the_copies_is_reported(
    both_on_every_fixture: tuple[Counter[Key], Counter[Key]],
) -> None:
    ours, theirs = both_on_every_fixture
    assert ours == theirs
    assert [key for key in ours if "--" not in key[0]] == []


def test_every_fixture_is_listed() -> None:
    assert {path.stem for path in BROKEN.glob("*.ru")} == set(EXPECTED)


def _node_shapes(shapes: Graph) -> Iterator[Node]:
    """Every node shape, and the property shapes inside sh:or, sh:and, sh:xone."""
    yield from shapes.subjects(RDF.type, SH.NodeShape)
    yield from shapes.objects(None, SH.qualifiedValueShape)
    for parameter in (SH["or"], SH["and"], SH.xone):
        for members in shapes.objects(None, parameter):
            yield from Collection(shapes, members)


def _leaves(shapes: Graph) -> set[tuple[Node, str]]:
    """Every constraint of the shapes: (node or property shape, component)."""
    compiler = constraints.Compiler(shapes, {})
    leaves = set()
    for shape in set(_node_shapes(shapes)):
        if shapes.value(shape, SH.path) is not None:  # a property shape inside sh:or…
            found = [component for component, _, _ in compiler.property_patterns(shape, "?x")]
        else:
            found = [component for component, _ in compiler.node_patterns(shape, "?x")]
        leaves |= {(shape, component) for component in found}
        for prop in shapes.objects(shape, SH.property):
            leaves |= {
                (prop, component) for component, _, _ in compiler.property_patterns(prop, "?x")
            }
    return leaves


def _reached(results: list[shacl.Result]) -> Iterator[tuple[Node, str]]:
    for result in results:
        yield result.shape, result.component
        yield from _reached(list(result.details))


def test_every_constraint_of_the_shapes_is_broken_by_a_fixture(
    good: tuple[pipeline.Prepared, list[Quad]],
) -> None:
    prepared, quads = good
    reached: set[tuple[Node, str]] = set()
    for name in EXPECTED:
        reached |= set(_reached(shacl.check_store(_broken(quads, name), prepared.shapes)))
    missing = _leaves(prepared.shapes) - reached
    assert not missing, [(prepared.shapes.value(s, SH.path), c) for s, c in missing]
    messages = {str(m) for m in prepared.shapes.objects(None, SH.message)}
    assert len(messages) == 21
    reported = {r.message for name in EXPECTED for r in _all(quads, prepared, name)}
    assert messages <= reported


def _all(quads: list[Quad], prepared: pipeline.Prepared, name: str) -> list[shacl.Result]:
    found = []
    stack = shacl.check_store(_broken(quads, name), prepared.shapes)
    while stack:
        result = stack.pop()
        found.append(result)
        stack.extend(result.details)
    return found


def test_a_shape_feature_the_checker_does_not_know_is_refused(
    good: tuple[pipeline.Prepared, list[Quad]],
) -> None:
    prepared, quads = good
    shapes = Graph()
    shapes.parse(
        data="@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<urn:s> a sh:NodeShape ; sh:targetNode <urn:x> ; sh:closed true .",
        format="turtle",
    )
    store = Store()
    store.extend(quads)
    with pytest.raises(LoadError, match="does not support http://www.w3.org/ns/shacl#closed"):
        shacl.check_store(store, shapes)


def test_a_load_that_breaks_a_shape_names_file_and_line_and_changes_nothing(
    settings: object,
) -> None:
    """Through the real load: a check on the staged store refuses it, the old store stays."""
    assert isinstance(settings, type(resolve({}, environ={})))
    pipeline.load(settings)
    before = (settings.data_dir / "CURRENT").read_text(encoding="utf-8")
    prepared = pipeline.prepare(settings)

    def break_then_check(staged: Store) -> None:
        staged.update((BROKEN / "assertion-speaker-missing.ru").read_text(encoding="utf-8"))
        pipeline._shacl_check(prepared)(staged)

    from loader.store import open_store

    with open_store(settings, writable=True) as store, pytest.raises(ValidationError) as caught:
        store.replace(pipeline.quads_of(prepared), check=break_then_check)
    [problem] = caught.value.problems
    assert (problem.file, problem.line) == BOB[1:]
    assert problem.message.startswith(f"SHACL: {SPEAKER}")
    assert (settings.data_dir / "CURRENT").read_text(encoding="utf-8") == before
