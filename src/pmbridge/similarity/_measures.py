"""Similarity of two terms from the information content of what they share (Resnik, Lin, Jiang-Conrath).

All three rest on the most informative common ancestor (MICA): what two phenotypes have in common.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum

from pmbridge.similarity._graph import TermGraph

TermSimilarity = Callable[[str, str], float]
"""A similarity of two terms, bound to its graph and information content."""


class TermMeasure(StrEnum):
    """The term similarity measures PM Bridge offers."""

    RESNIK = "resnik"
    LIN = "lin"
    JIANG_CONRATH = "jc"


def resnik(a: str, b: str, *, graph: TermGraph, ic: Mapping[str, float]) -> float:
    """IC of the most informative common ancestor: in ``[0, max IC]``, 0 when only the root is shared.

    >>> graph = TermGraph.from_parents({"r": [], "x": ["r"], "a": ["x"], "b": ["x"]})
    >>> ic = {"r": 0.0, "x": 1.0, "a": 2.0, "b": 3.0}
    >>> resnik("a", "b", graph=graph, ic=ic), resnik("a", "a", graph=graph, ic=ic)
    (1.0, 2.0)
    """
    shared = graph.ancestors(a) & graph.ancestors(b)
    return max((ic[t] for t in shared), default=0.0)


def lin(a: str, b: str, *, graph: TermGraph, ic: Mapping[str, float]) -> float:
    """``2 resnik / (IC(a) + IC(b))``, in ``[0, 1]``; 1 for a term with itself (also the root).

    >>> graph = TermGraph.from_parents({"r": [], "x": ["r"], "a": ["x"], "b": ["x"]})
    >>> ic = {"r": 0.0, "x": 1.0, "a": 2.0, "b": 3.0}
    >>> lin("a", "b", graph=graph, ic=ic), lin("r", "r", graph=graph, ic=ic)
    (0.4, 1.0)
    """
    if a == b:
        return 1.0
    total = ic[a] + ic[b]
    return 2 * resnik(a, b, graph=graph, ic=ic) / total if total > 0 else 0.0


def jiang_conrath(a: str, b: str, *, graph: TermGraph, ic: Mapping[str, float]) -> float:
    """``1 / (1 + IC(a) + IC(b) - 2 resnik)``: Jiang-Conrath distance as a similarity in ``(0, 1]``.

    >>> graph = TermGraph.from_parents({"r": [], "x": ["r"], "a": ["x"], "b": ["x"]})
    >>> ic = {"r": 0.0, "x": 1.0, "a": 2.0, "b": 3.0}
    >>> jiang_conrath("a", "b", graph=graph, ic=ic), jiang_conrath("a", "a", graph=graph, ic=ic)
    (0.25, 1.0)
    """
    distance = ic[a] + ic[b] - 2 * resnik(a, b, graph=graph, ic=ic)
    return 1.0 / (1.0 + max(distance, 0.0))


_MEASURES = {
    TermMeasure.RESNIK: resnik,
    TermMeasure.LIN: lin,
    TermMeasure.JIANG_CONRATH: jiang_conrath,
}


def term_similarity(measure: TermMeasure, *, graph: TermGraph, ic: Mapping[str, float]) -> TermSimilarity:
    """``measure`` bound to ``graph`` and ``ic``, memoised: set similarity asks for the same pairs often.

    >>> graph = TermGraph.from_parents({"r": [], "a": ["r"], "b": ["r"]})
    >>> similar = term_similarity(TermMeasure.LIN, graph=graph, ic={"r": 0.0, "a": 1.0, "b": 1.0})
    >>> similar("a", "b"), similar("a", "a")
    (0.0, 1.0)
    """
    function = _MEASURES[TermMeasure(measure)]
    cache: dict[tuple[str, str], float] = {}

    def similarity(a: str, b: str) -> float:
        key = (a, b) if a <= b else (b, a)  # every measure is symmetric
        found = cache.get(key)
        if found is None:
            found = cache[key] = function(key[0], key[1], graph=graph, ic=ic)
        return found

    return similarity
