"""Every kind of inferred triple the seed corpus yields is on the reviewed list.

``ontology/inferred-kinds.tsv`` lists, for each kind (premise relation →
inferred relation, OWL 2 RL rule), why every speaker of the premise would
endorse the conclusion (issue 12). The kinds are read from the store: the
``rdf:Statement`` of each inferred triple, its ``at:rule`` and the curated
statements it names as ``at:premise``.
"""

from __future__ import annotations

import csv
from pathlib import Path

from pyoxigraph import QuerySolutions
from rdflib import Graph
from rdflib import URIRef

from loader.settings import PROJECT_DIR
from loader.settings import Settings
from loader.store import open_store
from loader.vocab import AT

KINDS_FILE = PROJECT_DIR / "ontology" / "inferred-kinds.tsv"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

KINDS_QUERY = """
PREFIX at: <https://w3id.org/attest/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?statement ?rule ?inferred ?object ?premise ?assertion WHERE {
  ?assertion at:inferred ?graph .
  ?graph at:statement ?statement .
  ?statement at:rule ?rule ; rdf:predicate ?inferred ; rdf:object ?object ;
             at:premise/rdf:predicate ?premise .
}
"""


def _name(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def read_kinds(path: Path = KINDS_FILE) -> dict[tuple[str, str, str], str]:
    """Read the reviewed list: (premise, inferred, rule) → the reason it is endorsed."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    reasons = {}
    for row in rows:
        key = (row["premise"], row["inferred"], row["rule"])
        assert key not in reasons, f"{key} is listed twice"
        reasons[key] = row["why every speaker of the premise endorses the conclusion"]
    return reasons


def corpus_kinds(settings: Settings) -> dict[tuple[str, str, str], str]:
    """Return each kind of inferred triple in the store with one assertion that yields it."""
    store = open_store(settings)
    try:
        rows = store.query(KINDS_QUERY)
        assert isinstance(rows, QuerySolutions)
        premises: dict[str, set[str]] = {}
        heads: dict[str, tuple[str, str, str]] = {}
        for row in rows:
            statement = row["statement"].value
            premises.setdefault(statement, set()).add(_name(row["premise"].value))
            inferred = _name(row["inferred"].value)
            if row["inferred"].value == RDF_TYPE:
                inferred = "rdf:type " + _name(row["object"].value)
            heads[statement] = (inferred, row["rule"].value, _name(row["assertion"].value))
    finally:
        store.close()
    kinds: dict[tuple[str, str, str], str] = {}
    for statement, (inferred, rule, assertion) in heads.items():
        kinds.setdefault(("+".join(sorted(premises[statement])), inferred, rule), assertion)
    return kinds


def unreviewed_kinds(
    settings: Settings, path: Path = KINDS_FILE
) -> dict[tuple[str, str, str], str]:
    """Return the kinds the store yields that *path* does not list, each with an assertion."""
    reviewed = read_kinds(path)
    found = corpus_kinds(settings)
    assert found, "the corpus yields inferred triples"
    return {kind: assertion for kind, assertion in found.items() if kind not in reviewed}


def test_every_inferred_kind_of_the_seed_corpus_is_reviewed(seed_settings: Settings) -> None:
    missing = unreviewed_kinds(seed_settings)
    assert not missing, (
        "inferred kinds not on ontology/inferred-kinds.tsv (premise, inferred, rule: an assertion "
        f"that yields it): {missing}; review them (would every speaker of the premise endorse "
        "the conclusion?) and add them with the reason, or change the ontology"
    )


def test_the_reviewed_list_names_relations_of_the_ontology_with_reasons() -> None:
    ontology = Graph().parse(PROJECT_DIR / "ontology" / "attest.ttl")
    for (premise, inferred, rule), reason in read_kinds().items():
        for name in (*premise.split("+"), inferred.removeprefix("rdf:type ")):
            assert (URIRef(AT._NS[name]), None, None) in ontology, name
        assert rule in {"prp-inv", "prp-spo1", "prp-symp", "prp-trp", "prp-dom", "prp-rng"}
        assert len(reason) > 20, (premise, inferred, rule)


def test_a_kind_missing_from_the_list_is_found(tmp_path: Path, seed_settings: Settings) -> None:
    shorter = tmp_path / "kinds.tsv"
    lines = KINDS_FILE.read_text(encoding="utf-8").splitlines()
    shorter.write_text(
        "\n".join(line for line in lines if not line.startswith("armed\tsupported\t")) + "\n",
        encoding="utf-8",
    )
    missing = unreviewed_kinds(seed_settings, shorter)
    assert list(missing) == [("armed", "supported", "prp-spo1")]
    assert missing[("armed", "supported", "prp-spo1")].startswith(("ptv", "kir", "an21", "cr22"))


def test_warnings_are_not_read_as_support(seed_settings: Settings) -> None:
    """'despite warnings from some of his top aides' must not become 'the aides supported Trump'."""
    store = open_store(seed_settings)
    try:
        supported = store.query(
            "PREFIX at: <https://w3id.org/attest/ontology#> "
            "ASK { <https://w3id.org/attest/assertion/cr22-bangash-aides-warned-trump> "
            "at:claim|at:inferred ?g . GRAPH ?g { ?aides at:supported|at:supportedBy ?who } }"
        )
        advised = store.query(
            "PREFIX at: <https://w3id.org/attest/ontology#> "
            "ASK { <https://w3id.org/attest/assertion/cr22-bangash-aides-warned-trump> at:claim ?g ."
            " GRAPH ?g { ?aides at:advised ?who } }"
        )
    finally:
        store.close()
    assert bool(advised) and not bool(supported)
