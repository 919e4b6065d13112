"""JSON-LD that reads as JSON: one ``@context`` of prefixes, served and used in output.

The engine writes expanded JSON-LD (every IRI in full, every value an object).
:func:`compact` rewrites it against :func:`context` — prefixed names such as
``entity:isis`` and ``at:assertedBy``, plain strings for plain literals — and
puts the context inline, so a JSON-LD reader needs no network, while
``/context.jsonld`` serves the same context for clients that want to
reference it (the HTTP ``Link`` header of each answer points to it).
"""

from __future__ import annotations

import json
from typing import Any

from loader.serialization import prefixes

CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _all_iris(values: Any) -> bool:
    """Tell whether *values* is a list of node references (``{"@id": …}`` with an IRI)."""
    return isinstance(values, list) and all(
        isinstance(v, dict) and set(v) == {"@id"} and not v["@id"].startswith("_:") for v in values
    )


def context(base_iri: str) -> dict[str, str]:
    """The prefixes of Attest's output as a JSON-LD context (terms usable as prefixes)."""
    return dict(sorted(prefixes(base_iri).items()))


def compact(expanded: bytes, base_iri: str) -> bytes:
    """Rewrite engine-written expanded JSON-LD as ``{"@context", "@graph"}`` with prefixed names.

    The result denotes the same dataset: only IRIs with a known prefix are
    shortened, and only literals without datatype or language become strings.

    :raises ValueError: if *expanded* is not JSON.
    """
    names = context(base_iri)
    # Longest namespace first, so ``assertion/x/`` would win over ``assertion/``.
    ordered = sorted(names.items(), key=lambda item: -len(item[1]))

    def iri(value: str) -> str:
        for prefix, namespace in ordered:
            if value.startswith(namespace):
                local = value[len(namespace) :]
                # A suffix starting with // would read as an absolute IRI.
                if not local.startswith("//"):
                    return f"{prefix}:{local}"
        return value

    def node(item: Any) -> Any:
        if isinstance(item, list):
            return [node(member) for member in item]
        if not isinstance(item, dict):
            return item
        if "@value" in item:
            if set(item) == {"@value"} and isinstance(item["@value"], str):
                return item["@value"]
            return {key: iri(value) if key == "@type" else value for key, value in item.items()}
        out: dict[str, Any] = {}
        for key, value in item.items():
            if key == "@id":
                out[key] = iri(value)
            elif key == "@type":
                out[key] = [iri(v) for v in value] if isinstance(value, list) else iri(value)
            elif key.startswith("@"):
                out[key] = node(value)
            elif key == RDF_TYPE and _all_iris(value):
                out["@type"] = [iri(v["@id"]) for v in value]
            else:
                out[iri(key)] = node(value)
        return out

    data = json.loads(expanded)
    graph = data if isinstance(data, list) else [data]
    document = {"@context": names, "@graph": node(graph)}
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
