"""The JSON bodies of ``/api/access`` as JSON Schema, for the OpenAPI document (and the fuzzers
that read it). The routes read every body strictly themselves; these say what they accept."""

from __future__ import annotations

from typing import Any, Final

from pmbridge.access import GRANULARITIES, REQUEST_STEPS, RESOURCE_STEPS
from pmbridge.policy import Purpose

_TEXT: Final = {"type": "string"}
_FLAG: Final = {"type": "boolean"}
_DATE: Final = {"type": "string", "format": "date"}

DRAFT: Final[dict[str, Any]] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["title", "name", "email", "purpose", "until", "datasets"],
    "properties": {
        "kind": {"enum": ["access", "contact"]},
        "title": {"type": "string", "maxLength": 300},
        "abstract": {"type": "string", "maxLength": 10_000},
        "name": _TEXT,
        "email": {"type": "string", "format": "email"},
        "language": {"enum": ["en", "zh"]},
        "purpose": {
            "type": "object",
            "required": ["category", "use"],
            "properties": {
                "category": {"enum": sorted(p.value for p in Purpose)},
                "use": _TEXT,
                "disease": _TEXT,
                "commercial": _FLAG,
                "methodsDevelopment": _FLAG,
                "geneticStudy": _FLAG,
            },
        },
        "applicant": {
            "type": "object",
            "properties": {
                "institution": _TEXT,
                "organisationType": {"enum": ["non_profit", "for_profit"]},
                "ethicsApproval": _TEXT,
                "project": _TEXT,
                "commitments": {"type": "array", "items": _TEXT},
            },
        },
        "granularity": {"enum": list(GRANULARITIES)},
        "team": {"type": "array", "items": _TEXT, "maxItems": 20},
        "until": _DATE,
        "datasets": {
            "type": "array",
            "minItems": 1,
            "maxItems": 50,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["node", "dataset"],
                "properties": {"node": _TEXT, "dataset": _TEXT},
            },
        },
        "query": {"type": ["object", "null"]},
        "matches": {"type": "array", "items": _TEXT, "maxItems": 50},
    },
}
REQUEST_STEP: Final[dict[str, Any]] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["event"],
    "properties": {"event": {"enum": sorted({s.event for s in REQUEST_STEPS})}},
}
RESOURCE_STEP: Final[dict[str, Any]] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["event"],
    "properties": {
        "event": {"enum": sorted({s.event for s in RESOURCE_STEPS})},
        "reason": _TEXT,
        "conditions": _TEXT,
        "until": _DATE,
    },
}
MESSAGE: Final[dict[str, Any]] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["text"],
    "properties": {"text": {"type": "string", "minLength": 1, "maxLength": 5_000}},
}
ATTACHMENT: Final[dict[str, Any]] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "mediaType", "content"],
    "properties": {
        "name": _TEXT,
        "mediaType": {"enum": ["application/pdf", "text/plain", "image/png", "image/jpeg"]},
        "content": {"type": "string", "contentEncoding": "base64"},
    },
}
READ: Final[dict[str, Any]] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"ids": {"type": "array", "items": _TEXT, "maxItems": 1000}, "all": _FLAG},
}
