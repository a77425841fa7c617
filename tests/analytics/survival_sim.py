"""Simulated survival cohorts for the survival tests: three nodes of different sizes and covariate
mixes, Weibull event times in whole days, administrative and random censoring."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pmbridge.analytics._grid import bin_index, candidate_edges, coarsened_edges, common_edges, proposed_edges

TRUE_BETA = np.array([0.5, -0.4, 0.25])


@dataclass(frozen=True)
class NodeRows:
    x: npt.NDArray[np.float64]
    time: npt.NDArray[np.float64]
    event: npt.NDArray[np.int64]
    group: npt.NDArray[np.int64]


def simulate_node(n: int, *, seed: int, age_shift: float, female_share: float) -> NodeRows:
    """Age (centred, per decade), sex, a biomarker; hazard exp(xβ); median survival ~ 2 years."""
    rng = np.random.default_rng(seed)
    age = rng.normal(age_shift, 1.0, n)
    female = (rng.random(n) < female_share).astype(np.float64)
    marker = rng.normal(0.3 * age_shift, 1.0, n)
    x = np.column_stack([age, female, marker])
    eta = x @ TRUE_BETA
    scale_days, shape = 1000.0, 1.3
    event_time = scale_days * (rng.exponential(1.0, n) * np.exp(-eta)) ** (1 / shape)
    censor_time = np.minimum(rng.uniform(365, 5 * 365, n), rng.exponential(3000, n))
    time = np.ceil(np.minimum(event_time, censor_time))
    event = (event_time <= censor_time).astype(np.int64)
    group = (rng.random(n) < 0.4 + 0.2 * (marker > 0)).astype(np.int64)
    return NodeRows(x, time, event, group)


def three_nodes() -> list[NodeRows]:
    return [
        simulate_node(400, seed=1, age_shift=-0.5, female_share=0.3),
        simulate_node(900, seed=2, age_shift=0.0, female_share=0.5),
        simulate_node(1600, seed=3, age_shift=0.7, female_share=0.65),
    ]


def grid_for(
    nodes: list[NodeRows],
    *,
    bin_days: float,
    min_count: int,
    grouped: bool = False,
    exits: bool = False,
    two_rounds: bool = True,
) -> tuple[float, ...]:
    """The common grid: every node's proposal, then (``two_rounds``) every node's coarsening of the
    hub's candidate, and the hub's common edges of the last replies."""
    groups = [r.group if grouped else None for r in nodes]
    replies = [
        proposed_edges(r.time, r.event, bin_days=bin_days, min_count=min_count, group=g, exits=exits)
        for r, g in zip(nodes, groups, strict=True)
    ]
    if two_rounds:
        candidate = candidate_edges(replies)
        replies = [
            coarsened_edges(
                r.time, r.event, candidate, bin_days=bin_days, min_count=min_count, group=g, exits=exits
            )
            for r, g in zip(nodes, groups, strict=True)
        ]
    return common_edges(replies)


def binned(time: npt.NDArray[np.float64], edges: tuple[float, ...]) -> npt.NDArray[np.float64]:
    """Each time moved to the upper edge of its bin, as the oracle sees it."""
    return np.asarray(edges)[bin_index(time, edges) + 1]


def pooled(nodes: list[NodeRows]) -> NodeRows:
    return NodeRows(
        np.vstack([r.x for r in nodes]),
        np.concatenate([r.time for r in nodes]),
        np.concatenate([r.event for r in nodes]),
        np.concatenate([r.group for r in nodes]),
    )
