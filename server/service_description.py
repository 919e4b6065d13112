"""The SPARQL 1.1 Service Description of /sparql, generated from what the server does."""

from __future__ import annotations

from pyoxigraph import Literal
from pyoxigraph import NamedNode
from pyoxigraph import Triple

from loader.settings import Settings
from server import formats

SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DCTERMS = "http://purl.org/dc/terms/"


def description(endpoint: str, settings: Settings) -> list[Triple]:
    """Describe the endpoint at *endpoint*: languages, formats, features, dataset.

    Every node has an IRI under the endpoint's (``#service``, ``#dataset``,
    ``#default-graph``), so the description has no blank nodes.
    """
    service = NamedNode(endpoint + "#service")
    dataset = NamedNode(endpoint + "#dataset")
    default_graph = NamedNode(endpoint + "#default-graph")

    def sd(name: str) -> NamedNode:
        return NamedNode(SD + name)

    triples = [
        Triple(service, RDF_TYPE, sd("Service")),
        Triple(service, sd("endpoint"), NamedNode(endpoint)),
        Triple(service, sd("supportedLanguage"), sd("SPARQL10Query")),
        Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        Triple(service, sd("feature"), sd("BasicFederatedQuery")),
        Triple(
            service,
            sd("defaultEntailmentRegime"),
            NamedNode("http://www.w3.org/ns/entailment/Simple"),
        ),
        Triple(
            service,
            NamedNode(DCTERMS + "description"),
            Literal(
                "Attest: who claimed what. The default graph holds the ontology, documents, entities and "
                "assertions' provenance; each assertion's claim and inferred triples are in named graphs. "
                "Union of all graphs: parameter union-default-graph, or default-graph-uri=urn:x-arq:UnionGraph. "
                f"SERVICE only to: {', '.join(settings.service_allowlist) or 'none'}. "
                f"Query timeout {settings.query_timeout:g} s; at most {settings.result_limit} rows or triples per answer."
            ),
        ),
        Triple(service, sd("defaultDataset"), dataset),
        Triple(dataset, RDF_TYPE, sd("Dataset")),
        Triple(dataset, sd("defaultGraph"), default_graph),
        Triple(default_graph, RDF_TYPE, sd("Graph")),
    ]
    if settings.allow_updates and settings.update_token:
        triples.append(Triple(service, sd("supportedLanguage"), sd("SPARQL11Update")))
    for w3c in dict.fromkeys(fmt.w3c for fmt in formats.ALL):
        triples.append(Triple(service, sd("resultFormat"), NamedNode(w3c)))
    return triples
