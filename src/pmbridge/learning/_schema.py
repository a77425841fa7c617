"""The JSON Schema of a training request, for the hub's OpenAPI document (the parser,
:func:`pmbridge.learning.parse_training`, remains the judge and names every problem)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pmbridge.analytics import NAME_SCHEMA, VARIABLE_SCHEMA
from pmbridge.learning._spec import (
    MAX_CLUSTERS,
    MAX_FEATURES,
    MAX_HIDDEN_UNITS,
    MAX_INTERVALS,
    MAX_LOCAL_STEPS,
    MAX_ROUNDS,
    TASKS,
)

_FEATURE = {
    "anyOf": [
        NAME_SCHEMA,
        {
            "type": "object",
            "required": ["name"],
            "additionalProperties": False,
            "properties": {
                "name": NAME_SCHEMA,
                "range": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
            },
        },
    ]
}


def training_schema(cohort: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The training object; ``cohort`` is the schema of a Beacon request's ``query``.

    >>> sorted(training_schema()["properties"])[:4]
    ['clusters', 'cohort', 'features', 'hidden_units']
    """
    return {
        "title": "Training",
        "type": "object",
        "required": ["task", "features"],
        "additionalProperties": False,
        "properties": {
            "task": {"enum": list(TASKS)},
            "model": {"enum": ["logistic", "mlp", "kmeans"]},
            "hidden_units": {"type": "integer", "minimum": 1, "maximum": MAX_HIDDEN_UNITS},
            "cohort": dict(cohort or {"type": "object"}),
            "variables": {"type": "object", "additionalProperties": VARIABLE_SCHEMA},
            "features": {"type": "array", "items": _FEATURE, "minItems": 1, "maxItems": MAX_FEATURES},
            "label": NAME_SCHEMA,
            "labels": {"type": "array", "items": NAME_SCHEMA, "minItems": 2, "maxItems": MAX_CLUSTERS},
            "rounds": {"type": "integer", "minimum": 1, "maximum": MAX_ROUNDS},
            "strategy": {"enum": ["fedavg", "fedprox"]},
            "proximal_mu": {"type": "number", "minimum": 0, "maximum": 10},
            "local_steps": {"type": "integer", "minimum": 1, "maximum": MAX_LOCAL_STEPS},
            "learning_rate": {"type": "number", "exclusiveMinimum": 0, "maximum": 100},
            "clusters": {"type": "integer", "minimum": 2, "maximum": MAX_CLUSTERS},
            "intervals": {
                "type": "array",
                "items": {"type": "number", "exclusiveMinimum": 0},
                "minItems": 1,
                "maxItems": MAX_INTERVALS,
            },
            "validation_share": {"type": "number", "minimum": 0, "maximum": 0.5},
            "seed": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
            "secure_aggregation": {"type": "boolean"},
        },
    }
