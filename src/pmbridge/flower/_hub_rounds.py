"""The hub's side of a training, on any Flower Grid (deployment or simulation): send each round's
global model, aggregate what the nodes release, and finish with a disclosure-checked validation.

Linear models average the nodes' weights by their people (FedAvg; FedProx is the same aggregation
with the proximal term applied at the nodes); k-means adds the nodes' noisy sums and counts.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
from flwr.app import Array, ArrayRecord, ConfigRecord, Message, MessageType, RecordDict
from flwr.serverapp import Grid

from pmbridge.errors import UpstreamError
from pmbridge.flower import _wire as w
from pmbridge.flower._progress import Reporter
from pmbridge.flower._secagg import check_secure_nodes, from_sum, secure_sum
from pmbridge.learning import TrainingSpec
from pmbridge.learning._aggregate import weighted_mean
from pmbridge.learning._dp import FloatArray, IntArray
from pmbridge.learning._kmeans import init_centroids, kmeans_update
from pmbridge.learning._linear import init_linear
from pmbridge.learning._metrics import auroc, calibration, released_sizes
from pmbridge.learning._mlp import init_mlp, mlp_shape

POLL_SECONDS: Final = 0.2


@dataclass(slots=True)
class NodeReply:
    node_id: int
    name: str
    status: str
    reason: str = ""
    arrays: dict[str, FloatArray] = field(default_factory=dict)
    people: float = 0.0
    rule: str = ""

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"node": self.name, "status": self.status}
        if self.reason:
            out["reason"] = self.reason
        if self.rule:
            out["rule"] = self.rule
        return out


def features_of(spec: TrainingSpec) -> int:
    """Columns of the design matrix: the features, plus survival's interval indicators."""
    extra = len(spec.intervals) - 1 if spec.task == "survival" else 0
    return len(spec.features) + extra


def initial_state(spec: TrainingSpec) -> FloatArray:
    if spec.model == "kmeans":
        return init_centroids(spec.clusters, features_of(spec), spec.seed)
    classes = len(spec.labels) if spec.task == "multiclass" else 2
    if spec.model == "mlp":
        return init_mlp(mlp_shape(features_of(spec), spec.hidden_units, classes), spec.seed)
    return init_linear(features_of(spec), classes).weights


def state_key(spec: TrainingSpec) -> str:
    return w.CENTROIDS if spec.model == "kmeans" else w.WEIGHTS


def wait_for_nodes(
    grid: Grid, *, count: int, seconds: float, expected: int = 0, registered: Mapping[int, str] | None = None
) -> list[int]:
    """The connected nodes once all ``expected`` are (or, after ``seconds``, at least ``count``);
    UpstreamError when fewer than ``count`` connected in time. With ``registered`` (Flower node id →
    node, from the keys the hub registered), only those nodes count."""
    deadline = time.monotonic() + seconds
    while True:
        nodes = sorted(n for n in grid.get_node_ids() if registered is None or n in registered)
        if len(nodes) >= max(count, expected):
            return nodes
        if time.monotonic() >= deadline:
            if len(nodes) >= count:
                return nodes
            raise UpstreamError(
                f"only {len(nodes)} of the {count} nodes the training needs connected within {seconds:g} s",
                hint="check that the nodes' SuperNodes run and reach the SuperLink",
            )
        time.sleep(POLL_SECONDS)


def _read(reply: Message, names: dict[int, str], registered: Mapping[int, str] | None = None) -> NodeReply:
    """One reply, under the node's registered name where the hub registered keys (a reply that
    names itself otherwise is an error: it cannot speak for another node), else its own."""
    node_id = reply.metadata.src_node_id
    if reply.has_error():
        return NodeReply(node_id, names.get(node_id, str(node_id)), "error", reply.error.reason or "")
    content = reply.content
    node = content.config_records.get(w.NODE, ConfigRecord())
    name = str(node.get("name", node_id))
    if registered is not None:
        known = registered.get(node_id, str(node_id))
        if name != known:
            return NodeReply(
                node_id,
                known,
                "error",
                f"the reply names node {name!r}, but its key is registered for {known!r}",
            )
    names[node_id] = name
    arrays = {
        k: np.asarray(a.numpy(), dtype=np.float64) for k, a in content.array_records.get(w.ARRAYS, {}).items()
    }
    metrics = content.metric_records.get("metrics")
    people = float(metrics.get("num-examples", 0.0)) if metrics is not None else 0.0  # type: ignore[arg-type]
    status, reason, rule = (str(node.get(key, "")) for key in ("status", "reason", "rule"))
    return NodeReply(node_id, name, status, reason, arrays, people, rule)


def exchange(
    grid: Grid,
    nodes: Sequence[int],
    kind: str,
    state: tuple[str, FloatArray],
    round_: int,
    *,
    timeout: float,
    names: dict[int, str],
    registered: Mapping[int, str] | None = None,
) -> list[NodeReply]:
    """Send ``state`` to every node and collect replies (a node silent past ``timeout`` is listed
    as ``no_reply``)."""
    content = RecordDict(
        {
            w.ARRAYS: ArrayRecord({state[0]: Array(np.ascontiguousarray(state[1]))}),
            w.CONFIG: ConfigRecord({w.ROUND: round_}),
        }
    )
    messages = [Message(content=content, message_type=kind, dst_node_id=n) for n in nodes]
    replies = [_read(r, names, registered) for r in grid.send_and_receive(messages, timeout=timeout)]
    answered = {r.node_id for r in replies}
    replies += [NodeReply(n, names.get(n, str(n)), "no_reply") for n in nodes if n not in answered]
    # By name, not by Flower's random node ids: the same training sums in the same order every time.
    return sorted(replies, key=lambda r: (r.name, r.node_id))


def secure_exchange(
    grid: Grid,
    spec: TrainingSpec,
    nodes: Sequence[int],
    state: tuple[str, FloatArray],
    round_: int,
    *,
    timeout: float,
    names: dict[int, str],
    registered: Mapping[int, str] | None = None,
) -> tuple[list[NodeReply], FloatArray, str]:
    """A training round under SecAgg+: the replies (no node's release among them), the next model
    from the unmasked sum (unchanged when the round was skipped) and why it was skipped."""
    result = secure_sum(grid, nodes, state, round_, timeout=timeout)
    replies = [_read(m, names, registered) for m in result.replies]
    for reply in replies:
        if reply.status == w.TRAINED and reply.node_id not in result.summed:
            reply.status, reply.reason = "skipped", result.skipped or "its masked vector was not summed"
    answered = {r.node_id for r in replies}
    replies += [
        NodeReply(n, names.get(n, str(n)), "no_reply" if why == "no reply" else "error", why)
        for n, why in result.dropped.items()
        if n not in answered
    ]
    following = state[1] if result.total is None else from_sum(spec, state[1], result.total)
    return sorted(replies, key=lambda r: (r.name, r.node_id)), following, result.skipped


def aggregate(spec: TrainingSpec, state: FloatArray, replies: Iterable[NodeReply]) -> FloatArray:
    """The next global model from the nodes that trained (unchanged when none did)."""
    trained = [r for r in replies if r.status == w.TRAINED]
    if not trained:
        return state
    if spec.model == "kmeans":
        sums = np.sum([r.arrays[w.SUMS] for r in trained], axis=0)
        counts = np.sum([r.arrays[w.COUNTS] for r in trained], axis=0)
        return kmeans_update(state, sums, counts)
    return weighted_mean([r.arrays[w.WEIGHTS] for r in trained], [r.people for r in trained])


def validation(spec: TrainingSpec, replies: Iterable[NodeReply], *, min_count: int) -> dict[str, Any]:
    """The network's validation from what the nodes released: AUROC and calibration (binary), or
    cluster sizes (k-means; a size below ``min_count`` shown as None, never as a number)."""
    evaluated = [r for r in replies if r.status == w.EVALUATED]
    if spec.model == "kmeans":
        if not evaluated:
            return {"cluster_sizes": None}
        counts = np.sum([r.arrays[w.COUNTS] for r in evaluated], axis=0)
        partial = np.any([r.arrays["suppressed"] > 0 for r in evaluated], axis=0)
        return {
            "cluster_sizes": released_sizes([int(c) for c in counts], min_count=min_count),
            "sizes_partial": [bool(p) for p in partial],
        }
    if not evaluated:
        return {"auroc": None, "calibration": None}
    positives = np.sum([r.arrays[w.POSITIVES] for r in evaluated], axis=0).astype(np.int64)
    negatives = np.sum([r.arrays[w.NEGATIVES] for r in evaluated], axis=0).astype(np.int64)
    if spec.task == "survival":
        return _per_interval(spec, positives, negatives)
    if positives.ndim == 2:
        return _one_vs_rest(positives, negatives)
    if positives.sum() == 0 or negatives.sum() == 0:
        return {"auroc": None, "calibration": None}
    coarse = len(positives) // w.CALIBRATION_BINS
    return {
        "auroc": auroc(positives, negatives),
        "calibration": [
            list(c)
            for c in calibration(
                positives.reshape(w.CALIBRATION_BINS, coarse).sum(axis=1),
                negatives.reshape(w.CALIBRATION_BINS, coarse).sum(axis=1),
                w.CALIBRATION_BINS,
            )
        ],
    }


def _one_vs_rest(positives: IntArray, negatives: IntArray) -> dict[str, Any]:
    """Multiclass: each class's AUROC against the rest (None where no node released it), and
    their mean over the classes that have one."""
    per_class, mean = _row_aurocs(positives, negatives)
    return {"auroc": mean, "auroc_per_class": per_class, "calibration": None}


def _per_interval(spec: TrainingSpec, positives: IntArray, negatives: IntArray) -> dict[str, Any]:
    """Survival: each interval's AUROC of the predicted hazard, events in it against the rest at
    risk (None where no node released it), and their mean over the intervals that have one."""
    per_interval, mean = _row_aurocs(positives, negatives)
    return {
        "auroc": mean,
        "auroc_per_interval": per_interval,
        "interval_ends": list(spec.intervals),
        "calibration": None,
    }


def _row_aurocs(positives: IntArray, negatives: IntArray) -> tuple[list[float | None], float | None]:
    """Each row's AUROC (None where no node released both sides) and their mean over the rows
    that have one."""
    rows = [
        auroc(p, n) if p.sum() > 0 and n.sum() > 0 else None
        for p, n in zip(positives, negatives, strict=True)
    ]
    known = [a for a in rows if a is not None]
    return rows, (sum(known) / len(known) if known else None)


def run_training(
    grid: Grid,
    spec: TrainingSpec,
    *,
    nodes: Sequence[int],
    timeout: float,
    progress: Reporter,
    min_count: int,
    min_nodes: int = 1,
    registered: Mapping[int, str] | None = None,
) -> tuple[FloatArray | None, dict[str, Any]]:
    """All rounds and the final validation; returns the global model and the validation, each None
    or withheld when fewer than ``min_nodes`` nodes contributed to it (a "network" figure of one
    node would be that node's own)."""
    names: dict[int, str] = dict(registered or {})
    key, state = state_key(spec), initial_state(spec)
    fewest = len(nodes)
    if spec.secure_aggregation:
        check_secure_nodes(len(nodes))
    for round_ in range(1, spec.rounds + 1):
        skipped = ""
        if spec.secure_aggregation:
            replies, state, skipped = secure_exchange(
                grid, spec, nodes, (key, state), round_, timeout=timeout, names=names, registered=registered
            )
        else:
            replies = exchange(
                grid,
                nodes,
                MessageType.TRAIN,
                (key, state),
                round_,
                timeout=timeout,
                names=names,
                registered=registered,
            )
            state = aggregate(spec, state, replies)
        fewest = min(fewest, sum(r.status == w.TRAINED for r in replies))
        progress.write(
            "round",
            round=round_,
            rounds=spec.rounds,
            trained=sum(r.status == w.TRAINED for r in replies),
            nodes=[r.summary() for r in replies],
            **({"skipped": skipped} if skipped else {}),
        )
    replies = exchange(
        grid,
        nodes,
        MessageType.EVALUATE,
        (key, state),
        spec.rounds,
        timeout=timeout,
        names=names,
        registered=registered,
    )
    evaluated = sum(r.status == w.EVALUATED for r in replies)
    if fewest < min_nodes:
        metrics: dict[str, Any] = {"withheld": f"fewer than {min_nodes} nodes contributed to every round"}
    elif evaluated < min_nodes:
        metrics = {"withheld": f"fewer than {min_nodes} nodes released a validation"}
    else:
        metrics = validation(spec, replies, min_count=min_count)
    metrics["nodes"] = [r.summary() for r in replies]
    return (state if fewest >= min_nodes else None), metrics
