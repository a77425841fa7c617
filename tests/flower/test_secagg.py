"""Secure aggregation (SecAgg+): the hub's unmasked sum is the plain sum to quantisation error, a
node's masked vector shows nothing of its release, dropouts are survived down to the threshold and
below it the round is skipped with the model unchanged."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Sequence
from typing import Any, cast

import numpy as np
import pytest
from flwr.app import Array, ArrayRecord, ConfigRecord, Context, Message, RecordDict, UserConfigValue
from flwr.clientapp import ClientApp
from flwr.common import bytes_to_ndarray
from flwr.common.secure_aggregation.secaggplus_constants import RECORD_KEY_CONFIGS, Key, Stage
from flwr.serverapp import Grid
from flwr.supercore.task_identity import TaskIdentity
from hypothesis import given, settings
from hypothesis import strategies as st

from pmbridge.errors import QueryError
from pmbridge.flower import _wire as w
from pmbridge.flower._client_app import make_client_app
from pmbridge.flower._hub_rounds import (
    aggregate,
    exchange,
    initial_state,
    run_training,
    secure_exchange,
    state_key,
)
from pmbridge.flower._node_round import NodeData
from pmbridge.flower._secagg import (
    CLIPPING_RANGE,
    MOD_RANGE,
    PEOPLE_SCALE,
    TARGET_RANGE,
    check_secure_nodes,
    release_vectors,
    secure_sum,
    secure_training_mod,
    threshold,
)
from pmbridge.learning import (
    TrainingSpec,
    design_matrix,
    parse_training,
    spec_digest,
    spec_from_wire,
    spec_to_wire,
    training_schema,
)
from pmbridge.learning._dp import NodePrivacy
from tests.flower.cohort import SECRET

BINARY = {
    "task": "binary",
    "features": ["age", "male"],
    "label": "seizure",
    "variables": {"seizure": {"phenotype": "HP:0001250"}},
    "rounds": 3,
    "learning_rate": 2.0,
}
CLUSTERS = {"task": "clustering", "features": ["age", "male"], "clusters": 3, "rounds": 3}
SIZES = {"rome": 120, "lyon": 80, "kiel": 200, "oslo": 60}
"""People per node: each trains on 80% of them."""
TOLERANCE = 0.01
"""Quantisation moves each node's scaled release by at most one level (1/32 of a person × unit); over
these nodes' hundreds of people (a k-means cluster's tens), that is well within 0.01."""


@pytest.fixture(autouse=True)
def hub_identity() -> Iterator[None]:
    """Flower stamps every Message with the running task's identity, which a ServerApp has."""
    saved = (TaskIdentity._run_id, TaskIdentity._node_id, TaskIdentity._task_id)
    TaskIdentity.run_id, TaskIdentity.node_id, TaskIdentity.task_id = 7, 0, 1
    yield
    TaskIdentity._run_id, TaskIdentity._node_id, TaskIdentity._task_id = saved


def node_data(spec: TrainingSpec, name: str, n: int, *, min_count: int = 5) -> NodeData:
    rng = np.random.default_rng(sum(map(ord, name)))
    age, male = rng.uniform(0, 100, n), rng.integers(0, 2, n).astype(np.float64)
    seizure = (rng.random(n) < 1 / (1 + np.exp(-(-2.5 + 0.05 * age + male)))).astype(np.float64)
    design = design_matrix(spec, {"age": age, "male": male, "seizure": seizure}, np.arange(n, dtype=np.int64))
    return NodeData(name, design, SECRET, NodePrivacy(epsilon=None, min_count=min_count), run="run-1")


class LocalGrid:
    """Flower's Grid in one process: each node's ClientApp answers in turn, keeping its Context
    (Flower keeps a node's context between a run's messages); ``lose`` drops a node's replies from
    the stage it names on; ``seen`` is every reply the hub got."""

    def __init__(self, spec: TrainingSpec, sizes: dict[str, int], *, min_count: int = 5) -> None:
        self.names = dict(enumerate(sizes, start=11))
        data = {name: node_data(spec, name, n, min_count=min_count) for name, n in sizes.items()}
        fixed: dict[str, UserConfigValue] = {w.SPEC: json.dumps(spec_to_wire(spec)), w.RUN_DIGEST: "run-1"}
        # One ClientApp per node, as each node runs its own.
        self.apps = {
            node: make_client_app(lambda _context, _spec, name=name: data[name], fixed=fixed)
            for node, name in self.names.items()
        }
        self.contexts = {
            node: Context(7, node, {"name": name}, RecordDict(), {}) for node, name in self.names.items()
        }
        self.lose: dict[str, str] = {}
        self.seen: list[Message] = []

    def get_node_ids(self) -> list[int]:
        return list(self.names)

    def send_and_receive(self, messages: Sequence[Message], *, timeout: float | None = None) -> list[Message]:
        replies = []
        for message in messages:
            node = message.metadata.dst_node_id
            config = message.content.config_records.get(RECORD_KEY_CONFIGS)
            stage = str(config[Key.STAGE]) if config is not None else "plain"
            stages = Stage.all()
            gone = self.lose.get(self.names[node])
            if gone is not None and stage in stages and stages.index(stage) >= stages.index(gone):
                continue
            reply = self.apps[node](message, self.contexts[node])
            self.seen.append(reply)
            replies.append(reply)
        return replies

    @property
    def grid(self) -> Grid:
        return cast(Grid, self)


def in_clear(spec: TrainingSpec) -> TrainingSpec:
    """The same training without secure aggregation (a secure one's nodes answer nothing in clear)."""
    return dataclasses.replace(spec, secure_aggregation=False)


def one_round(spec: TrainingSpec, local: LocalGrid, *, secure: bool) -> tuple[np.ndarray, Any]:
    start = (state_key(spec), initial_state(spec))
    names: dict[int, str] = {}
    nodes = local.get_node_ids()
    if secure:
        replies, following, skipped = secure_exchange(
            local.grid, spec, nodes, start, 1, timeout=5.0, names=names
        )
        return following, (replies, skipped)
    replies = exchange(local.grid, nodes, "train", start, 1, timeout=5.0, names=names)
    return aggregate(spec, start[1], replies), replies


@pytest.mark.parametrize("request_", [BINARY, CLUSTERS], ids=["linear", "kmeans"])
def test_the_unmasked_sum_is_the_plain_sum_to_quantisation_error(request_: dict[str, Any]) -> None:
    spec = parse_training({**request_, "secure_aggregation": True})
    plain, _ = one_round(spec, LocalGrid(in_clear(spec), SIZES), secure=False)
    secure, (replies, skipped) = one_round(spec, LocalGrid(spec, SIZES), secure=True)
    assert not skipped
    assert [r.status for r in replies] == [w.TRAINED] * 4
    assert not np.array_equal(secure, initial_state(spec))
    np.testing.assert_allclose(secure, plain, atol=TOLERANCE)


def test_the_hub_never_receives_a_release_or_a_people_count() -> None:
    spec = parse_training({**BINARY, "secure_aggregation": True})
    local = LocalGrid(spec, SIZES)
    one_round(spec, local, secure=True)
    assert local.seen
    for reply in local.seen:
        assert not reply.has_error()
        assert not any(len(record) for record in reply.content.array_records.values())
        assert not reply.content.metric_records
        assert set(reply.content.config_records) <= {RECORD_KEY_CONFIGS, w.NODE}
        node = reply.content.config_records.get(w.NODE)
        assert node is None or set(node) == {"name", "status"}


def masked_and_plain(spec: TrainingSpec) -> tuple[np.ndarray, np.ndarray]:
    """Rome's masked vector as the hub received it, and its plain release quantised."""
    local = LocalGrid(spec, SIZES)
    one_round(spec, local, secure=True)
    rome = next(n for n, name in local.names.items() if name == "rome")
    masked = next(
        r
        for r in local.seen
        if r.metadata.src_node_id == rome
        and Key.MASKED_PARAMETERS in r.content.config_records.get(RECORD_KEY_CONFIGS, {})
    )
    vector = [
        bytes_to_ndarray(b)
        for b in cast(list[bytes], masked.content.config_records[RECORD_KEY_CONFIGS][Key.MASKED_PARAMETERS])
    ]
    plain_reply = LocalGrid(in_clear(spec), {"rome": SIZES["rome"]})
    reply = plain_reply.apps[11](
        Message(
            RecordDict(
                {
                    w.ARRAYS: ArrayRecord({state_key(spec): Array(initial_state(spec))}),
                    w.CONFIG: ConfigRecord({w.ROUND: 1}),
                }
            ),
            dst_node_id=11,
            message_type="train",
        ),
        plain_reply.contexts[11],
    )
    arrays = {k: a.numpy() for k, a in reply.content.array_records[w.ARRAYS].items()}
    release = np.concatenate([np.ravel(v) for v in release_vectors(arrays, 0.0)])
    quantised = np.round(
        (np.clip(release, -CLIPPING_RANGE, CLIPPING_RANGE) + CLIPPING_RANGE)
        * TARGET_RANGE
        / 2
        / CLIPPING_RANGE
    )
    return np.concatenate([np.ravel(v) for v in vector[1:]]).astype(np.int64), quantised.astype(np.int64)


def test_a_node_s_masked_vector_differs_from_its_release_by_a_mask_without_structure() -> None:
    spec = parse_training({**CLUSTERS, "clusters": 20, "secure_aggregation": True})
    masked, plain = masked_and_plain(spec)
    assert masked.shape == plain.shape and len(plain) > 40
    mask = (masked - plain) % MOD_RANGE
    # The release is small integers just above 2**25 (quantised sums); what the hub holds is spread
    # over the whole of [0, 2**32): few values lie near their plain counterparts (1/32 would by
    # chance), the mask is uniform (a chi-square over 8 equal bins) and uncorrelated with the release.
    assert np.mean(np.abs(masked - plain) < TARGET_RANGE) < 0.2
    counts = np.bincount((mask * 8 // MOD_RANGE).astype(np.int64), minlength=8)
    expected = len(mask) / 8
    assert ((counts - expected) ** 2 / expected).sum() < 24.3  # chi-square, 7 df, p = 0.001
    assert abs(np.corrcoef(masked.astype(np.float64), plain.astype(np.float64))[0, 1]) < 0.5


def test_a_node_that_sits_out_or_drops_after_sharing_keys_leaves_the_sum_of_the_others() -> None:
    spec = parse_training({**BINARY, "secure_aggregation": True})
    # Oslo takes part in setup and key sharing, then drops (or, with too few people, sits out):
    # its pairwise masks must still cancel.
    others = {k: v for k, v in SIZES.items() if k != "oslo"}
    plain, _ = one_round(spec, LocalGrid(in_clear(spec), others), secure=False)
    local = LocalGrid(spec, SIZES)
    local.lose = {"oslo": Stage.COLLECT_MASKED_VECTORS}
    secure, (replies, skipped) = one_round(spec, local, secure=True)
    assert not skipped
    # Oslo never got to say its name in this training, so the hub lists it by its Flower id.
    assert {r.name: r.status for r in replies} == {
        "rome": w.TRAINED, "lyon": w.TRAINED, "kiel": w.TRAINED, "14": "no_reply"
    }  # fmt: skip
    np.testing.assert_allclose(secure, plain, atol=TOLERANCE)

    small = LocalGrid(spec, {**others, "oslo": 4})  # 3 training people < min_count 5: sits out
    secure, (replies, skipped) = one_round(spec, small, secure=True)
    assert not skipped
    assert {r.name: r.status for r in replies}["oslo"] == w.SAT_OUT
    np.testing.assert_allclose(secure, plain, atol=TOLERANCE)


@pytest.mark.parametrize("stage", [Stage.SETUP, Stage.SHARE_KEYS, Stage.COLLECT_MASKED_VECTORS, Stage.UNMASK])
def test_below_the_threshold_the_round_is_skipped_and_the_model_unchanged(stage: str) -> None:
    spec = parse_training({**BINARY, "secure_aggregation": True})
    sizes = {"rome": 120, "lyon": 80, "kiel": 200}
    local = LocalGrid(spec, sizes)
    local.lose = {"rome": stage, "lyon": stage}
    following, (replies, skipped) = one_round(spec, local, secure=True)
    assert np.array_equal(following, initial_state(spec))
    assert "fewer than the 2 it needs" in skipped
    assert not any(r.status == w.TRAINED for r in replies)


def test_a_whole_secure_training_gives_the_plain_training_s_model() -> None:
    rows: list[dict[str, Any]] = []

    class Rows:
        def write(self, event: str, **fields: Any) -> None:
            rows.append({"event": event, **fields})

    results = []
    for secure in (False, True):
        the_spec = parse_training({**BINARY, "rounds": 4, "secure_aggregation": secure})
        local = LocalGrid(the_spec, SIZES)
        model, metrics = run_training(
            local.grid,
            the_spec,
            nodes=local.get_node_ids(),
            timeout=5.0,
            progress=Rows(),
            min_count=5,
            min_nodes=3,
        )
        assert model is not None
        results.append((model, metrics))
    (plain, plain_metrics), (secure_model, secure_metrics) = results
    np.testing.assert_allclose(secure_model, plain, atol=4 * TOLERANCE)
    assert secure_metrics["auroc"] == pytest.approx(plain_metrics["auroc"], abs=0.01)
    assert all(row["trained"] == 4 for row in rows if row["event"] == "round")


def test_secure_aggregation_needs_three_nodes_and_a_boolean() -> None:
    with pytest.raises(QueryError, match="needs 3 to 63 nodes"):
        check_secure_nodes(2)
    check_secure_nodes(3)
    assert [threshold(n) for n in (3, 5, 9)] == [2, 3, 5]
    with pytest.raises(QueryError, match="true or false"):
        parse_training({**BINARY, "secure_aggregation": "yes"})
    assert parse_training(BINARY).secure_aggregation is False


def test_a_secure_training_over_two_nodes_fails_with_the_fix() -> None:
    spec = parse_training({**BINARY, "secure_aggregation": True})
    local = LocalGrid(spec, {"rome": 100, "lyon": 100})

    class Quiet:
        def write(self, event: str, **fields: Any) -> None:
            pass

    with pytest.raises(QueryError, match="secure aggregation needs 3"):
        run_training(local.grid, spec, nodes=local.get_node_ids(), timeout=5.0, progress=Quiet(), min_count=5)


class ReleaseGrid:
    """Nodes whose training step releases the given k-means sums and counts, under the secure mod."""

    def __init__(self, releases: dict[int, tuple[np.ndarray, np.ndarray]], lost: set[int]) -> None:
        self.apps = {}
        for node, (sums, counts) in releases.items():
            app = ClientApp()

            def step(message: Message, _context: Context, sums: Any = sums, counts: Any = counts) -> Message:
                content = RecordDict(
                    {
                        w.NODE: ConfigRecord({"name": "n", "status": w.TRAINED}),
                        w.ARRAYS: ArrayRecord({w.SUMS: Array(sums), w.COUNTS: Array(counts)}),
                    }
                )
                return Message(content, reply_to=message)

            app.train(mods=[secure_training_mod])(step)
            self.apps[node] = app
        self.contexts = {node: Context(7, node, {}, RecordDict(), {}) for node in releases}
        self.lost = lost

    def send_and_receive(self, messages: Sequence[Message], *, timeout: float | None = None) -> list[Message]:
        replies = []
        for message in messages:
            node = message.metadata.dst_node_id
            stage = message.content.config_records[RECORD_KEY_CONFIGS][Key.STAGE]
            if node in self.lost and stage in (Stage.COLLECT_MASKED_VECTORS, Stage.UNMASK):
                continue
            replies.append(self.apps[node](message, self.contexts[node]))
        return replies


@settings(max_examples=12, deadline=None)
@given(
    count=st.integers(3, 6),
    seed=st.integers(0, 2**32 - 1),
    lost=st.sets(st.integers(0, 5), max_size=3),
)
def test_any_releases_sum_exactly_as_sent_whoever_drops_after_sharing_keys(
    count: int, seed: int, lost: set[int]
) -> None:
    rng = np.random.default_rng(seed)
    nodes = list(range(21, 21 + count))
    releases = {
        n: (rng.uniform(0, 500, (3, 2)).round(3), rng.integers(0, 500, 3).astype(np.float64)) for n in nodes
    }
    gone = {nodes[i] for i in lost if i < count}
    result = secure_sum(
        cast(Grid, ReleaseGrid(releases, gone)), nodes, (w.CENTROIDS, np.zeros((3, 2))), 1, timeout=1.0
    )
    kept = [n for n in nodes if n not in gone]
    if len(kept) < threshold(count):
        assert result.total is None and "skipped the round" in result.skipped
        return
    assert result.total is not None and result.summed == set(kept)
    sums, counts = (np.asarray(a) * PEOPLE_SCALE for a in result.total)
    # Stochastic rounding moves each node's value by less than one level (1/32 here).
    np.testing.assert_allclose(sums, sum(releases[n][0] for n in kept), atol=len(kept) / 32)
    np.testing.assert_allclose(counts, sum(releases[n][1] for n in kept), atol=len(kept) / 32)


def test_a_secure_training_s_round_is_never_answered_in_clear() -> None:
    spec = parse_training({**BINARY, "secure_aggregation": True})
    local = LocalGrid(spec, SIZES)
    one_round(spec, local, secure=True)  # round 1 answered under SecAgg+ (and cached at the node)
    names: dict[int, str] = {}
    start = (state_key(spec), initial_state(spec))
    replies = exchange(local.grid, local.get_node_ids(), "train", start, 1, timeout=5.0, names=names)
    assert {r.status for r in replies} == {w.SAT_OUT}
    assert {r.rule for r in replies} == {"secure_aggregation"}
    assert not any(r.arrays for r in replies)


@pytest.mark.parametrize(
    "change",
    [
        {Key.THRESHOLD: 1},
        {Key.SAMPLE_NUMBER: 2, Key.SHARE_NUMBER: 2, Key.THRESHOLD: 2},
        {Key.SHARE_NUMBER: 3},
        {Key.CLIPPING_RANGE: 1e9},
    ],
    ids=["threshold-1", "two-nodes", "few-shares", "other-quantisation"],
)
def test_a_node_refuses_settings_that_would_let_the_hub_unmask_it_alone(change: dict[str, Any]) -> None:
    spec = parse_training({**BINARY, "secure_aggregation": True})
    local = LocalGrid(spec, SIZES)
    node = local.get_node_ids()[0]
    config = {
        Key.STAGE: Stage.SETUP,
        Key.SAMPLE_NUMBER: 5,
        Key.SHARE_NUMBER: 5,
        Key.THRESHOLD: 3,
        Key.CLIPPING_RANGE: CLIPPING_RANGE,
        Key.TARGET_RANGE: TARGET_RANGE,
        Key.MOD_RANGE: MOD_RANGE,
        Key.MAX_WEIGHT: 1.0,
    }
    fair = Message(
        RecordDict({RECORD_KEY_CONFIGS: ConfigRecord(config)}), dst_node_id=node, message_type="train"
    )
    assert (
        Key.PUBLIC_KEY_1
        in local.apps[node](fair, local.contexts[node]).content.config_records[RECORD_KEY_CONFIGS]
    )
    unfair = Message(
        RecordDict({RECORD_KEY_CONFIGS: ConfigRecord({**config, **change})}),
        dst_node_id=node,
        message_type="train",
    )
    with pytest.raises(QueryError, match="unmask fewer than a majority"):
        local.apps[node](unfair, local.contexts[node])


def test_the_request_s_flag_travels_to_the_nodes_and_into_the_digest() -> None:
    secure = parse_training({**BINARY, "secure_aggregation": True})
    assert spec_from_wire(json.loads(json.dumps(spec_to_wire(secure)))) == secure
    assert spec_digest(secure) != spec_digest(in_clear(secure))
    assert training_schema()["properties"]["secure_aggregation"] == {"type": "boolean"}
