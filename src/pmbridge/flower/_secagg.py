"""Secure aggregation of a training round with Flower's SecAgg+: the hub learns only the sum of the
nodes' training releases, never one node's (docs/learning.md#secure-aggregation).

The node side is Flower's own ``secaggplus_mod``; the hub side drives its four stages (setup, share
keys, collect masked vectors, unmask) with Flower's primitives, because Flower's
``SecAggPlusWorkflow`` needs the legacy Strategy API and fails a round on any dropout before the
masked vectors. No cryptography is written here: key agreement, Shamir shares, encryption, masks and
quantisation are all ``flwr.common.secure_aggregation`` and ``flwr.supercore.primitives``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final, cast

import numpy as np
from flwr.app import Array, ArrayRecord, ConfigRecord, Context, Message, MessageType, RecordDict
from flwr.client.mod import secaggplus_mod
from flwr.clientapp.typing import ClientAppCallable
from flwr.common import Code, FitRes, Status, bytes_to_ndarray, ndarrays_to_parameters
from flwr.common.secure_aggregation.crypto.shamir import combine_shares
from flwr.common.secure_aggregation.crypto.symmetric_encryption import generate_shared_key
from flwr.common.secure_aggregation.ndarrays_arithmetic import (
    factor_extract,
    get_parameters_shape,
    parameters_addition,
    parameters_mod,
    parameters_subtraction,
)
from flwr.common.secure_aggregation.quantization import dequantize
from flwr.common.secure_aggregation.secaggplus_constants import RECORD_KEY_CONFIGS, Key, Stage
from flwr.common.secure_aggregation.secaggplus_utils import pseudo_rand_gen
from flwr.compat.common.recorddict_compat import fitres_to_recorddict
from flwr.serverapp import Grid
from flwr.supercore.primitives.asymmetric import bytes_to_private_key, bytes_to_public_key

from pmbridge.errors import QueryError
from pmbridge.flower import _wire as w
from pmbridge.learning import TrainingSpec
from pmbridge.learning._dp import FloatArray
from pmbridge.learning._kmeans import kmeans_update

MIN_NODES: Final = 3
"""Fewest nodes a secure training runs with: with two, the sum and one's own release give the other's."""
MOD_RANGE: Final = 2**32
"""Masks are uniform modulo this (Flower's largest)."""
TARGET_RANGE: Final = 2**26
"""Quantisation levels over [-CLIPPING_RANGE, CLIPPING_RANGE] (Flower's default is 2**22): finer
levels, paid for with fewer nodes, since the sum of every node's levels must stay below MOD_RANGE."""
MAX_NODES: Final = MOD_RANGE // TARGET_RANGE - 1
"""Most nodes (63): each adds up to TARGET_RANGE, and the weights' factor TARGET_RANGE, to a sum
taken modulo MOD_RANGE."""
PEOPLE_SCALE: Final = 2.0**16
"""Releases are divided by this public constant before quantisation, so a node's people (and its
people × weights, or k-means sums) fit the clipping range; the hub multiplies the sum back."""
CLIPPING_RANGE: Final = 16.0
"""Each scaled release value is clipped to ±this before quantisation: people × |weight| (or a
k-means sum) above 16 × 2**16 ≈ 1 million at one node would be clipped. One quantisation level is
then 1/32 of a person × unit weight: the network's mean moves by about 1/(32 × its people)."""


def check_secure_nodes(count: int) -> None:
    """A secure training needs 3 to MAX_NODES nodes; QueryError (with its fix) otherwise."""
    if not MIN_NODES <= count <= MAX_NODES:
        raise QueryError(
            f"secure aggregation needs {MIN_NODES} to {MAX_NODES} nodes, and {count} take part",
            hint=f"name {MIN_NODES} to {MAX_NODES} nodes, or send the training without secure_aggregation",
        )


def threshold(count: int) -> int:
    """Shares that rebuild a node's mask secrets: a majority of the nodes (at least 2), so the
    round survives fewer than half of them dropping out.

    >>> [threshold(n) for n in (3, 4, 5, 10)]
    [2, 3, 3, 6]
    """
    return max(2, count // 2 + 1)


# --- The node's release, as one vector ------------------------------------------------------------


def release_vectors(arrays: dict[str, FloatArray], people: float) -> list[FloatArray]:
    """What a node's training reply contributes to the sum, scaled by PEOPLE_SCALE: k-means its
    sums and counts; linear models people × weights and people (the hub divides the two sums)."""
    if w.SUMS in arrays:
        return [arrays[w.SUMS] / PEOPLE_SCALE, arrays[w.COUNTS] / PEOPLE_SCALE]
    return [arrays[w.WEIGHTS] * (people / PEOPLE_SCALE), np.array([people / PEOPLE_SCALE])]


def from_sum(spec: TrainingSpec, state: FloatArray, total: Sequence[FloatArray]) -> FloatArray:
    """The next global model from the unmasked sum of the nodes' :func:`release_vectors`."""
    first, second = (np.asarray(a, dtype=np.float64) * PEOPLE_SCALE for a in total)
    if spec.model == "kmeans":
        return kmeans_update(state, first, second)
    people = float(second[0])
    if not people > 0.5:  # the sum of releases of at least min_count people each, or nothing
        return state
    mean: FloatArray = first / people
    return mean


# --- The node's side: Flower's secaggplus_mod around PM Bridge's train handler -------------------


class _Withheld(Exception):  # control flow only: caught in secure_training_mod, never escapes
    """A node that does not train this round: its reply (a sit-out or an error) goes back as is."""

    def __init__(self, reply: Message) -> None:
        super().__init__("withheld")
        self.reply = reply


def _as_fitres(reply: Message, message: Message) -> Message:
    """The node's training reply in the FitRes shape ``secaggplus_mod`` masks: its release vectors
    with weight 1 (the people are inside the vector, so the weight says nothing)."""
    if reply.has_error():
        raise _Withheld(reply)
    content = reply.content
    node = content.config_records.get(w.NODE, ConfigRecord())
    if node.get("status") != w.TRAINED:
        raise _Withheld(reply)
    arrays = {
        k: np.asarray(a.numpy(), dtype=np.float64) for k, a in content.array_records.get(w.ARRAYS, {}).items()
    }
    metrics = content.metric_records.get("metrics")
    people = float(cast(float, metrics.get("num-examples", 0.0))) if metrics is not None else 0.0
    vectors = release_vectors(arrays, people)
    fit = FitRes(Status(Code.OK, ""), ndarrays_to_parameters(vectors), num_examples=1, metrics={})
    out = fitres_to_recorddict(fit, keep_input=False)
    out[w.NODE] = ConfigRecord({"name": str(node.get("name", "")), "status": w.TRAINED})
    return Message(out, reply_to=message)


def asks_securely(message: Message) -> bool:
    """Whether a training message is a stage of SecAgg+ (a secure training's node answers no other)."""
    return RECORD_KEY_CONFIGS in message.content.config_records


def _check_setup(config: ConfigRecord) -> None:
    """The node's own check of the hub's SecAgg+ settings before it takes part: at least 3 nodes,
    every node a neighbour, a majority threshold and PM Bridge's quantisation. A hub asking for a
    threshold of 1 or a round of one node could otherwise unmask a single node's release."""
    sample = config.get(Key.SAMPLE_NUMBER)
    expected = {
        Key.SHARE_NUMBER: sample,
        Key.CLIPPING_RANGE: CLIPPING_RANGE,
        Key.TARGET_RANGE: TARGET_RANGE,
        Key.MOD_RANGE: MOD_RANGE,
        Key.MAX_WEIGHT: 1.0,
    }
    if (
        not isinstance(sample, int)
        or not MIN_NODES <= sample <= MAX_NODES
        or any(config.get(key) != value for key, value in expected.items())
        or not isinstance(config.get(Key.THRESHOLD), int)
        or cast(int, config[Key.THRESHOLD]) < threshold(sample)
    ):
        raise QueryError(
            "the hub's secure aggregation settings would let it unmask fewer than a majority of "
            f"at least {MIN_NODES} nodes: {dict(config)}",
            hint="run the hub and the node on the same PM Bridge release",
        )


def secure_training_mod(message: Message, context: Context, call_next: ClientAppCallable) -> Message:
    """Flower's ``secaggplus_mod`` for the training messages of a secure round (those carrying its
    config record); any other message passes untouched. What leaves the node is only its name, its
    status and the stage's protocol values: the masked vector, never the release or its people."""
    if message.metadata.message_type != MessageType.TRAIN or not asks_securely(message):
        return call_next(message, context)
    config = message.content.config_records[RECORD_KEY_CONFIGS]
    if config.get(Key.STAGE) == Stage.SETUP:
        _check_setup(config)

    def packaged(msg: Message, ctxt: Context) -> Message:
        return _as_fitres(call_next(msg, ctxt), msg)

    try:
        reply = secaggplus_mod(message, context, packaged)
    except _Withheld as withheld:
        return withheld.reply
    kept = RecordDict({RECORD_KEY_CONFIGS: reply.content.config_records[RECORD_KEY_CONFIGS]})
    if w.NODE in reply.content.config_records:
        kept[w.NODE] = reply.content.config_records[w.NODE]
    return Message(kept, reply_to=message)


# --- The hub's side: the four stages ----------------------------------------------------------------


@dataclass(slots=True)
class SecureRound:
    """One secure round as the hub saw it: the collect stage's replies (names, statuses, sit-outs;
    no release), nodes lost in the earlier stages with why, the unmasked sum (None when skipped),
    and why it was skipped."""

    replies: list[Message] = field(default_factory=list)
    dropped: dict[int, str] = field(default_factory=dict)
    total: list[FloatArray] | None = None
    skipped: str = ""
    summed: set[int] = field(default_factory=set)


def _send(
    grid: Grid,
    configs: dict[int, dict[str, Any]],
    round_: int,
    timeout: float,
    extra: RecordDict | None = None,
) -> tuple[dict[int, Message], dict[int, str]]:
    """One stage: each node its config; the good replies by node, and why each other node dropped.
    Only the collect stage (the one with ``extra``, the model) may be answered by a sit-out."""
    messages = []
    for node, config in configs.items():
        content = RecordDict({RECORD_KEY_CONFIGS: ConfigRecord(config)})
        for key, record in (extra or {}).items():
            content[key] = record
        messages.append(
            Message(content, dst_node_id=node, message_type=MessageType.TRAIN, group_id=str(round_))
        )
    good: dict[int, Message] = {}
    lost = {node: "no reply" for node in configs}
    for reply in grid.send_and_receive(messages, timeout=timeout):
        node = reply.metadata.src_node_id
        if node not in lost or node in good:
            continue  # not asked, or answering twice
        if reply.has_error():
            lost[node] = reply.error.reason or "error"
        elif extra is None and not asks_securely(reply):
            lost[node] = "answered outside secure aggregation: does it run this release of PM Bridge?"
        else:
            good[node] = reply
            del lost[node]
    return good, lost


def _stage_short(stage: str, alive: int, count: int, needed: int) -> str:
    return (
        f"secure aggregation skipped the round: {alive} of {count} nodes were left at its {stage} stage, "
        f"fewer than the {needed} it needs to unmask (the model stays as it was)"
    )


def secure_sum(
    grid: Grid,
    nodes: Sequence[int],
    state: tuple[str, FloatArray],
    round_: int,
    *,
    timeout: float,
) -> SecureRound:
    """Run SecAgg+ over ``nodes`` for one training round and return what the hub may see."""
    count, needed = len(nodes), threshold(len(nodes))
    out = SecureRound()
    setup = {
        Key.STAGE: Stage.SETUP,
        Key.SAMPLE_NUMBER: count,
        Key.SHARE_NUMBER: count,
        Key.THRESHOLD: needed,
        Key.CLIPPING_RANGE: CLIPPING_RANGE,
        Key.TARGET_RANGE: TARGET_RANGE,
        Key.MOD_RANGE: MOD_RANGE,
        Key.MAX_WEIGHT: 1.0,
    }
    keyed, lost = _send(grid, dict.fromkeys(nodes, setup), round_, timeout)
    out.dropped.update(lost)
    if len(keyed) < needed:
        out.skipped = _stage_short("setup", len(keyed), count, needed)
        return out
    public = {
        node: [
            cast(bytes, r.content.config_records[RECORD_KEY_CONFIGS][k])
            for k in (Key.PUBLIC_KEY_1, Key.PUBLIC_KEY_2)
        ]
        for node, r in keyed.items()
    }
    share = {str(node): keys for node, keys in public.items()}
    shared, lost = _send(grid, {n: {Key.STAGE: Stage.SHARE_KEYS, **share} for n in keyed}, round_, timeout)
    out.dropped.update(lost)
    if len(shared) < needed:
        out.skipped = _stage_short("share keys", len(shared), count, needed)
        return out
    forward: dict[int, tuple[list[int], list[bytes]]] = {n: ([], []) for n in shared}
    for src, reply in shared.items():
        config = reply.content.config_records[RECORD_KEY_CONFIGS]
        for dst, text in zip(
            cast(list[int], config[Key.DESTINATION_LIST]),
            cast(list[bytes], config[Key.CIPHERTEXT_LIST]),
            strict=True,
        ):
            if dst in forward:
                forward[dst][0].append(src)
                forward[dst][1].append(text)
    model = RecordDict(
        {
            w.ARRAYS: ArrayRecord({state[0]: Array(np.ascontiguousarray(state[1]))}),
            w.CONFIG: ConfigRecord({w.ROUND: round_}),
        }
    )
    collect = {
        n: {Key.STAGE: Stage.COLLECT_MASKED_VECTORS, Key.SOURCE_LIST: srcs, Key.CIPHERTEXT_LIST: texts}
        for n, (srcs, texts) in forward.items()
    }
    masked, lost = _send(grid, collect, round_, timeout, extra=model)
    out.dropped.update(lost)
    out.replies = list(masked.values())
    vectors = {
        n: [
            bytes_to_ndarray(b)
            for b in cast(list[bytes], r.content.config_records[RECORD_KEY_CONFIGS][Key.MASKED_PARAMETERS])
        ]
        for n, r in masked.items()
        if Key.MASKED_PARAMETERS in r.content.config_records.get(RECORD_KEY_CONFIGS, ConfigRecord())
    }
    if len(vectors) < needed:
        out.skipped = _stage_short("collect masked vectors", len(vectors), count, needed)
        return out
    dead = sorted(set(shared) - set(vectors))
    unmask = {
        n: {Key.STAGE: Stage.UNMASK, Key.ACTIVE_NODE_ID_LIST: sorted(vectors), Key.DEAD_NODE_ID_LIST: dead}
        for n in vectors
    }
    answers, lost = _send(grid, unmask, round_, timeout)
    out.dropped.update(lost)
    shares: dict[int, list[bytes]] = {n: [] for n in (*vectors, *dead)}
    for reply in answers.values():
        config = reply.content.config_records[RECORD_KEY_CONFIGS]
        for owner, piece in zip(
            cast(list[int], config[Key.NODE_ID_LIST]), cast(list[bytes], config[Key.SHARE_LIST]), strict=True
        ):
            if owner in shares:
                shares[owner].append(piece)
    if any(len(pieces) < needed for pieces in shares.values()):
        out.skipped = _stage_short("unmask", len(answers), count, needed)
        return out
    total = _unmasked(vectors, dead, shares, {n: public[n][0] for n in public})
    if total is None:
        out.skipped = (
            "secure aggregation skipped the round: the masked sum did not unmask (the model stays as it was)"
        )
        return out
    out.total, out.summed = total, set(vectors)
    return out


def _unmasked(
    vectors: dict[int, list[Any]], dead: Sequence[int], shares: dict[int, list[bytes]], pk1: dict[int, bytes]
) -> list[FloatArray] | None:
    """The plain sum of the active nodes' vectors: their private masks rebuilt from shares, and the
    pairwise masks they hold with nodes that dropped after sharing keys rebuilt from those nodes'
    key shares (as Flower's SecAggPlusWorkflow.unmask_stage does)."""
    active = sorted(vectors)
    total = vectors[active[0]]
    for node in active[1:]:
        total = parameters_addition(total, vectors[node])
    total = parameters_mod(total, MOD_RANGE)
    shape = get_parameters_shape(total)
    for node in active:
        total = parameters_subtraction(total, pseudo_rand_gen(combine_shares(shares[node]), MOD_RANGE, shape))
    for gone in dead:
        secret = bytes_to_private_key(combine_shares(shares[gone]))
        for node in active:
            mask = pseudo_rand_gen(
                generate_shared_key(secret, bytes_to_public_key(pk1[node])), MOD_RANGE, shape
            )
            # A node adds the pair's mask when its id is the larger one, subtracts it otherwise.
            total = parameters_subtraction(total, mask) if node > gone else parameters_addition(total, mask)
    total = parameters_mod(total, MOD_RANGE)
    weight, quantized = factor_extract(total)
    if int(weight) != len(active) * TARGET_RANGE:
        return None
    values = dequantize(quantized, CLIPPING_RANGE, TARGET_RANGE)
    # dequantize shifts by one -CLIPPING_RANGE; each of the summed vectors was shifted by +CLIPPING_RANGE.
    offset = -(len(active) - 1) * CLIPPING_RANGE
    return [np.asarray(v, dtype=np.float64) + offset for v in values]
