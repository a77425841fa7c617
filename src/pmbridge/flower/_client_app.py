"""The making of PM Bridge's ClientApp: it reads the vetted spec from the run config, gets the node's
data from a loader, and answers each round with :mod:`._node_round`.

A node's real app (:mod:`pmbridge.node._learning_client`) loads through the hub's signed grant and
the node's own admission; the simulation benchmark loads in-memory partitions.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

import numpy as np
from flwr.app import ArrayRecord, Context, Message, RecordDict, UserConfigValue
from flwr.clientapp import ClientApp

from pmbridge.errors import PMBridgeError, QueryError, SignatureRejected
from pmbridge.flower import _wire as w
from pmbridge.flower._answers import AnswerBook
from pmbridge.flower._node_round import NodeData, evaluate, model_digest, sat_out, train
from pmbridge.flower._secagg import asks_securely, secure_training_mod
from pmbridge.learning import TrainingSpec, spec_from_wire
from pmbridge.learning._dp import FloatArray

DataLoader = Callable[[Context, TrainingSpec], NodeData]
"""Gives a node's data for a run; the node's integration may admit the training here (once per run)."""
AnswerBookOf = Callable[[Context], AnswerBook]
"""The node's record of what it answered, for the node a message is to."""
SpecReader = Callable[[Mapping[str, UserConfigValue], int], tuple[TrainingSpec, str]]
"""The run config and Flower's run id → the vetted spec and the run key that keys the noise."""


def run_config(context: Context, fixed: Mapping[str, UserConfigValue] | None) -> dict[str, UserConfigValue]:
    """The run config Flower gives, with ``fixed`` over it (the simulation has no per-run config)."""
    return {**context.run_config, **(fixed or {})}


def run_spec(config: Mapping[str, UserConfigValue], run_id: int) -> tuple[TrainingSpec, str]:
    """The run's vetted spec and the hub's run key, from the run config."""
    raw = config.get(w.SPEC)
    if not isinstance(raw, str) or not raw:
        raise QueryError("the run carries no training spec", hint="start trainings from the PM Bridge hub")
    try:
        wire = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise QueryError(
            f"the run's training spec is not JSON ({exc})", hint="send spec_to_wire's JSON"
        ) from exc
    run = config.get(w.RUN_DIGEST)
    return spec_from_wire(wire), str(run) if run else f"flower-run-{run_id}"


def arrays_of(message: Message) -> dict[str, FloatArray]:
    record = message.content.array_records.get(w.ARRAYS, ArrayRecord())
    return {key: np.asarray(array.numpy(), dtype=np.float64) for key, array in record.items()}


def _round(message: Message) -> int:
    config = message.content.config_records.get(w.CONFIG)
    value = config.get(w.ROUND) if config is not None else None
    if isinstance(value, bool) or not isinstance(value, int):
        raise QueryError("a training message without its round number", hint="start trainings from the hub")
    return value


def node_name(context: Context) -> str:
    """How a node names itself in its replies: its ``name`` in the node config (its PM Bridge id)."""
    name = context.node_config.get("name")
    return str(name) if isinstance(name, str) and name else str(context.node_id)


def refusal(context: Context, exc: PMBridgeError) -> RecordDict:
    """A node's refusal to take part (the grant, the policy, its minimum count or the ε budget) as
    a reply that sits the training out under the refusing rule; nothing else leaves."""
    rule = getattr(exc, "rule", None) or getattr(exc, "reason", None) or exc.code
    return sat_out(node_name(context), str(exc), rule=str(rule))


def _check_run(run: str, flower_run: int, round_: int, rounds: int, flower_runs: dict[str, int]) -> None:
    """A training's messages come from one Flower run and ask for its rounds only."""
    if not 1 <= round_ <= rounds:
        raise QueryError(
            f"round {round_} is outside the training's 1..{rounds}", hint="start trainings from the hub"
        )
    if run and flower_runs.setdefault(run, flower_run) != flower_run:
        raise SignatureRejected(
            "replayed", f"training {run} already ran here as another Flower run; a grant is good for one run"
        )


def make_client_app(
    load: DataLoader,
    *,
    fixed: Mapping[str, UserConfigValue] | None = None,
    read_spec: SpecReader | None = None,
    answers: AnswerBookOf | None = None,
) -> ClientApp:
    """A ClientApp that trains and evaluates on what ``load`` gives for each run and node, with
    ``fixed`` run config over Flower's (the simulation) and the spec read by ``read_spec`` (default
    :func:`run_spec`). ``load`` may refuse (a PMBridgeError): the node then sits the round out and
    says under which rule. ``answers`` gives the node's on-disk record of what it answered (one
    Flower run per training, one model per round), which a node's real app keeps."""
    spec_of = read_spec or run_spec
    client = ClientApp()
    answered: dict[tuple[int, str, str, int], RecordDict] = {}
    flower_runs: dict[str, int] = {}

    def answer(message: Message, context: Context, train_round: bool) -> Message:
        try:
            spec, _ = spec_of(run_config(context, fixed), context.run_id)
            data = load(context, spec)
            round_ = _round(message)
            _check_run(data.run, context.run_id, round_, spec.rounds, flower_runs)
            if not train_round and round_ != spec.rounds:
                raise QueryError(  # one validation per training: of the final model only
                    f"a validation is asked for the final round {spec.rounds} only, not round {round_}",
                    hint="start trainings from the hub",
                )
        except PMBridgeError as exc:
            return Message(refusal(context, exc), reply_to=message)
        if train_round and spec.secure_aggregation and not asks_securely(message):
            # Before the cache: a round answered under SecAgg+ must never be handed out in clear.
            reason = "a secure training's round was asked for in clear; it is answered only under SecAgg+"
            return Message(sat_out(node_name(context), reason, rule="secure_aggregation"), reply_to=message)
        # Each round is answered once per training: asking again gets the same reply, never a
        # second release (with other noise) of the same round.
        # By node too: one process may answer for several nodes (Flower's simulation runs a few
        # nodes per actor), and one node's reply must never stand in for another's.
        stage = "train" if train_round else "evaluate"
        arrays = arrays_of(message)
        if answers is not None and data.run:
            try:  # on disk: the limits hold across a restart of the runner
                answers(context).check(data.run, context.run_id, stage, round_, model_digest(arrays))
            except PMBridgeError as exc:
                return Message(refusal(context, exc), reply_to=message)
        key = (context.node_id, data.run, stage, round_)
        if key not in answered:
            answered[key] = (
                train(spec, data, arrays, round_=round_) if train_round else evaluate(spec, data, arrays)
            )
        return Message(answered[key], reply_to=message)

    # Secure rounds go through Flower's SecAgg+ mod; other training messages pass it untouched.
    @client.train(mods=[secure_training_mod])
    def _train(message: Message, context: Context) -> Message:
        return answer(message, context, train_round=True)

    @client.evaluate()
    def _evaluate(message: Message, context: Context) -> Message:
        return answer(message, context, train_round=False)

    return client
