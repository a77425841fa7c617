"""Information content of terms: how surprising it is to see a term, from a corpus of term sets.

The corpus is the HPO's disease annotations (the usual choice) or a node's own patients.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping

from pmbridge.similarity._graph import TermGraph


class InformationContent(Mapping[str, float]):
    """``IC(t) = -ln(n_t / N)``: n_t items of the corpus have ``t`` or a term below it, of N.

    A term no item has gets the IC of a single occurrence, ``ln N``, the highest any term can
    have: unseen is at least as surprising as the rarest seen term, and every measure stays finite.

    >>> graph = TermGraph.from_parents({"root": [], "a": ["root"], "b": ["root"]})
    >>> ic = InformationContent.from_term_sets(graph, [["a"], ["a"], ["b"], ["root"]])
    >>> round(ic["root"], 3), round(ic["a"], 3), round(ic["b"], 3)
    (0.0, 0.693, 1.386)
    >>> ic["never seen"] == ic.ceiling
    True
    """

    __slots__ = ("_values", "ceiling", "corpus_size")

    def __init__(self, values: Mapping[str, float], *, corpus_size: int) -> None:
        self._values = dict(values)
        self.corpus_size = corpus_size
        self.ceiling = math.log(corpus_size) if corpus_size > 1 else 0.0

    @classmethod
    def from_term_sets(cls, graph: TermGraph, term_sets: Iterable[Iterable[str]]) -> InformationContent:
        """IC over a population of term sets (patients of a node, or diseases' annotations)."""
        counts: Counter[str] = Counter()
        size = 0
        for terms in term_sets:
            size += 1
            counts.update(graph.closure(terms))
        values = {term: math.log(size / n) for term, n in counts.items()}
        return cls(values, corpus_size=size)

    @classmethod
    def from_annotations(
        cls, graph: TermGraph, annotations: Mapping[str, Iterable[str]]
    ) -> InformationContent:
        """IC over annotated items (``disease id -> its terms``), as hpo3's "omim" kind computes it."""
        return cls.from_term_sets(graph, annotations.values())

    def __getitem__(self, term: str) -> float:
        return self._values.get(term, self.ceiling)

    def __contains__(self, term: object) -> bool:
        return term in self._values

    def __iter__(self) -> Iterator[str]:
        """The terms seen in the corpus (any other term has :attr:`ceiling`)."""
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"InformationContent(terms={len(self)}, corpus_size={self.corpus_size})"
