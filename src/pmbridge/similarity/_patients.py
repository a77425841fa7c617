"""Patient-to-patient matching at a node: rank the node's patients, given their term sets, for a query.

Pure: the node passes pseudonymous match ids and term sets in, and gets ids and scores back, so
the release path (disclosure control) stays in the node, outside this module.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from pmbridge.similarity._baselines import best_match_scores
from pmbridge.similarity._graph import TermGraph
from pmbridge.similarity._information import InformationContent
from pmbridge.similarity._termsets import TermSetIndex


@dataclass(frozen=True, slots=True)
class PatientMatch:
    """One matching patient: the id the caller gave it, its score, its rank (ties pessimistic), and
    the dataset it belongs to when the index knows datasets."""

    id: str
    score: float
    rank: int
    dataset: str = ""


class PatientIndex:
    """A node's patients as term sets, with the information content of their own population.

    >>> graph = TermGraph.from_parents({"r": [], "a": ["r"], "b": ["r"], "a1": ["a"]})
    >>> node = PatientIndex({"p1": ["a1"], "p2": ["b"], "p3": ["a"]}, graph=graph)
    >>> [m.id for m in node.rank(["a1"], top=2)]
    ['p1', 'p3']
    """

    __slots__ = ("ic", "index")

    def __init__(
        self,
        patients: Mapping[str, Collection[str]],
        *,
        graph: TermGraph,
        ic: InformationContent | None = None,
    ) -> None:
        """Index ``patient id -> observed terms``; IC from these patients unless ``ic`` is given."""
        self.index = TermSetIndex.build(patients, graph=graph)
        self.ic = ic if ic is not None else InformationContent.from_term_sets(graph, self.index.terms)

    def rank(self, observed: Collection[str], *, top: int = 10) -> list[PatientMatch]:
        """The ``top`` patients most similar to ``observed`` (Resnik, symmetric best-match average)."""
        scores = best_match_scores(observed, index=self.index, ic=self.ic)
        ids = self.index.ids
        best = heapq.nsmallest(top, range(len(ids)), key=lambda i: (-scores[i], ids[i]))
        return [PatientMatch(ids[i], scores[i], sum(1 for s in scores if s >= scores[i])) for i in best]

    def __len__(self) -> int:
        return len(self.index)
