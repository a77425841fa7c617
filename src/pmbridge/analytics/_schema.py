"""The JSON Schema of an analysis request, for the OpenAPI documents of hub and node."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pmbridge.model import CODED

JsonSchema = dict[str, Any]

NAME_SCHEMA: JsonSchema = {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"}
VARIABLE_SCHEMA: JsonSchema = {
    "type": "object",
    "description": "Where the variable's value comes from: exactly one source and its code "
    "(docs/analytics.md#variables).",
    "minProperties": 1,
    "maxProperties": 1,
    "additionalProperties": False,
    "properties": {source.value: {"type": "string", "minLength": 1} for source in sorted(CODED)},
}


def analysis_schema(cohort: Mapping[str, Any]) -> JsonSchema:
    """The analysis object; ``cohort`` is the schema of a Beacon request's ``query``.

    >>> sorted(analysis_schema({"type": "object"})["properties"])[:4]
    ['analysis', 'bin_days', 'cohort', 'columns']
    """
    return {
        "title": "Analysis",
        "type": "object",
        "required": ["analysis"],
        "additionalProperties": False,
        "properties": {
            "analysis": {"enum": ["summary", "crosstab", "glm", "km", "cox"]},
            "cohort": dict(cohort),
            "variables": {"type": "object", "additionalProperties": VARIABLE_SCHEMA},
            "variable": NAME_SCHEMA,
            "edges": {"type": "array", "items": {"type": "number"}},
            "quantiles": {"type": "array", "items": {"type": "number", "minimum": 0, "maximum": 1}},
            "rows": NAME_SCHEMA,
            "columns": NAME_SCHEMA,
            "formula": {"type": "string", "maxLength": 2000},
            "family": {"enum": ["gaussian", "binomial", "poisson"]},
            "offset": {"anyOf": [NAME_SCHEMA, {"type": "null"}]},
            "weights": {"anyOf": [NAME_SCHEMA, {"type": "null"}]},
            "group": {"anyOf": [NAME_SCHEMA, {"type": "null"}]},
            "bin_days": {"type": "integer", "minimum": 1},
            "ties": {"enum": ["efron", "breslow"]},
            "strata": {"anyOf": [{"const": "node"}, {"type": "null"}]},
            "max_iterations": {"type": "integer", "minimum": 1},
        },
    }


def node_step_schema(cohort: Mapping[str, Any]) -> JsonSchema:
    """The body of a node's ``POST /api/analysis``: the analysis and the step the hub asks."""
    numbers: JsonSchema = {"type": "array", "items": {"type": "number"}}
    return {
        "title": "AnalysisStep",
        "type": "object",
        "required": ["analysis", "step"],
        "additionalProperties": False,
        "properties": {
            "analysis": analysis_schema(cohort),
            "step": {
                "type": "object",
                "required": ["kind"],
                "additionalProperties": False,
                "properties": {"kind": {"enum": ["edges", "evaluate"]}, "beta": numbers, "edges": numbers},
            },
        },
    }
