"""A training as the client decodes it: its one-line summary, refusals, progress rows."""

from __future__ import annotations

from pmbridge.client import Training

DOC = {
    "id": "t1",
    "researcher": "eu-1",
    "purpose": "research",
    "spec": {"task": "binary", "model": "logistic", "rounds": 2},
    "nodes": ["rome", "shanghai"],
    "state": "finished",
    "created": "2026-12-07T00:00:00+00:00",
    "updated": "2026-12-07T00:01:00+00:00",
    "rounds": [
        {"round": 1, "node": "rome", "stage": "train", "status": "ok", "metrics": {}},
        {"round": 1, "node": "shanghai", "stage": "train", "status": "refused", "metrics": {"rule": "X4"}},
        {"round": 2, "node": None, "stage": "train", "status": "ok", "metrics": {"trained": 1}},
    ],
    "model": {},
    "metrics": {"withheld": "fewer than 3 nodes contributed to every round"},
}


def test_a_finished_training_says_what_was_withheld_and_who_sat_out() -> None:
    training = Training.model_validate(DOC)
    assert training.done and training.last_round == 2
    assert training.refusals() == {"shanghai": "X4"}
    assert training.summary() == (
        "training t1: binary logistic, finished, round 2 of 2; the network's model and validation "
        "withheld: fewer than 3 nodes contributed to every round; sat out: shanghai (X4)"
    )
    trained = Training.model_validate(
        DOC
        | {
            "model": {"kind": "logistic", "array": [0.1]},
            "metrics": {"withheld": "fewer than 3 nodes released a validation"},
        }
    )
    assert (
        "; the network's validation withheld: fewer than 3 nodes released a validation" in trained.summary()
    )
    assert training.progress()[2] == {
        "round": 2,
        "node": "network",
        "stage": "train",
        "status": "ok",
        "trained": 1,
    }


def test_a_finished_training_shows_its_auroc() -> None:
    training = Training.model_validate({**DOC, "rounds": [], "metrics": {"auroc": 0.7123}})
    assert training.summary().endswith("round 0 of 2, validation AUROC 0.712")
