"""The training request: what a researcher may ask, every mistake named, and a stable digest."""

from __future__ import annotations

from typing import Any

import pytest

from pmbridge.errors import QueryError
from pmbridge.learning import parse_training, spec_digest, spec_from_wire, spec_to_wire
from pmbridge.model import Source

BINARY: dict[str, Any] = {
    "task": "binary",
    "features": ["male", "age", "tat", {"name": "ldl", "range": [0, 300]}],
    "label": "good",
    "variables": {
        "tat": {"gene": "TAT"},
        "ldl": {"measurement": "LOINC:2089-1"},
        "good": {"response": "CHEBI:9168"},
    },
}


def test_a_binary_request_reads_features_ranges_and_label() -> None:
    spec = parse_training(BINARY)
    assert [(f.name, f.low, f.high) for f in spec.features] == [
        ("male", 0, 1),
        ("age", 0, 100),
        ("tat", 0, 1),
        ("ldl", 0, 300),
    ]
    assert spec.labels[0].source is Source.RESPONSE
    assert (spec.model, spec.strategy, spec.rounds, spec.classes) == ("logistic", "fedavg", 20, 1)
    assert spec.genetic  # a gene feature: rule X4 applies


def test_the_wire_form_round_trips_and_the_digest_ignores_key_order() -> None:
    spec = parse_training(BINARY)
    assert spec_from_wire(spec_to_wire(spec)) == spec
    assert spec_digest(parse_training(dict(reversed(list(BINARY.items()))))) == spec_digest(spec)
    assert spec_digest(parse_training({**BINARY, "rounds": 21})) != spec_digest(spec)


def test_survival_labels_are_time_and_event_and_clustering_has_none() -> None:
    survival = parse_training({"task": "survival", "features": ["male", "age"], "intervals": [365, 1825]})
    assert [v.name for v in survival.labels] == ["time", "event"]
    assert survival.intervals == (365.0, 1825.0)
    clusters = parse_training({"task": "clustering", "features": ["age", "male"], "clusters": 4})
    assert (clusters.model, clusters.clusters, clusters.labels) == ("kmeans", 4, ())


def test_multiclass_takes_one_binary_variable_per_class() -> None:
    spec = parse_training(
        {
            "task": "multiclass",
            "features": ["age"],
            "labels": ["a", "b", "c"],
            "variables": {k: {"disease": f"OMIM:{i}"} for i, k in enumerate("abc")},
        }
    )
    assert spec.classes == 3


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"task": "regression"}, "'task' must be one of"),
        ({"model": "kmeans"}, "a binary task trains a logistic model"),
        ({"features": []}, "'features' must list"),
        ({"features": ["age", "age"]}, "listed twice"),
        ({"features": ["ldl"]}, "'ldl' (measurement) needs a range"),
        ({"features": [{"name": "age", "range": [10, 5]}]}, "low < high"),
        ({"features": [{"name": "male", "range": [0, 2]}]}, "is 0/1; it takes no range"),
        ({"features": ["time"]}, "is an outcome, not a feature"),
        ({"features": ["good"]}, "both a feature and the label"),
        ({"label": "age"}, "needs a 0/1 variable"),
        ({"label": "nobody"}, "neither declared nor built in"),
        ({"rounds": 0}, "'rounds' must be a whole number from 1 to 200"),
        ({"rounds": True}, "'rounds' must be a whole number"),
        ({"strategy": "fedsgd"}, "fedavg or fedprox"),
        ({"proximal_mu": 0.5}, "applies to fedprox only"),
        ({"epsilon": 10}, "unknown key(s): epsilon"),
        ({"variables": {"x": {"planet": "Mars"}}}, "unknown source 'planet'"),
    ],
)
def test_every_mistake_is_named(change: dict[str, Any], named: str) -> None:
    with pytest.raises(QueryError, match="training request") as caught:
        parse_training({**BINARY, **change})
    assert named in str(caught.value)
    assert caught.value.hint


def test_privacy_settings_cannot_be_requested() -> None:
    """ε, δ and clipping are each node's own: a request naming them is refused, never obeyed."""
    for key in ("epsilon", "delta", "clip", "noise"):
        with pytest.raises(QueryError, match=f"unknown key\\(s\\): {key}"):
            parse_training({**BINARY, key: 1})


def test_fedprox_defaults_its_proximal_term() -> None:
    assert parse_training({**BINARY, "strategy": "fedprox"}).proximal_mu == pytest.approx(0.1)
