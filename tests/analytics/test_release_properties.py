"""Privacy invariants of binned outputs as properties: whatever the data, the bin widths a researcher
tries one after another, and whatever edges a tampered hub sends, every cell of the union of all the
edges a node released for the same people holds 0 or at least k event times (and, for Cox, exits)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from pmbridge.analytics import (
    NodePart,
    ProposedEdges,
    Released,
    Step,
    StepKind,
    conduct,
    node_part,
    parse_analysis,
    part_to_wire,
)
from pmbridge.errors import DisclosureRefused, QueryError

K = 5


def cells_pass(times: np.ndarray, edges: list[float]) -> bool:
    """Every (a, b] cell of ``edges`` holds 0 or at least K of ``times``."""
    cell = np.searchsorted(np.asarray(edges), times, side="left")
    counts = np.bincount(cell, minlength=len(edges) + 1)[1 : len(edges)]
    return bool(np.all((counts == 0) | (counts >= K)))


@st.composite
def node_data(draw: st.DrawFn) -> dict[str, np.ndarray]:
    n = draw(st.integers(min_value=30, max_value=120))
    seed = draw(st.integers(min_value=0, max_value=2**31))
    rng = np.random.default_rng(seed)
    time = np.ceil(rng.exponential(draw(st.sampled_from([60.0, 300.0, 900.0])), n))
    event = (rng.random(n) < draw(st.sampled_from([0.3, 0.7]))).astype(float)
    return {"time": time, "event": event, "male": (rng.random(n) < 0.5).astype(float)}


def run_with_memory(
    kind: str,
    bin_days: int,
    nodes: list[dict[str, np.ndarray]],
    memory: list[set[float]],
    exits: list[set[float]],
) -> None:
    """One analysis over the nodes, each node remembering the edges it released, for event times
    and (Cox) for exits, as the node's endpoint does."""
    doc: dict[str, object] = {"analysis": kind, "bin_days": bin_days}
    if kind == "cox":
        doc["formula"] = "~ male"
    spec = parse_analysis(doc)
    plan = conduct(spec, min_nodes=1)
    step = next(plan)
    for _ in range(60):
        parts = []
        for i, data in enumerate(nodes):
            part = node_part(
                spec,
                step,
                data,
                min_count=K,
                max_parameter_ratio=0.33,
                released=Released(tuple(sorted(memory[i])), tuple(sorted(exits[i]))),
            )
            released = set() if isinstance(part, ProposedEdges) else set(step.edges or ())
            memory[i] |= released
            if kind == "cox":
                exits[i] |= released
            parts.append(NodePart(f"n{i}", part_to_wire(part)))
        try:
            step = plan.send(parts)
        except StopIteration:
            return


@given(
    nodes=st.lists(node_data(), min_size=1, max_size=3),
    widths=st.lists(st.sampled_from([1, 2, 3, 7, 10, 14, 30]), min_size=1, max_size=4),
    kinds=st.lists(st.sampled_from(["km", "cox"]), min_size=4, max_size=4),
)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_no_sequence_of_bin_widths_cuts_out_a_small_cell(
    nodes: list[dict[str, np.ndarray]], widths: list[int], kinds: list[str]
) -> None:
    memory: list[set[float]] = [set() for _ in nodes]
    exits: list[set[float]] = [set() for _ in nodes]
    done = 0
    for width, kind in zip(widths, kinds, strict=False):
        try:
            run_with_memory(kind, width, nodes, memory, exits)
            done += 1
        except (DisclosureRefused, QueryError):
            pass  # a refusal releases nothing more
    for data, released, left in zip(nodes, memory, exits, strict=True):
        if released:
            assert cells_pass(data["time"][data["event"] == 1], sorted(released))
        if left:
            assert cells_pass(data["time"], sorted(left))
    note(f"{done} of {len(widths)} analyses answered")


@given(
    data=node_data(),
    edges=st.lists(st.integers(min_value=1, max_value=3000), min_size=1, max_size=40, unique=True),
    bin_days=st.sampled_from([1, 7]),
)
@settings(max_examples=60, deadline=None)
def test_whatever_edges_a_tampered_hub_sends_a_node_releases_no_small_cell(
    data: dict[str, np.ndarray], edges: list[int], bin_days: int
) -> None:
    spec = parse_analysis({"analysis": "km", "bin_days": bin_days})
    grid = (0.0, *sorted(float(e) for e in edges))
    try:
        node_part(spec, Step(StepKind.EVALUATE, edges=grid), data, min_count=K, max_parameter_ratio=0.33)
    except (DisclosureRefused, QueryError):
        return
    assert cells_pass(data["time"][data["event"] == 1], list(grid))
