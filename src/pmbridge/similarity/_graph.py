"""An ontology as a DAG of ancestor closures: all that semantic similarity needs of it.

Pure and ontology-agnostic, so the measures run on a five-term test fragment as on the whole HPO.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from pmbridge.errors import UnknownTerm, VocabularyError


class TermGraph:
    """Terms with their ancestor closures (each closure holds the term itself).

    >>> graph = TermGraph.from_parents({"root": [], "a": ["root"], "b": ["root"], "ab": ["a", "b"]})
    >>> sorted(graph.ancestors("ab"))
    ['a', 'ab', 'b', 'root']
    >>> sorted(graph.closure(["a", "b"]))
    ['a', 'b', 'root']
    """

    __slots__ = ("_ancestors", "_descendants")

    def __init__(self, ancestors: Mapping[str, frozenset[str]]) -> None:
        self._ancestors = dict(ancestors)
        self._descendants: dict[str, frozenset[str]] | None = None

    @classmethod
    def from_parents(cls, parents: Mapping[str, Iterable[str]]) -> TermGraph:
        """The graph of ``term -> direct parents``; a parent never listed as a term becomes a root."""
        direct = {term: tuple(found) for term, found in parents.items()}
        for found in list(direct.values()):
            for parent in found:
                direct.setdefault(parent, ())
        closures: dict[str, frozenset[str]] = {}
        for term, above in direct.items():
            if term in closures:
                continue
            # Iterative depth-first walk: HPO is 15+ levels deep and recursion would be fragile.
            stack = [(term, iter(above))]
            visiting = {term}
            while stack:
                node, pending = stack[-1]
                step = next(pending, None)
                if step is None:
                    stack.pop()
                    visiting.discard(node)
                    closures[node] = frozenset({node}.union(*(closures[p] for p in direct[node])))
                elif step not in closures:
                    if step in visiting:
                        raise VocabularyError(
                            f"the is_a graph has a cycle through {step!r}",
                            hint="an ontology's is_a relation must be acyclic; check the parent map",
                        )
                    visiting.add(step)
                    stack.append((step, iter(direct[step])))
        return cls(closures)

    def ancestors(self, term: str) -> frozenset[str]:
        """``term`` and every term above it."""
        found = self._ancestors.get(term)
        if found is None:
            raise UnknownTerm(term)
        return found

    def closure(self, terms: Iterable[str]) -> frozenset[str]:
        """Every term that is one of ``terms`` or above one of them (unknown terms are skipped)."""
        known = [self._ancestors[t] for t in terms if t in self._ancestors]
        return frozenset().union(*known)

    def descendants(self, term: str) -> frozenset[str]:
        """``term`` and every term below it."""
        if term not in self._ancestors:
            raise UnknownTerm(term)
        if self._descendants is None:
            below: dict[str, list[str]] = {t: [] for t in self._ancestors}
            for child, above in self._ancestors.items():
                for ancestor in above:
                    below[ancestor].append(child)
            self._descendants = {t: frozenset(found) for t, found in below.items()}
        return self._descendants[term]

    def __contains__(self, term: object) -> bool:
        return term in self._ancestors

    def __iter__(self) -> Iterator[str]:
        return iter(self._ancestors)

    def __len__(self) -> int:
        return len(self._ancestors)

    def __repr__(self) -> str:
        return f"TermGraph(terms={len(self)})"
