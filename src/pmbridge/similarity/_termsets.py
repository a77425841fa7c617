"""Many term sets (diseases' annotations, a node's patients) indexed for scoring them all at once.

Scoring 8,000 diseases pair by pair is far too slow in Python; inverted lists over the ancestor
closures make one query cost a few passes over the items instead.
"""

from __future__ import annotations

from array import array
from collections.abc import Collection, Mapping

from pmbridge.similarity._graph import TermGraph


class TermSetIndex:
    """Items (diseases or patients), each with a term set, its closure and inverted lists.

    >>> graph = TermGraph.from_parents({"r": [], "a": ["r"], "b": ["r"], "a1": ["a"]})
    >>> index = TermSetIndex.build({"d1": ["a1"], "d2": ["b"]}, graph=graph)
    >>> index.ids, index.closure_sizes
    (('d1', 'd2'), (3, 2))
    >>> list(index.holders("r")), list(index.holders("a")), list(index.holders("zzz"))
    ([0, 1], [0], [])
    """

    __slots__ = ("_holders", "closure_sizes", "graph", "ids", "position", "terms")

    def __init__(
        self,
        *,
        ids: tuple[str, ...],
        terms: tuple[frozenset[str], ...],
        graph: TermGraph,
    ) -> None:
        self.ids = ids
        self.terms = terms
        self.graph = graph
        self.position = {item: i for i, item in enumerate(ids)}
        holders: dict[str, array[int]] = {}
        sizes = []
        for i, found in enumerate(terms):
            closure = graph.closure(found)
            sizes.append(len(closure))
            for term in closure:
                held = holders.get(term)
                if held is None:
                    held = holders[term] = array("i")
                held.append(i)
        self._holders = holders
        self.closure_sizes = tuple(sizes)

    @classmethod
    def build(cls, term_sets: Mapping[str, Collection[str]], *, graph: TermGraph) -> TermSetIndex:
        """Index ``item id -> terms`` (terms the graph does not know are dropped), in id order."""
        ids = tuple(sorted(term_sets))
        terms = tuple(frozenset(t for t in term_sets[item] if t in graph) for item in ids)
        return cls(ids=ids, terms=terms, graph=graph)

    def holders(self, term: str) -> array[int]:
        """Positions of the items whose closure holds ``term``, ascending."""
        return self._holders.get(term, _EMPTY)

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        return f"TermSetIndex(items={len(self)})"


_EMPTY: array[int] = array("i")
