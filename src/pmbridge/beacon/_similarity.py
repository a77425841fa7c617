"""Beacon filter ``similarity`` on HPO terms, by distance in the is_a graph (until semantic similarity).

``high`` accepts the term's parents and all their descendants (the term, its siblings and their
subtrees), ``medium`` its grandparents', ``low`` its great-grandparents'. Steps never climb to
"All" (HP:0000001) or "Phenotypic abnormality" (HP:0000118), which would match everyone: a term
whose only parents are those stays where it is.
"""

from __future__ import annotations

from collections.abc import Callable

Ancestors = Callable[[str], frozenset[str]]

STEPS = {"exact": 0, "high": 1, "medium": 2, "low": 3}
TOO_BROAD = frozenset({"HP:0000001", "HP:0000118"})


def parents(term: str, *, ancestors: Ancestors) -> frozenset[str]:
    """The direct is_a parents of ``term``: its ancestors that are below no other of its ancestors.

    >>> tree = {"A": {"A"}, "B": {"B", "A"}, "C": {"C", "B", "A"}}
    >>> sorted(parents("C", ancestors=lambda t: frozenset(tree[t])))
    ['B']
    """
    above = ancestors(term) - {term}
    return frozenset(a for a in above if not any(a in ancestors(b) for b in above if b != a))


def similar_anchors(term: str, similarity: str, *, ancestors: Ancestors) -> tuple[str, ...]:
    """The terms whose descendants count as similar to ``term`` at ``similarity``.

    >>> tree = {"HP:0000118": {"HP:0000118"}, "B": {"B", "HP:0000118"}, "C": {"C", "B", "HP:0000118"}}
    >>> look = lambda t: frozenset(tree[t])
    >>> similar_anchors("C", "high", ancestors=look), similar_anchors("C", "low", ancestors=look)
    (('B',), ('B',))
    """
    frontier = {term}
    for _ in range(STEPS[similarity]):
        climbed: set[str] = set()
        for current in frontier:
            above = parents(current, ancestors=ancestors) - TOO_BROAD
            climbed |= above or {current}
        frontier = climbed
    return tuple(sorted(frontier))
