"""The hub's training record: two processes' writes (hub, ServerApp) read back as one training."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pmbridge.errors import NotFound
from pmbridge.flower._trainings import NETWORK, RoundRow, TrainingRecord, TrainingState

NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)


def test_a_training_goes_from_started_through_its_rounds_to_its_model(tmp_path: Path) -> None:
    record = TrainingRecord(tmp_path / "t.sqlite")
    record.create(id="t1", researcher="eu-1", issuer="https://idp", purpose="research",
                  spec={"task": "binary"}, nodes=("rome", "lyon"), now=NOW)  # fmt: skip
    assert record.get("t1").state is TrainingState.STARTED
    other = TrainingRecord(tmp_path / "t.sqlite")  # as the ServerApp's process opens it
    other.add_round("t1", RoundRow(1, "rome", "train", "ok", {"people": 120}), now=NOW)
    other.add_round("t1", RoundRow(1, "lyon", "train", "refused", {"rule": "X4"}), now=NOW)
    other.add_round("t1", RoundRow(1, NETWORK, "evaluate", "ok", {"auroc": 0.71}), now=NOW)
    other.finish("t1", model={"weights": [[0.1], [0.2]]}, metrics={"auroc": 0.71}, now=NOW + timedelta(1))
    training = record.get("t1")
    assert training.state is TrainingState.FINISHED
    # rounds in order, the final validation last
    assert [(r.node, r.status) for r in training.rounds] == [("lyon", "refused"), ("rome", "ok"), ("", "ok")]
    assert training.to_dict()["rounds"][2]["node"] is None  # the network's row
    assert training.model == {"weights": [[0.1], [0.2]]}


def test_a_researcher_lists_only_their_own_trainings(tmp_path: Path) -> None:
    record = TrainingRecord(tmp_path / "t.sqlite")
    for i, who in enumerate(["eu-1", "eu-2", "eu-1"]):
        record.create(id=f"t{i}", researcher=who, issuer="https://idp", purpose="research", spec={},
                      nodes=("rome",), now=NOW + timedelta(minutes=i))  # fmt: skip
    assert [t.id for t in record.list_for(issuer="https://idp", researcher="eu-1")] == ["t2", "t0"]
    assert record.list_for(issuer="https://other", researcher="eu-1") == []


def test_an_unknown_training_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no training 'nope'"):
        TrainingRecord(tmp_path / "t.sqlite").get("nope")
