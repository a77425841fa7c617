"""Kaplan–Meier and log-rank from per-bin counts, proven equal to lifelines on the pooled binned rows."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter
from lifelines.statistics import logrank_test

from pmbridge.analytics._grid import bin_index
from pmbridge.analytics._km import KaplanMeierTable, combine_km, kaplan_meier, km_table, logrank
from pmbridge.analytics._protocol import part_from_wire, part_to_wire
from pmbridge.errors import DisclosureRefused, QueryError

from .survival_sim import binned, grid_for, pooled, three_nodes

NODES = three_nodes()


def _pooled_table(edges: tuple[float, ...], *, min_count: int, grouped: bool = False) -> KaplanMeierTable:
    return combine_km(
        [
            km_table(r.time, r.event, edges=edges, min_count=min_count, group=r.group if grouped else None)
            for r in NODES
        ]
    )


def _assert_equals_lifelines(edges: tuple[float, ...], *, min_count: int) -> float:
    (curve,) = kaplan_meier(_pooled_table(edges, min_count=min_count))
    rows = pooled(NODES)
    kmf = KaplanMeierFitter().fit(binned(rows.time, edges), rows.event)
    times = list(curve.times)
    survival = kmf.survival_function_["KM_estimate"].loc[times].to_numpy()
    ci = kmf.confidence_interval_.loc[times].to_numpy()
    greenwood = np.sqrt(kmf._cumulative_sq_.loc[times].to_numpy()) * survival
    table = kmf.event_table.loc[times]
    worst = max(
        np.max(np.abs(survival - curve.survival)),
        np.max(np.abs(ci[:, 0] - curve.lower)),
        np.max(np.abs(ci[:, 1] - curve.upper)),
        np.max(np.abs(greenwood - curve.se)),
    )
    assert worst < 1e-9
    assert list(curve.at_risk) == table["at_risk"].tolist()
    assert list(curve.events) == table["observed"].tolist()
    return worst


def test_unbinned_km_equals_lifelines() -> None:
    edges = grid_for(NODES, bin_days=1, min_count=1)
    assert edges == tuple(float(d) for d in range(int(edges[-1]) + 1))  # 1-day bins: exact days
    worst = _assert_equals_lifelines(edges, min_count=1)
    print(f"KM, 1-day bins: max |Δ| vs lifelines = {worst:.2e}")


def test_binned_km_equals_lifelines_on_binned_times_and_stays_near_the_exact_curve() -> None:
    edges = grid_for(NODES, bin_days=7, min_count=5, two_rounds=True)
    worst = _assert_equals_lifelines(edges, min_count=5)
    (exact,) = kaplan_meier(_pooled_table(grid_for(NODES, bin_days=1, min_count=1), min_count=1))
    (coarse,) = kaplan_meier(_pooled_table(edges, min_count=5))
    (weekly,) = kaplan_meier(_pooled_table(grid_for(NODES, bin_days=7, min_count=1), min_count=1))
    days = np.arange(0, int(edges[-1]) + 1)
    rows = pooled(NODES)
    at_risk = np.array([(rows.time >= d).sum() for d in days])

    def step(curve) -> np.ndarray:
        return np.concatenate([[1.0], curve.survival])[np.searchsorted(curve.times, days, side="right")]

    gap, gap_weekly = np.abs(step(coarse) - step(exact)), np.abs(step(weekly) - step(exact))
    half = at_risk >= len(rows.time) / 2
    tenth = at_risk >= len(rows.time) / 10
    print(
        f"KM, 7-day bins, min count 5 ({len(edges) - 1} common bins): max |Δ| vs lifelines = {worst:.2e}; "
        f"max |ΔS(t)| vs the exact-day curve = {gap.max():.4f} overall, {gap[tenth].max():.4f} while "
        f"≥ 10 % are at risk, {gap[half].max():.4f} while ≥ 50 %; weekly bins without merging: "
        f"{gap_weekly.max():.4f}"
    )
    assert gap_weekly.max() <= 0.02
    assert gap[half].max() <= 0.05


def test_groups_and_logrank_equal_lifelines() -> None:
    rows = pooled(NODES)
    for bin_days, min_count in ((1, 1), (7, 5)):
        edges = grid_for(NODES, bin_days=bin_days, min_count=min_count, grouped=True)
        table = _pooled_table(edges, min_count=min_count, grouped=True)
        result = logrank(table)
        t = binned(rows.time, edges)
        g = rows.group == 1
        oracle = logrank_test(t[~g], t[g], rows.event[~g], rows.event[g])
        assert result.chi2 == pytest.approx(oracle.test_statistic, rel=1e-10)
        assert result.p == pytest.approx(oracle.p_value, rel=1e-8)
        assert sum(result.observed) == pytest.approx(sum(result.expected))
        for label, curve in enumerate(kaplan_meier(table)):
            assert curve.group == label
            member = rows.group == label
            kmf = KaplanMeierFitter().fit(t[member], rows.event[member])
            expected = kmf.survival_function_["KM_estimate"].loc[list(curve.times)].to_numpy()
            np.testing.assert_allclose(curve.survival, expected, atol=1e-12)


def test_a_group_with_few_events_in_a_bin_is_refused() -> None:
    time = [1, 2, 3, 4, 5, 6, 8, 9, 10]
    event = [1] * 9
    group = [0, 0, 0, 0, 0, 1, 1, 1, 1]
    km_table(time, event, edges=(0, 7, 14), min_count=1, group=group)
    with pytest.raises(DisclosureRefused, match="event_time_bins"):
        km_table(time, event, edges=(0, 7, 14), min_count=2, group=group)  # group 1: 1 event in week 1
    with pytest.raises(DisclosureRefused) as info:
        km_table(time, event, edges=(0, 14), min_count=5, group=group)  # group 1: 4 events in all
    assert info.value.rule == "too_few_events"
    with pytest.raises(DisclosureRefused, match="do not cover"):
        km_table([*time, 20], [*event, 0], edges=(0, 7, 14), min_count=1)


def test_tables_travel_as_json_and_malformed_ones_are_refused() -> None:
    edges = grid_for(NODES, bin_days=7, min_count=5, grouped=True)
    tables = [km_table(r.time, r.event, edges=edges, min_count=5, group=r.group) for r in NODES]
    back = [part_from_wire(KaplanMeierTable, part_to_wire(t)) for t in tables]
    assert kaplan_meier(combine_km(back)) == kaplan_meier(combine_km(tables))
    assert logrank(combine_km(back)) == logrank(combine_km(tables))
    bad = KaplanMeierTable(edges, True, tables[0].at_risk, tables[0].events + 0.5, tables[0].censored)
    with pytest.raises(QueryError, match="whole counts"):
        combine_km([tables[1], bad])
    with pytest.raises(QueryError, match="different grids"):
        combine_km(
            [tables[0], km_table(NODES[0].time, NODES[0].event, edges=edges[:-2] + edges[-1:], min_count=5)]
        )
    edges = grid_for(NODES, bin_days=7, min_count=5)
    with pytest.raises(QueryError, match="two groups"):
        logrank(km_table(NODES[0].time, NODES[0].event, edges=edges, min_count=5))


def test_binned_time_is_the_upper_edge() -> None:
    edges = (0.0, 7.0, 14.0)
    assert binned(np.array([1.0, 7.0, 7.5, 14.0]), edges).tolist() == [7.0, 7.0, 14.0, 14.0]
    assert bin_index(np.array([7.0]), edges).tolist() == [0]


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(st.tuples(st.integers(1, 60), st.booleans(), st.integers(0, 1)), min_size=1, max_size=50),
    cuts=st.sets(st.integers(1, 59), max_size=8),
    min_count=st.integers(1, 5),
)
def test_no_released_bin_holds_between_1_and_k_minus_1_events(rows, cuts, min_count) -> None:
    """Whatever grid a hub asks for, a node's table either is refused or holds, per group and bin,
    0 or at least the min count of events."""
    time = [float(r[0]) for r in rows]
    event = [int(r[1]) for r in rows]
    group = [r[2] for r in rows]
    edges = (0.0, *sorted(float(c) for c in cuts), 60.0)
    try:
        table = km_table(time, event, edges=edges, min_count=min_count, group=group)
    except DisclosureRefused:
        return
    assert np.all((table.events == 0) | (table.events >= min_count))
