"""Ranking the annotated diseases of one HPO release for a patient, by our model or a baseline.

Ranks count ties pessimistically: a disease's rank is how many diseases score at least as high.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from pmbridge.similarity._baselines import best_match_scores, hypergeometric_scores
from pmbridge.similarity._evidence import Evidence
from pmbridge.similarity._graph import TermGraph
from pmbridge.similarity._information import InformationContent
from pmbridge.similarity._likelihood import LikelihoodParameters, PhenotypeLikelihood
from pmbridge.similarity._termsets import TermSetIndex

if TYPE_CHECKING:
    from pmbridge.vocab import DiseaseAnnotation


@dataclass(frozen=True, slots=True)
class PhenotypeQuery:
    """What is known of a patient: observed and excluded HPO terms (current ids), gene symbols."""

    observed: tuple[str, ...]
    excluded: tuple[str, ...] = ()
    genes: tuple[str, ...] = ()


class RankingMethod(StrEnum):
    """How diseases are scored."""

    LIKELIHOOD = "likelihood"
    """PM Bridge's model (docs/similarity.md): frequencies, exclusions, specificity, gene."""
    RESNIK_BMA = "resnik-bma"
    """Resnik similarity, symmetric best-match average: observed terms only."""
    HYPERGEOMETRIC = "hypergeometric"
    """hpo3's hypergeometric enrichment over the release's current terms: observed terms only."""


@dataclass(frozen=True, slots=True)
class RankedDisease:
    """One disease in a ranking; ``rank`` counts the diseases scoring at least as high (ties pessimistic)."""

    rank: int
    id: str
    name: str
    score: float
    genes: tuple[str, ...]
    evidence: tuple[Evidence, ...] = ()
    """Why (our model only): each query term's and the gene's log10 ratio, largest |weight| first."""


def pessimistic_rank(scores: list[float], position: int) -> int:
    """How many items score at least as high as the one at ``position`` (itself included).

    >>> pessimistic_rank([0.5, 0.9, 0.5, 0.1], 0)
    3
    """
    mine = scores[position]
    return sum(1 for score in scores if score >= mine)


def baseline_term_sets(annotations: Mapping[str, DiseaseAnnotation]) -> dict[str, frozenset[str]]:
    """Each disease's terms as hpo3 collects them: every phenotype row but NOT ones, inheritance, onsets."""
    return {
        disease.id: frozenset(
            [*(p.term for p in disease.phenotypes if not p.excluded), *disease.inheritance, *disease.onsets]
        )
        for disease in annotations.values()
    }


class DiseaseRanker:
    """The diseases of one release with everything ranking them needs; baselines are built on first use."""

    __slots__ = (
        "_baseline_index",
        "_baseline_terms",
        "_ic",
        "genes",
        "graph",
        "likelihood",
        "names",
        "population",
        "release",
    )

    def __init__(
        self,
        annotations: Mapping[str, DiseaseAnnotation],
        *,
        graph: TermGraph,
        release: str,
        prefixes: Collection[str] = ("OMIM",),
        parameters: LikelihoodParameters | None = None,
        baseline_terms: Mapping[str, Collection[str]] | None = None,
    ) -> None:
        """Rank the diseases of ``annotations`` whose id starts with one of ``prefixes`` (e.g. OMIM).

        ``baseline_terms`` replaces :func:`baseline_term_sets` as what the baselines see.
        """
        chosen = {key: disease for key, disease in annotations.items() if key.split(":", 1)[0] in prefixes}
        self.graph = graph
        self.release = release
        self.likelihood = PhenotypeLikelihood(chosen.values(), graph=graph, parameters=parameters)
        self.names = {key: disease.name for key, disease in chosen.items()}
        self.genes = {key: disease.genes for key, disease in chosen.items()}
        terms = baseline_term_sets(chosen) if baseline_terms is None else baseline_terms
        self._baseline_terms = {key: terms.get(key, ()) for key in chosen}
        self._baseline_index: TermSetIndex | None = None
        self._ic: InformationContent | None = None
        self.population = len(graph)
        """The release's current (non-obsolete) terms: the population of the hypergeometric test.

        hpo3 also counts obsolete terms (19,484 rather than 19,034 in 2025-01-16); a query or an
        annotation can only hold current ones, so they are the urn the terms are drawn from."""

    @property
    def ids(self) -> tuple[str, ...]:
        """The ranked diseases, in the order of every score list."""
        return self.likelihood.ids

    def scores(
        self, query: PhenotypeQuery, *, method: RankingMethod = RankingMethod.LIKELIHOOD
    ) -> list[float]:
        """One score per disease of :attr:`ids`; higher is better."""
        kind = RankingMethod(method)
        if kind is RankingMethod.LIKELIHOOD:
            return self.likelihood.scores(query.observed, excluded=query.excluded, genes=query.genes)
        index = self.baseline_index()
        if kind is RankingMethod.HYPERGEOMETRIC:
            return hypergeometric_scores(query.observed, index=index, population=self.population)
        return best_match_scores(query.observed, index=index, ic=self.information_content())

    def rank(
        self, query: PhenotypeQuery, *, method: RankingMethod = RankingMethod.LIKELIHOOD, top: int = 10
    ) -> list[RankedDisease]:
        """The ``top`` diseases, best first (ties by id, so the order is deterministic).

        Our model's results carry their :class:`Evidence`; the baselines' carry none.
        """
        kind = RankingMethod(method)
        scores = self.scores(query, method=kind)
        ids = self.ids
        best = heapq.nsmallest(top, range(len(ids)), key=lambda i: (-scores[i], ids[i]))
        explain = kind is RankingMethod.LIKELIHOOD
        return [
            RankedDisease(
                rank=pessimistic_rank(scores, i),
                id=ids[i],
                name=self.names[ids[i]],
                score=scores[i],
                genes=self.genes[ids[i]],
                evidence=(
                    self.likelihood.evidence(i, query.observed, excluded=query.excluded, genes=query.genes)
                    if explain
                    else ()
                ),
            )
            for i in best
        ]

    def baseline_index(self) -> TermSetIndex:
        """The diseases' baseline term sets, indexed (in :attr:`ids` order)."""
        if self._baseline_index is None:
            self._baseline_index = TermSetIndex.build(self._baseline_terms, graph=self.graph)
        return self._baseline_index

    def information_content(self) -> InformationContent:
        """IC of each term over the diseases' baseline term sets (hpo3's "omim" IC)."""
        if self._ic is None:
            self._ic = InformationContent.from_term_sets(self.graph, self.baseline_index().terms)
        return self._ic

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        return f"DiseaseRanker(release={self.release!r}, diseases={len(self)})"
