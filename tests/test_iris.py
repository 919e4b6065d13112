"""IRIs are minted from curated ids alone, in the documented shapes, and split back."""

from __future__ import annotations

import dataclasses

import pytest

from loader.iris import Iris
from loader.iris import is_slug

BASE = "https://example.org/kg/"
IRIS = Iris(BASE)


@pytest.mark.parametrize(
    "text", ["a", "a1", "qassem-soleimani", "1902", "x-1-y", "an21-tasnim-us-created-isis"]
)
def test_slugs_are_lowercase_letters_digits_and_single_hyphens(text: str) -> None:
    assert is_slug(text)


@pytest.mark.parametrize(
    "text",
    ["", "-a", "a-", "a--b", "A", "Not_A_Slug", "a b", "a/b", "é", "a.b", "a-\nb"],
)
def test_anything_else_is_not_a_slug(text: str) -> None:
    assert not is_slug(text)


def test_a_trailing_newline_is_not_part_of_a_slug() -> None:
    assert not is_slug("a\n")


def test_every_kind_of_iri_has_its_documented_shape() -> None:
    assert IRIS.entity("isis") == BASE + "entity/isis"
    assert IRIS.document("d1") == BASE + "document/d1"
    assert IRIS.document_position("d1") == BASE + "document/d1/position"
    assert IRIS.assertion("a1") == BASE + "assertion/a1"
    assert IRIS.claim_graph("a1") == BASE + "assertion/a1/claim"
    assert IRIS.inferred_graph("a1") == BASE + "assertion/a1/inferred"
    assert IRIS.target("a1") == BASE + "assertion/a1/target"
    assert IRIS.quote_selector("a1") == BASE + "assertion/a1/quote"
    assert IRIS.position_selector("a1") == BASE + "assertion/a1/position"
    assert IRIS.step("a1", 2) == BASE + "assertion/a1/step/2"
    assert IRIS.background_inferred_graph == BASE + "graph/inferred"
    assert IRIS.wikidata_graph == BASE + "graph/wikidata"
    assert IRIS.load == BASE + "load"


@pytest.mark.parametrize(
    ("iri", "parts"),
    [
        (BASE + "entity/isis", ("entity", "isis", "")),
        (BASE + "document/d1/position", ("document", "d1", "position")),
        (BASE + "assertion/a1/step/2", ("assertion", "a1", "step/2")),
        (BASE + "graph/inferred", ("graph", "inferred", "")),
    ],
)
def test_split_gives_kind_id_and_rest(iri: str, parts: tuple[str, str, str]) -> None:
    assert IRIS.split(iri) == parts


@pytest.mark.parametrize(
    "iri",
    [
        "https://example.org/other/entity/isis",  # another base
        "http://www.wikidata.org/entity/Q1",
        BASE,
        BASE + "entity",  # no id
        BASE + "entity/",  # empty id
        BASE + "person/isis",  # not one of our kinds
        BASE + "load",
    ],
)
def test_split_refuses_what_is_not_ours(iri: str) -> None:
    assert IRIS.split(iri) is None


def test_split_round_trips_every_minted_iri() -> None:
    minted = {
        IRIS.entity("e"): ("entity", "e", ""),
        IRIS.claim_graph("a"): ("assertion", "a", "claim"),
        IRIS.step("a", 10): ("assertion", "a", "step/10"),
        IRIS.document_position("d"): ("document", "d", "position"),
    }
    for iri, parts in minted.items():
        assert IRIS.split(iri) == parts


def test_an_iri_minter_cannot_be_changed_after_it_is_made() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        IRIS.base = "https://example.org/other/"  # type: ignore[misc]
