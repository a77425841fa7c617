"""Small synthetic node stores for the Flower tests: people whose chance of a seizure rises with age
and is higher in men, so a logistic model has a signal to find (made by :func:`write_store`)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from pmbridge.learning import parse_training, spec_to_wire
from pmbridge.learning._spec import TrainingSpec
from pmbridge.model import Dataset, Individual, PatientRecord, PhenotypicFeature, Sex
from pmbridge.store import NodeStore

SEIZURE = "HP:0001250"
SECRET = b"a-test-secret-of-more-than-16-bytes"


def people(seed: int, n: int) -> list[PatientRecord]:
    rng = np.random.default_rng(seed)
    age = rng.uniform(0.0, 100.0, n)
    male = rng.integers(0, 2, n)
    chance = 1.0 / (1.0 + np.exp(-(-2.5 + 0.05 * age + 1.0 * male)))
    seizure = rng.random(n) < chance
    return [
        PatientRecord(
            individual=Individual(
                id=f"s{seed}-p{i}", sex=Sex.MALE if male[i] else Sex.FEMALE, age_years=float(age[i])
            ),
            dataset_id="ds-train",
            phenotypic_features=(PhenotypicFeature(SEIZURE),) if seizure[i] else (),
        )
        for i in range(n)
    ]


def write_store(path: Path, *, seed: int, n: int) -> Path:
    with NodeStore.open(path) as store, store.transaction():
        store.put_datasets([Dataset("ds-train", "Training data")])
        store.sync_closure([(SEIZURE, SEIZURE)], release="test")
        store.write_records(people(seed, n))
    return path


def seizure_spec(*, rounds: int) -> TrainingSpec:
    return parse_training(
        {
            "task": "binary",
            "features": ["age", "male"],
            "label": "seizure",
            "variables": {"seizure": {"phenotype": SEIZURE}},
            "rounds": rounds,
            "learning_rate": 2.0,
        }
    )


def spec_json(spec: TrainingSpec) -> str:
    return json.dumps(spec_to_wire(spec))
