"""JSON Schemas for the W3C Entity Reconciliation Service API 0.2, for validating responses.

Written for these tests from the constraints of the specification's own schemas
(reconciliation-api/specs, 0.2/schemas: manifest, reconciliation-query-batch,
reconciliation-result-batch, suggest-*-response, type) — required members,
types and URL templates — restated here rather than copied.
"""

from __future__ import annotations

from typing import Any

TYPE: dict[str, Any] = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
}
TEMPLATE = {"type": "string", "pattern": r".*\{\{id\}\}.*"}
SERVICE = {
    "type": "object",
    "properties": {"service_url": {"type": "string"}, "service_path": {"type": "string"}},
}

MANIFEST: dict[str, Any] = {
    "type": "object",
    "required": ["versions", "name", "identifierSpace", "schemaSpace"],
    "properties": {
        "versions": {"type": "array", "items": {"type": "string"}, "contains": {"const": "0.2"}},
        "name": {"type": "string"},
        "identifierSpace": {"type": "string"},
        "schemaSpace": {"type": "string"},
        "documentation": {"type": "string"},
        "serviceVersion": {"type": "string"},
        "view": {"type": "object", "required": ["url"], "properties": {"url": TEMPLATE}},
        "preview": {
            "type": "object",
            "required": ["url", "width", "height"],
            "properties": {
                "url": TEMPLATE,
                "width": {"type": "integer"},
                "height": {"type": "integer"},
            },
        },
        "defaultTypes": {"type": "array", "items": TYPE, "uniqueItems": True},
        "suggest": {
            "type": "object",
            "properties": {"entity": SERVICE, "property": SERVICE, "type": SERVICE},
        },
        "extend": {
            "type": "object",
            "properties": {
                "propose_properties": SERVICE,
                "property_settings": {"type": "array", "items": {"type": "object"}},
            },
        },
    },
}

_TYPE_REF = {
    "oneOf": [
        {
            "type": "object",
            "required": ["id"],
            "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
        },
        {"type": "string"},
    ]
}

QUERY_BATCH: dict[str, Any] = {
    "type": "object",
    "additionalProperties": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "query": {"type": "string"},
            "type": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
            "limit": {"type": "number"},
            "properties": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["pid", "v"],
                    "properties": {"pid": {"type": "string"}},
                },
            },
            "type_strict": {"enum": ["any", "should", "all"]},
        },
        "anyOf": [
            {"required": ["query"]},
            {"required": ["properties"], "properties": {"properties": {"minItems": 1}}},
        ],
    },
}

RESULT_BATCH: dict[str, Any] = {
    "type": "object",
    "additionalProperties": {
        "type": "object",
        "required": ["result"],
        "properties": {
            "result": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "name", "score"],
                    "properties": {
                        "id": {"type": "string"},
                        "name": {"type": "string"},
                        "description": {"type": "string"},
                        "score": {"type": "number"},
                        "match": {"type": "boolean"},
                        "type": {"type": "array", "items": _TYPE_REF},
                        "features": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "id": {"type": "string"},
                                    "value": {"oneOf": [{"type": "boolean"}, {"type": "number"}]},
                                },
                            },
                        },
                    },
                },
            }
        },
    },
}

SUGGEST_ENTITIES: dict[str, Any] = {
    "type": "object",
    "required": ["result"],
    "properties": {
        "result": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "name"],
                "properties": {
                    "id": {"type": "string"},
                    "name": {"type": "string"},
                    "description": {"type": "string"},
                    "notable": {"type": "array", "items": _TYPE_REF},
                },
            },
        }
    },
}
SUGGEST_TYPES: dict[str, Any] = {
    "type": "object",
    "required": ["result"],
    "properties": {"result": {"type": "array", "items": TYPE}},
}
SUGGEST_PROPERTIES: dict[str, Any] = {
    "type": "object",
    "required": ["result"],
    "properties": {
        "result": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "name"],
                "properties": {
                    "id": {"type": "string"},
                    "name": {"type": "string"},
                    "description": {"type": "string"},
                },
            },
        }
    },
}

# Data extension (0.2 schemas data-extension-query / -response; property
# proposals as the specification's text describes them).
EXTEND_QUERY: dict[str, Any] = {
    "type": "object",
    "required": ["ids", "properties"],
    "properties": {
        "ids": {"type": "array", "items": {"type": "string"}},
        "properties": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id"],
                "properties": {"id": {"type": "string"}, "settings": {"type": "object"}},
            },
        },
    },
}
_CELL = {
    "oneOf": [
        {"type": "object", "additionalProperties": False},
        {
            "type": "object",
            "required": ["id", "name"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "description": {"type": "string"},
            },
        },
        {
            "type": "object",
            "required": ["str"],
            "additionalProperties": False,
            "properties": {"str": {"type": "string"}},
        },
        {
            "type": "object",
            "required": ["float"],
            "additionalProperties": False,
            "properties": {"float": {"type": "number"}},
        },
        {
            "type": "object",
            "required": ["int"],
            "additionalProperties": False,
            "properties": {"int": {"type": "integer"}},
        },
        {
            "type": "object",
            "required": ["date"],
            "additionalProperties": False,
            "properties": {"date": {"type": "string"}},
        },
    ]
}
EXTEND_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["rows", "meta"],
    "properties": {
        "meta": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "name"],
                "properties": {
                    "id": {"type": "string"},
                    "name": {"type": "string"},
                    "type": {"type": "object", "required": ["id"]},
                },
            },
        },
        "rows": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": _CELL},
            },
        },
    },
}
PROPOSE_PROPERTIES: dict[str, Any] = {
    "type": "object",
    "required": ["properties"],
    "properties": {
        "type": {"type": "string"},
        "limit": {"type": "integer"},
        "properties": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "name"],
                "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
            },
        },
    },
}
