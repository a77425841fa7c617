"""The common grid of event-time bins: every node's check passes the hub's grid, and refuses finer ones."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmbridge.analytics._grid import (
    base_grid,
    candidate_edges,
    check_bins,
    check_edges,
    coarsened_edges,
    common_edges,
    merged_edges,
    proposed_edges,
)
from pmbridge.analytics._survival_checks import check_enough_events
from pmbridge.errors import DisclosureRefused, QueryError

from .survival_sim import three_nodes

# A node: whole-day follow-up times with an event flag and a group.
node_rows = st.lists(
    st.tuples(st.integers(1, 120), st.booleans(), st.integers(0, 1)), min_size=1, max_size=60
)


def _arrays(rows: list[tuple[int, bool, int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        np.array([r[0] for r in rows], dtype=float),
        np.array([int(r[1]) for r in rows]),
        np.array([r[2] for r in rows]),
    )


def _passes(time, event, edges, *, bin_days, min_count, group=None, exits=False) -> bool:
    try:
        check_edges(time, event, edges, bin_days=bin_days, min_count=min_count, group=group, exits=exits)
    except DisclosureRefused:
        return False
    return True


def test_base_grid_reaches_the_last_time() -> None:
    assert base_grid(21, bin_days=7) == (0.0, 7.0, 14.0, 21.0)
    assert base_grid(21.5, bin_days=7)[-1] == 28.0
    with pytest.raises(QueryError):
        base_grid(10, bin_days=0)


def test_proposal_merges_small_bins_and_a_short_tail() -> None:
    time = [1, 2, 3, 8, 9, 20, 30, 31, 40]
    event = [1, 1, 1, 1, 1, 0, 1, 1, 1]
    # Weeks hold 3, 2, 0, 0, 2, 1 events. At 3, (7, 14] waits for (28, 35], and the short last
    # week joins that bin; at 2, only the last week is short.
    assert proposed_edges(time, event, bin_days=7, min_count=3) == (0.0, 7.0, 42.0)
    assert proposed_edges(time, event, bin_days=7, min_count=2) == (0.0, 7.0, 14.0, 21.0, 28.0, 42.0)


def test_a_node_with_too_few_events_proposes_one_bin_and_is_refused() -> None:
    time, event = [5, 9, 30], [1, 0, 1]
    edges = proposed_edges(time, event, bin_days=7, min_count=5)
    assert edges == (0.0, 35.0)
    with pytest.raises(DisclosureRefused) as info:
        check_enough_events(np.array(event), min_count=5)
    assert info.value.rule == "too_few_events"
    with pytest.raises(DisclosureRefused, match="event_time_bins"):
        check_edges(time, event, edges, bin_days=7, min_count=5)


@pytest.mark.parametrize(
    ("edges", "why"),
    [
        ((0, 7, 7, 42), "strictly increasing"),
        ((0, 14, 7, 42), "strictly increasing"),
        ((0, 7, 35), "longest follow-up"),
        ((7, 14, 42), "first edge must be 0"),
        ((0, 3.5, 42), "not a multiple"),
        ((0, 7, 14, 42), r"holds 2 value\(s\)"),
        ((0,), "at least 2"),
    ],
)
def test_check_edges_refuses_a_bad_or_tampered_grid(edges: tuple[float, ...], why: str) -> None:
    time = [1, 2, 3, 8, 9, 20, 30, 31, 40]
    event = [1, 1, 1, 1, 1, 0, 1, 1, 1]
    with pytest.raises(DisclosureRefused, match=why) as info:
        check_edges(time, event, edges, bin_days=7, min_count=3)
    assert info.value.rule == "event_time_bins"


def test_groups_are_checked_one_by_one() -> None:
    time = [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13]
    event = [1] * 12
    group = [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1]
    # Week 1 holds 6 events, but only 3 per group: passes at min_count 3, refused at 4.
    check_edges(time, event, (0, 7, 14), bin_days=7, min_count=2, group=group)
    with pytest.raises(DisclosureRefused, match="event_time_bins"):
        check_edges(time, event, (0, 7, 14), bin_days=7, min_count=4, group=group)
    # The grouped proposal merges until each group passes.
    assert proposed_edges(time, event, bin_days=7, min_count=4, group=group) == (0.0, 14.0)
    assert proposed_edges(time, event, bin_days=7, min_count=4) == (0.0, 7.0, 14.0)


def test_histogram_bins_use_the_same_merge() -> None:
    ages = [31, 33, 35, 38, 41, 47, 52, 66, 67, 69]
    edges = merged_edges(ages, base_edges=range(30, 80, 10), min_count=3)
    assert edges == (30.0, 40.0, 60.0, 70.0)
    check_bins(ages, edges, min_count=3)
    with pytest.raises(DisclosureRefused, match="histogram_bins"):
        check_bins(ages, range(30, 80, 10), min_count=3)
    with pytest.raises(DisclosureRefused, match="do not cover"):
        check_bins([*ages, 85], edges, min_count=3)


def test_the_candidate_round_gives_a_finer_common_grid() -> None:
    nodes = three_nodes()
    proposals = [proposed_edges(r.time, r.event, bin_days=7, min_count=5) for r in nodes]
    candidate = candidate_edges(proposals)
    replies = [coarsened_edges(r.time, r.event, candidate, bin_days=7, min_count=5) for r in nodes]
    one_round, two_rounds = common_edges(proposals), common_edges(replies)
    for r in nodes:
        check_edges(r.time, r.event, one_round, bin_days=7, min_count=5)
        check_edges(r.time, r.event, two_rounds, bin_days=7, min_count=5)
    assert len(two_rounds) > 2 * len(one_round)
    print(
        f"7-day bins, min count 5: {len(one_round) - 1} common bins in one round, "
        f"{len(two_rounds) - 1} in two"
    )


@settings(max_examples=300, deadline=None)
@given(
    nodes=st.lists(node_rows, min_size=1, max_size=4),
    bin_days=st.sampled_from([1, 7, 30]),
    min_count=st.integers(1, 5),
    grouped=st.booleans(),
    exits=st.booleans(),
)
def test_common_grid_of_passing_nodes_passes_every_node(nodes, bin_days, min_count, grouped, exits) -> None:
    arrays = [_arrays(rows) for rows in nodes]
    passing = []
    for time, event, group in arrays:
        g = group if grouped else None
        edges = proposed_edges(time, event, bin_days=bin_days, min_count=min_count, group=g, exits=exits)
        if _passes(time, event, edges, bin_days=bin_days, min_count=min_count, group=g, exits=exits):
            passing.append((time, event, g, edges))
    if not passing:
        return
    one_round = common_edges([p[3] for p in passing])
    candidate = candidate_edges([p[3] for p in passing])
    replies = [
        coarsened_edges(t, e, candidate, bin_days=bin_days, min_count=min_count, group=g, exits=exits)
        for t, e, g, _ in passing
    ]
    two_rounds = common_edges(replies)
    for time, event, g, _ in passing:
        for grid in (one_round, two_rounds):
            check_edges(time, event, grid, bin_days=bin_days, min_count=min_count, group=g, exits=exits)


@settings(max_examples=300, deadline=None)
@given(rows=node_rows, bin_days=st.sampled_from([1, 7, 30]), min_count=st.integers(2, 5), data=st.data())
def test_any_finer_grid_is_refused(rows, bin_days, min_count, data) -> None:
    """The proposal is the finest grid the node releases: a hub that adds any base-grid edge inside
    it (a tampered, finer grid) is refused."""
    time, event, _ = _arrays(rows)
    proposal = proposed_edges(time, event, bin_days=bin_days, min_count=min_count)
    if not _passes(time, event, proposal, bin_days=bin_days, min_count=min_count):
        return
    extra = [e for e in base_grid(float(time.max()), bin_days=bin_days) if e not in proposal]
    if not extra:
        return
    edge = data.draw(st.sampled_from(extra))
    finer = tuple(sorted({*proposal, edge}))
    assert not _passes(time, event, finer, bin_days=bin_days, min_count=min_count)
