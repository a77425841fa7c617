"""The two standard ways to score every item of an index against a query, the yardsticks of ours.

Resnik best-match average (symmetric) and hpo3's hypergeometric enrichment, both reproduced exactly
(enrichment given hpo3's population; :class:`DiseaseRanker` passes the current terms instead).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Mapping
from itertools import repeat
from operator import add

from pmbridge.similarity._termsets import TermSetIndex


def hypergeometric_log_sf(observed: int, *, population: int, successes: int, draws: int) -> float:
    """``ln P(X >= observed)`` for X hypergeometric: ``draws`` from ``population`` with ``successes``.

    >>> round(math.exp(hypergeometric_log_sf(2, population=10, successes=3, draws=4)), 6)  # 1/3
    0.333333
    >>> hypergeometric_log_sf(0, population=10, successes=3, draws=4)
    0.0
    >>> hypergeometric_log_sf(4, population=10, successes=3, draws=4)
    -inf
    """
    top = min(successes, draws)
    if observed <= max(0, draws - (population - successes)):
        return 0.0
    if observed > top:
        return -math.inf
    whole = _log_choose(population, draws)
    terms = [
        _log_choose(successes, i) + _log_choose(population - successes, draws - i) - whole
        for i in range(observed, top + 1)
    ]
    peak = max(terms)
    return peak + math.log(math.fsum(math.exp(t - peak) for t in terms))


def _log_choose(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def hypergeometric_scores(query: Collection[str], *, index: TermSetIndex, population: int) -> list[float]:
    """``-ln p`` of each item's enrichment among the query terms, as hpo3's disease enrichment computes it.

    A query term counts for an item when the item's closure holds it (the item has it or a term
    below it). p is the chance of at least that many such terms among ``len(query)`` drawn from
    ``population`` terms (hpo3: all terms, obsolete too; ``DiseaseRanker``: the current ones) of
    which the item's closure holds ``closure_sizes[i]``. Items with no
    query term score 0.
    """
    terms = {t for t in query if t in index.graph}
    counts: Counter[int] = Counter()
    for term in terms:
        counts.update(index.holders(term))
    scores = [0.0] * len(index)
    cache: dict[tuple[int, int], float] = {}
    sizes = index.closure_sizes
    for i, observed in counts.items():
        key = (sizes[i], observed)
        value = cache.get(key)
        if value is None:
            log_p = hypergeometric_log_sf(
                observed, population=population, successes=sizes[i], draws=len(terms)
            )
            value = cache[key] = -log_p
        scores[i] = value
    return scores


def best_match_scores(query: Collection[str], *, index: TermSetIndex, ic: Mapping[str, float]) -> list[float]:
    """Resnik similarity, symmetric best-match average, of the query with every item of ``index``.

    Equal (to rounding) to ``set_similarity(query, item, similarity=resnik, aggregation=BMA)`` per
    item, and to hpo3's ``similarity(kind="omim", method="resnik", combine="funSimAvg")`` with the
    disease IC, but computed for all items in a few passes.
    """
    graph = index.graph
    terms = [t for t in dict.fromkeys(query) if t in graph]
    size = len(index)
    if not terms:
        return [0.0] * size
    forward = [0.0] * size
    for term in terms:
        # Ancestors from least to most informative: the last write per item is its best match.
        best: dict[int, float] = {}
        for ancestor in sorted(graph.ancestors(term), key=lambda a: (ic[a], a)):
            best.update(zip(index.holders(ancestor), repeat(ic[ancestor])))
        forward = list(map(add, forward, map(best.get, range(size), repeat(0.0))))
    shared = {a: ic[a] for a in graph.closure(terms)}
    best_for: dict[str, float] = {}
    scores = []
    for i, item_terms in enumerate(index.terms):
        total = 0.0
        for term in item_terms:
            value = best_for.get(term)
            if value is None:
                value = best_for[term] = max(
                    filter(None, map(shared.get, graph.ancestors(term))), default=0.0
                )
            total += value
        backward = total / len(item_terms) if item_terms else 0.0
        scores.append((forward[i] / len(terms) + backward) / 2)
    return scores
