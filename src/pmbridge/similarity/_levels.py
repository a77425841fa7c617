"""Beacon's similarity levels (exact / high / medium / low) as semantic similarity of HPO terms.

A term ``t`` is similar to the query term ``q`` at a level when the most informative common
ancestor of the two carries at least the level's share of ``q``'s own information content:
``IC(MICA(q, t)) >= threshold * IC(q)``. The terms that qualify are exactly the descendants of
``q``'s ancestors whose IC reaches the threshold, so a level is a set of anchor terms and the
store matches "an anchor or any term below it".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum

from pmbridge.similarity._graph import TermGraph


class SimilarityLevel(StrEnum):
    EXACT = "exact"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


THRESHOLDS: Mapping[SimilarityLevel, float] = {
    SimilarityLevel.EXACT: 1.0,
    SimilarityLevel.HIGH: 0.75,
    SimilarityLevel.MEDIUM: 0.5,
    SimilarityLevel.LOW: 0.3,
}
"""Share of the query term's IC that the shared ancestor must carry, per level."""

SimilarAnchors = Callable[[str, str], tuple[str, ...]]
"""``(term, level) -> anchors``: what a Beacon filter with ``similarity`` matches below."""


def similar_anchors(term: str, level: str, *, graph: TermGraph, ic: Mapping[str, float]) -> tuple[str, ...]:
    """The most general ancestors of ``term`` (itself included) whose IC reaches the level's threshold.

    ``exact`` is the term itself. A term with no information (IC 0, e.g. the root) is its own anchor
    at every level: widening it would match everyone.

    >>> graph = TermGraph.from_parents({"r": [], "x": ["r"], "y": ["r"], "a": ["x", "y"]})
    >>> ic = {"r": 0.0, "x": 1.6, "y": 0.8, "a": 2.0}
    >>> similar_anchors("a", "exact", graph=graph, ic=ic), similar_anchors("a", "high", graph=graph, ic=ic)
    (('a',), ('x',))
    >>> similar_anchors("a", "low", graph=graph, ic=ic)
    ('x', 'y')
    """
    floor = THRESHOLDS[SimilarityLevel(level)] * ic[term]
    if level == SimilarityLevel.EXACT or floor <= 0:
        return (term,)
    qualifying = {a for a in graph.ancestors(term) if ic[a] >= floor}
    # IC never grows upwards, so the qualifying ancestors of a term are closed downwards; keep the tops.
    tops = [a for a in qualifying if not any(b in qualifying for b in graph.ancestors(a) if b != a)]
    return tuple(sorted(tops))


def semantic_anchors(graph: TermGraph, ic: Mapping[str, float]) -> SimilarAnchors:
    """:func:`similar_anchors` bound to ``graph`` and ``ic``."""

    def anchors(term: str, level: str) -> tuple[str, ...]:
        return similar_anchors(term, level, graph=graph, ic=ic)

    return anchors
