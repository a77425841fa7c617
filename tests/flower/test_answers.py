"""A node's record of what it answered: one Flower run per training, one model per round and
stage, kept on disk so a restarted runner keeps the limits."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from flwr.app import (
    Array,
    ArrayRecord,
    ConfigRecord,
    Context,
    Message,
    MessageType,
    RecordDict,
    UserConfigValue,
)

from pmbridge.errors import SignatureRejected
from pmbridge.flower import _wire as w
from pmbridge.flower._answers import AnswerBook
from pmbridge.flower._client_app import make_client_app
from pmbridge.flower._hub_rounds import initial_state
from pmbridge.learning import parse_training, spec_to_wire
from tests.flower.test_secagg import BINARY, hub_identity, node_data

__all__ = ["hub_identity"]  # the fixture, used by name


def test_a_round_is_answered_for_one_model_only(tmp_path: Path) -> None:
    book = AnswerBook(tmp_path / "learning.sqlite")
    book.check("t1", 5, "train", 1, "model-a")
    book.check("t1", 5, "train", 1, "model-a")  # asked again for the same model: fine
    with pytest.raises(SignatureRejected, match="answered for another model"):
        book.check("t1", 5, "train", 1, "model-b")
    book.check("t1", 5, "evaluate", 1, "model-b")  # another stage is another release
    book.check("t1", 5, "train", 2, "model-b")


def test_a_training_runs_as_one_flower_run(tmp_path: Path) -> None:
    book = AnswerBook(tmp_path / "learning.sqlite")
    book.check("t1", 5, "train", 1, "m")
    with pytest.raises(SignatureRejected, match="another Flower run"):
        book.check("t1", 6, "train", 2, "m")
    book.check("t2", 6, "train", 1, "m")  # another training may run as run 6
    largest = 2**64 - 1  # Flower's run ids are unsigned 64-bit
    book.check("t3", largest, "train", 1, "m")
    with pytest.raises(SignatureRejected, match="another Flower run"):
        book.check("t3", largest - 1, "train", 2, "m")


def test_the_record_outlives_the_process_that_wrote_it(tmp_path: Path) -> None:
    AnswerBook(tmp_path / "learning.sqlite").check("t1", 5, "train", 3, "m")
    restarted = AnswerBook(tmp_path / "learning.sqlite")
    with pytest.raises(SignatureRejected):
        restarted.check("t1", 5, "train", 3, "other")
    with pytest.raises(SignatureRejected):
        restarted.check("t1", 9, "train", 4, "m")


def test_a_refused_answer_records_nothing(tmp_path: Path) -> None:
    book = AnswerBook(tmp_path / "learning.sqlite")
    book.check("t1", 5, "train", 1, "m")
    with pytest.raises(SignatureRejected):
        book.check("t1", 6, "train", 2, "m")  # wrong run: round 2 is not taken by it
    book.check("t1", 5, "train", 2, "n")


@pytest.mark.usefixtures("hub_identity")
def test_a_restarted_node_app_refuses_a_round_asked_again_for_another_model(tmp_path: Path) -> None:
    """The ClientApp's reply cache lives in its process; the book on disk outlives it: a hub that
    asks round 1 again of a restarted runner with another model gets no second release."""
    spec = parse_training(BINARY)
    data = node_data(spec, "rome", 120)
    fixed: dict[str, UserConfigValue] = {w.SPEC: json.dumps(spec_to_wire(spec)), w.RUN_DIGEST: "run-1"}
    book = AnswerBook(tmp_path / "learning.sqlite")
    context = Context(7, 11, {"name": "rome"}, RecordDict(), {})

    def ask(model: np.ndarray) -> RecordDict:
        app = make_client_app(lambda _c, _s: data, fixed=fixed, answers=lambda _c: book)  # a fresh process
        content = RecordDict(
            {w.ARRAYS: ArrayRecord({w.WEIGHTS: Array(model)}), w.CONFIG: ConfigRecord({w.ROUND: 1})}
        )
        message = Message(content=content, message_type=MessageType.TRAIN, dst_node_id=11)
        return app(message, context).content

    first = initial_state(spec)
    assert ask(first).config_records[w.NODE]["status"] == w.TRAINED
    assert ask(first).config_records[w.NODE]["status"] == w.TRAINED  # the same model again: the same release
    other = ask(first + 1.0).config_records[w.NODE]
    assert other["status"] == w.SAT_OUT and other["rule"] == "replayed"
    assert "answered for another model" in str(other["reason"])


@pytest.mark.usefixtures("hub_identity")
def test_a_node_validates_only_the_final_model(tmp_path: Path) -> None:
    """One validation per training: a hub asking for one each round, for models of its choosing,
    would get many thresholded releases of the same held-out people to compare."""
    spec = parse_training(BINARY)
    data = node_data(spec, "rome", 120)
    fixed: dict[str, UserConfigValue] = {w.SPEC: json.dumps(spec_to_wire(spec)), w.RUN_DIGEST: "run-1"}
    app = make_client_app(
        lambda _c, _s: data, fixed=fixed, answers=lambda _c: AnswerBook(tmp_path / "l.sqlite")
    )
    context = Context(7, 11, {"name": "rome"}, RecordDict(), {})

    def evaluate_at(round_: int) -> ConfigRecord:
        content = RecordDict(
            {
                w.ARRAYS: ArrayRecord({w.WEIGHTS: Array(initial_state(spec))}),
                w.CONFIG: ConfigRecord({w.ROUND: round_}),
            }
        )
        message = Message(content=content, message_type=MessageType.EVALUATE, dst_node_id=11)
        return app(message, context).content.config_records[w.NODE]

    early = evaluate_at(1)
    assert early["status"] == w.SAT_OUT and "final round" in str(early["reason"])
    assert evaluate_at(spec.rounds)["status"] == w.EVALUATED
