"""An ontology's terms as integer codes with their IC and ancestor lists: what vectorised matching reads.

Built once per HPO release (about 19,000 terms) and shared by every index of the process.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pmbridge.similarity._graph import TermGraph

Codes = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Columns:
    """A sparse boolean matrix stored by column: the rows (ascending) of column ``c`` are
    ``indices[starts[c]:starts[c + 1]]``."""

    starts: Codes
    indices: Codes

    def rows(self, column: int) -> Codes:
        return self.indices[self.starts[column] : self.starts[column + 1]]


def columns(rows: Codes, cols: Codes, *, size: int, width: int) -> Columns:
    """The matrix of ``size`` rows and ``width`` columns holding the distinct (row, column) pairs.

    >>> m = columns(np.array([2, 0, 2]), np.array([1, 1, 1]), size=3, width=2)
    >>> m.rows(0).tolist(), m.rows(1).tolist()
    ([], [0, 2])
    """
    if width <= _SMALL and len(rows) and bool(np.all(rows[1:] >= rows[:-1])):
        # Rows already ascending: a stable (radix) sort by a 16-bit column keeps them ascending
        # within each column, and duplicates end up side by side. Ten times faster than sorting keys.
        order = np.argsort(cols.astype(np.uint16), kind="stable")
        by_column, by_row = cols[order], rows[order]
        keep = np.ones(len(order), dtype=bool)
        keep[1:] = (by_column[1:] != by_column[:-1]) | (by_row[1:] != by_row[:-1])
        found, indices = by_column[keep], by_row[keep]
    else:
        keys = distinct(cols.astype(np.int64) * size + rows)
        found, indices = keys // size, keys % size
    starts = np.zeros(width + 1, dtype=np.int64)
    np.cumsum(np.bincount(found, minlength=width), out=starts[1:])
    return Columns(starts, indices)


_SMALL = int(np.iinfo(np.uint16).max)


def distinct(keys: Codes) -> Codes:
    """The distinct values of ``keys``, ascending (``np.unique`` hashes first, several times slower here).

    >>> distinct(np.array([3, 1, 3, 2])).tolist()
    [1, 2, 3]
    """
    ordered = np.sort(keys)
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


class TermVocabulary:
    """The terms of ``graph`` numbered 0..n-1, with their IC and their ancestors (each term included).

    >>> graph = TermGraph.from_parents({"r": [], "a": ["r"], "a1": ["a"]})
    >>> vocab = TermVocabulary(graph, {"r": 0.0, "a": 1.0, "a1": 2.0})
    >>> [vocab.terms[c] for c in vocab.ancestors_by_ic(vocab.code["a1"])]
    ['a', 'a1']
    """

    __slots__ = ("_by_ic", "_starts", "_up", "code", "graph", "ic", "terms")

    def __init__(self, graph: TermGraph, ic: Mapping[str, float]) -> None:
        self.graph = graph
        self.terms = tuple(sorted(graph))
        self.code = {term: i for i, term in enumerate(self.terms)}
        self.ic = np.array([ic[t] for t in self.terms], dtype=np.float64)
        lists = [sorted(self.code[a] for a in graph.ancestors(t)) for t in self.terms]
        self._starts = np.zeros(len(lists) + 1, dtype=np.int64)
        np.cumsum([len(found) for found in lists], out=self._starts[1:])
        self._up = np.fromiter(
            (a for found in lists for a in found), dtype=np.int64, count=int(self._starts[-1])
        )
        self._by_ic: dict[int, Codes] = {}

    def ancestors(self, term: int) -> Codes:
        """The codes of ``term`` and every term above it."""
        return self._up[self._starts[term] : self._starts[term + 1]]

    def ancestors_by_ic(self, term: int) -> Codes:
        """The ancestors with IC above 0, least informative first (memoised)."""
        found = self._by_ic.get(term)
        if found is None:
            above = self.ancestors(term)
            above = above[self.ic[above] > 0]
            found = self._by_ic[term] = above[np.argsort(self.ic[above], kind="stable")]
        return found

    def closure(self, terms: list[int]) -> Codes:
        """The distinct codes of ``terms`` and all their ancestors."""
        if not terms:
            return np.zeros(0, dtype=np.int64)
        return np.unique(np.concatenate([self.ancestors(t) for t in terms]))

    def best_ancestor_values(self, values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """For every term, the largest of ``values`` over its ancestors (one per term code)."""
        result: npt.NDArray[np.float64] = np.maximum.reduceat(values[self._up], self._starts[:-1])
        return result

    def closure_columns(self, patients: Codes, terms: Codes, *, size: int) -> Columns:
        """Patients by term: column ``t`` lists the patients having ``t`` or a term below it."""
        counts = self._starts[terms + 1] - self._starts[terms]
        owners = np.repeat(patients, counts)
        begin = np.repeat(self._starts[terms] - np.cumsum(counts) + counts, counts)
        above = self._up[begin + np.arange(len(owners))]
        return columns(owners, above, size=size, width=len(self.terms))

    def __len__(self) -> int:
        return len(self.terms)

    def __repr__(self) -> str:
        return f"TermVocabulary(terms={len(self)})"
