"""Our terms as a DefinedNamespace, plus the W3C vocabularies we reuse.

Code names a term through these classes, never as an IRI string, so a typo is
an AttributeError at once. Claim relations are not listed here: they are data,
read from the ontology (see :mod:`loader.ontology`).
"""

from __future__ import annotations

from rdflib import Namespace
from rdflib import URIRef
from rdflib.namespace import DCTERMS
from rdflib.namespace import OWL
from rdflib.namespace import PROV
from rdflib.namespace import RDF
from rdflib.namespace import RDFS
from rdflib.namespace import SKOS
from rdflib.namespace import XSD
from rdflib.namespace import DefinedNamespace

__all__ = [
    "AT",
    "DCTERMS",
    "OA",
    "OWL",
    "PROV",
    "RDF",
    "RDFS",
    "SCHEMA",
    "SKOS",
    "WD",
    "XSD",
    "ONTOLOGY_IRI",
    "PREFIXES",
]

ONTOLOGY_IRI = "https://w3id.org/attest/ontology"


class AT(DefinedNamespace):
    """The Attest ontology (``ontology/attest.ttl``)."""

    _NS = Namespace(ONTOLOGY_IRI + "#")
    _fail = True

    # classes
    Agent: URIRef
    Person: URIRef
    Organization: URIRef
    Group: URIRef
    Place: URIRef
    Country: URIRef
    Event: URIRef
    Operation: URIRef
    Award: URIRef
    Office: URIRef
    Concept: URIRef
    Document: URIRef
    Article: URIRef
    WebPage: URIRef
    Letter: URIRef
    Post: URIRef
    Report: URIRef
    Interview: URIRef
    Assertion: URIRef
    ClaimGraph: URIRef
    InferredGraph: URIRef
    WikidataCache: URIRef
    ReportingStep: URIRef
    ClaimRelation: URIRef
    Stance: URIRef
    Certainty: URIRef
    Load: URIRef
    UnnamedVoice: URIRef
    HedgeRole: URIRef
    Translation: URIRef
    # individuals
    Affirms: URIRef
    Denies: URIRef
    Stated: URIRef
    Hedged: URIRef
    SpeakerHedge: URIRef
    ReporterHedge: URIRef
    # documents
    text: URIRef
    textLength: URIRef
    textSha256: URIRef
    seedFile: URIRef
    positionInContainer: URIRef
    authorNote: URIRef
    publisherNote: URIRef
    issuedNote: URIRef
    # assertions
    assertedBy: URIRef
    statedIn: URIRef
    originalDocument: URIRef
    claim: URIRef
    inferred: URIRef
    inferredFrom: URIRef
    tripleCount: URIRef
    statement: URIRef
    premise: URIRef
    rule: URIRef
    stance: URIRef
    certainty: URIRef
    hedge: URIRef
    claimTime: URIRef
    addressee: URIRef
    disputes: URIRef
    disputedBy: URIRef
    corroborates: URIRef
    corroboratedBy: URIRef
    reportingStep: URIRef
    stepIndex: URIRef
    reporter: URIRef
    reportedIn: URIRef
    hedgedBy: URIRef
    hedgeRole: URIRef
    hedgeStep: URIRef
    quoteLanguage: URIRef
    originalLanguage: URIRef
    translation: URIRef
    fromLanguage: URIRef
    toLanguage: URIRef
    translator: URIRef
    translatorNote: URIRef
    # entities
    identifiedAs: URIRef
    # loads
    seedDigest: URIRef
    softwareVersion: URIRef
    baseIri: URIRef
    # the read model (loader/readmodel.py)
    ReadModelList: URIRef
    card: URIRef
    size: URIRef
    item: URIRef
    itemKind: URIRef
    weight: URIRef
    # Wikidata alignment
    wikidataItem: URIRef
    wikidataClass: URIRef
    wikidataProperty: URIRef


OA = Namespace("http://www.w3.org/ns/oa#")
SCHEMA = Namespace("https://schema.org/")
WD = Namespace("http://www.wikidata.org/entity/")

PREFIXES: dict[str, str] = {
    "at": str(AT._NS),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "prov": str(PROV),
    "dcterms": str(DCTERMS),
    "oa": str(OA),
    "skos": str(SKOS),
    "schema": str(SCHEMA),
    "wd": str(WD),
}
