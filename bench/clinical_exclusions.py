"""Excluded terms a clinician would plausibly rule out, for the "clinical" variant of benchmark cases.

Curated cases copy "absent" from the cohort's own feature table; these terms carry no such trace.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from pmbridge.similarity import TermGraph

PHENOTYPIC_ABNORMALITY = "HP:0000118"


@dataclass(frozen=True, slots=True)
class DirectLinks:
    """Each term's direct parents and children: the transitive reduction of a graph's closures."""

    parents: Mapping[str, frozenset[str]]
    children: Mapping[str, frozenset[str]]

    @classmethod
    def of(cls, graph: TermGraph) -> DirectLinks:
        """
        >>> graph = TermGraph.from_parents({"r": [], "a": ["r"], "b": ["r"], "ab": ["a", "b"]})
        >>> links = DirectLinks.of(graph)
        >>> sorted(links.parents["ab"]), sorted(links.children["r"])
        (['a', 'b'], ['a', 'b'])
        """
        parents: dict[str, frozenset[str]] = {}
        children: dict[str, set[str]] = {term: set() for term in graph}
        for term in graph:
            above = graph.ancestors(term) - {term}
            further = set().union(*(graph.ancestors(a) - {a} for a in above))
            parents[term] = frozenset(above - further)
            for parent in parents[term]:
                children[parent].add(term)
        return cls(parents, {term: frozenset(found) for term, found in children.items()})


def clinical_exclusions(
    case_id: str,
    *,
    observed: Collection[str],
    count: int,
    diagnosis_closure: Collection[str],
    differential: Iterable[Collection[str]],
    graph: TermGraph,
    links: DirectLinks,
    seed: int = 0,
    within: str = PHENOTYPIC_ABNORMALITY,
) -> tuple[str, ...]:
    """Up to ``count`` terms to mark absent, none in ``diagnosis_closure``; the same for the same inputs.

    Drawn alternately from two pools, each shuffled by a generator seeded with ``seed`` and
    ``case_id``: features of the wrong diagnoses that a baseline ranks highest (``differential``,
    their annotated terms, best-ranked disease first), and siblings of the observed terms (other
    children of their direct parents). A candidate must lie under ``within`` (phenotypic
    abnormality) and be neither an observed term nor above or below one. Fewer than ``count``
    come back only when both pools run dry.
    """
    if count <= 0:
        return ()
    known = [term for term in observed if term in graph]
    blocked = set(diagnosis_closure) | graph.closure(known)
    for term in known:
        blocked |= graph.descendants(term)

    def allowed(term: str) -> bool:
        return term in graph and term not in blocked and within in graph.ancestors(term)

    wrong = sorted({t for terms in differential for t in terms if allowed(t)})
    siblings = sorted({s for t in known for p in links.parents[t] for s in links.children[p] if allowed(s)})
    draw = random.Random(f"{seed}:{case_id}")
    draw.shuffle(wrong)
    draw.shuffle(siblings)
    chosen: dict[str, None] = {}
    pools = [wrong, siblings]
    turn = 0
    while len(chosen) < count and any(pools):
        pool = pools[turn % 2] or pools[(turn + 1) % 2]
        term = pool.pop()
        if term not in chosen:
            chosen[term] = None
            turn += 1
    return tuple(chosen)
