"""PM Bridge's disease ranking: a likelihood ratio per phenotype, summed in log space over a patient.

Uses what Resnik and enrichment ignore: annotated frequencies, frequency-0 and NOT annotations,
the patient's excluded terms, how specific each term is, and a gene. docs/similarity.md derives it.
"""

from __future__ import annotations

import math
import threading
from array import array
from bisect import bisect_left
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from itertools import repeat
from operator import add
from typing import TYPE_CHECKING

from pmbridge.similarity._evidence import Evidence
from pmbridge.similarity._graph import TermGraph

if TYPE_CHECKING:
    from pmbridge.vocab import DiseaseAnnotation


@dataclass(frozen=True, slots=True, kw_only=True)
class LikelihoodParameters:
    """The knobs of the model, with the values measured best on the phenopacket-store dev split."""

    noise: float = 0.05
    """Chance that an observed term has nothing to do with the disease (floor of every ratio)."""
    sibling: float = 0.03
    """Weight of a match through a shared ancestor that the disease is not annotated with."""
    below_annotation: float = 1.0
    """Weight of a term more specific than one the disease is annotated with."""
    normalisation: float = 0.6
    """Exponent of the disease's total annotated frequency that its weights are divided by:
    a disease with 100 features has each one reported less often than one with 5."""
    unknown_frequency: float = 1.0
    """Frequency assumed where the annotation gives none, for observed terms."""
    unknown_frequency_excluded: float = 0.5
    """Frequency assumed where the annotation gives none, for excluded terms."""
    zero_frequency: float = 0.05
    """Frequency used for annotations like 0/11: small cohorts, so rare rather than impossible."""
    not_annotated: float = 0.005
    """Ratio for an observed term the disease has a NOT annotation for (or above it)."""
    excluded_floor: float = 0.1
    """Chance that a patient lacks even an obligate feature (or that it was missed): the
    likelihood ratio of an excluded feature never falls below it."""
    gene: float = 1000.0
    """Likelihood ratio of a disease whose gene the patient carries a variant in."""
    general_share: float = 1.0
    """A shared ancestor held by more than this share of the diseases is no match at all."""
    background_pseudocount: float = 0.5
    """Pseudo-diseases added to the background frequencies, so no term has frequency 0."""


_BROAD_SHARE = 0.3  # ancestors held by more of the diseases are memoised as a group
_GENERAL_CACHE_SIZE = 64


class PhenotypeLikelihood:
    """Per-term arrays over the diseases, precomputed so ranking all of them costs a few C-level passes.

    For each term ``a`` and each disease ``i`` whose annotation closure holds ``a`` the model
    stores three log ratios: ``a`` observed exactly, ``a`` as the best shared ancestor of an
    observed term, and ``a`` excluded (never above 0: an absent feature only counts against the
    diseases that have it; for the others its ratio is 1).
    """

    __slots__ = (
        "_ancestor",
        "_background",
        "_broad",
        "_exact",
        "_excluded",
        "_gene_holders",
        "_general_cache",
        "_holders",
        "_ignored",
        "_lock",
        "_not_holders",
        "_not_value",
        "graph",
        "ids",
        "parameters",
    )

    def __init__(
        self,
        annotations: Iterable[DiseaseAnnotation],
        *,
        graph: TermGraph,
        parameters: LikelihoodParameters | None = None,
    ) -> None:
        p = parameters if parameters is not None else LikelihoodParameters()
        self.parameters = p
        self.graph = graph
        diseases = sorted(annotations, key=lambda d: d.id)
        self.ids = tuple(d.id for d in diseases)
        weights: dict[str, dict[int, float]] = {}
        excluded_frequency: dict[str, dict[int, float]] = {}
        direct: dict[str, set[int]] = {}
        not_holders: dict[str, list[int]] = {}
        gene_holders: dict[str, list[int]] = {}
        for i, disease in enumerate(diseases):
            frequencies, negated = _frequencies(disease, p)
            for term in negated:
                not_holders.setdefault(term, []).append(i)
            for gene in disease.genes:
                gene_holders.setdefault(gene, []).append(i)
            scale = sum(f for f, _ in frequencies.values()) ** p.normalisation or 1.0
            own: dict[str, float] = {}
            own_excluded: dict[str, float] = {}
            for term, (frequency, frequency_excluded) in frequencies.items():
                if term not in graph:  # a term of another release: nothing to match it with
                    continue
                direct.setdefault(term, set()).add(i)
                for ancestor in graph.ancestors(term):
                    # Sum: the share of the disease's reports that fall under the ancestor.
                    own[ancestor] = own.get(ancestor, 0.0) + frequency / scale
                    if frequency_excluded > own_excluded.get(ancestor, -1.0):
                        own_excluded[ancestor] = frequency_excluded
            for term, weight in own.items():
                weights.setdefault(term, {})[i] = weight
                excluded_frequency.setdefault(term, {})[i] = own_excluded[term]
        self._build_arrays(weights, excluded_frequency, direct, len(diseases))
        self._not_holders = {t: tuple(found) for t, found in not_holders.items()}
        self._gene_holders = {g: tuple(found) for g, found in gene_holders.items()}
        self._not_value = math.log(p.not_annotated / p.noise)
        self._ignored = frozenset(
            t for t, held in self._holders.items() if len(held) > p.general_share * len(diseases)
        )
        self._broad = frozenset(
            t for t, held in self._holders.items() if len(held) > _BROAD_SHARE * len(diseases)
        )
        self._general_cache: dict[tuple[str, ...], dict[int, float]] = {}
        self._lock = threading.Lock()

    def _build_arrays(
        self,
        weights: dict[str, dict[int, float]],
        excluded_frequency: dict[str, dict[int, float]],
        direct: dict[str, set[int]],
        size: int,
    ) -> None:
        p = self.parameters
        noise, log_noise = p.noise, math.log(p.noise)
        self._holders: dict[str, array[int]] = {}
        self._exact: dict[str, array[float]] = {}
        self._ancestor: dict[str, array[float]] = {}
        self._excluded: dict[str, array[float]] = {}
        self._background: dict[str, float] = {}
        log, floor = math.log, p.excluded_floor
        for term, by_disease in weights.items():
            background = (sum(by_disease.values()) + p.background_pseudocount) / (
                size + p.background_pseudocount
            )
            self._background[term] = background
            positions = sorted(by_disease)
            annotated = direct.get(term, set())
            ratios = [by_disease[i] / background for i in positions]
            self._holders[term] = array("i", positions)
            self._exact[term] = array("d", [log(noise + (1 - noise) * r) - log_noise for r in ratios])
            self._ancestor[term] = array(
                "d",
                [
                    log(noise + (1 - noise) * r * (p.below_annotation if i in annotated else p.sibling))
                    - log_noise
                    for i, r in zip(positions, ratios, strict=True)
                ],
            )
            # P(a absent | i) / P(a absent | a random disease), as LIRICAL; capped at 1 so that
            # an absent feature never favours a disease for having it.
            frequencies = excluded_frequency[term]
            absent = 1 - sum(frequencies.values()) / (size + p.background_pseudocount)
            self._excluded[term] = array(
                "d", [min(0.0, log(1 - (1 - floor) * frequencies[i]) - log(absent)) for i in positions]
            )

    def scores(
        self,
        observed: Collection[str],
        *,
        excluded: Collection[str] = (),
        genes: Collection[str] = (),
    ) -> list[float]:
        """The log likelihood ratio of every disease (in :attr:`ids` order), up to a shared constant.

        Terms must be current ids of the graph's release; others are ignored.
        """
        size = len(self.ids)
        total = [0.0] * size
        graph = self.graph
        everyone, nothing = range(size), repeat(0.0)
        for term in dict.fromkeys(observed):
            if term in graph:
                # Dense (nearly every disease shares some ancestor): one C-level pass per term.
                best = self._observed(term)
                total = list(map(add, total, map(best.get, everyone, nothing)))
        for term in dict.fromkeys(excluded):
            if term in self._holders:
                for i, value in zip(self._holders[term], self._excluded[term], strict=True):
                    total[i] += value
        gene_bonus = math.log(self.parameters.gene)
        for gene in dict.fromkeys(genes):
            for i in self._gene_holders.get(gene, ()):
                total[i] += gene_bonus
        return total

    def evidence(
        self,
        position: int,
        observed: Collection[str],
        *,
        excluded: Collection[str] = (),
        genes: Collection[str] = (),
    ) -> tuple[Evidence, ...]:
        """Each term's (and gene's) log10 ratio for the disease at ``position``, largest first.

        Terms with a ratio of 1 are left out; the rest sum to ``scores(...)[position] / ln 10``.
        Costs a few bisections per term, so explaining the top of a ranking is cheap.
        """
        found: list[Evidence] = []
        graph, ln10 = self.graph, math.log(10)
        for term in dict.fromkeys(observed):
            if term in graph:
                found.append(Evidence(term, "observed", self._observed_one(term, position) / ln10))
        for term in dict.fromkeys(excluded):
            found.append(
                Evidence(term, "excluded", _held(self._holders, self._excluded, term, position) / ln10)
            )
        gene_weight = math.log10(self.parameters.gene)
        for gene in dict.fromkeys(genes):
            if position in self._gene_holders.get(gene, ()):
                found.append(Evidence(gene, "gene", gene_weight))
        found = [e for e in found if e.weight != 0.0]
        found.sort(key=lambda e: (-abs(e.weight), e.kind, e.term))
        return tuple(found)

    def _observed_one(self, term: str, position: int) -> float:
        """:meth:`_observed` for one disease: the same writes, in the same order, so the same value."""
        value = 0.0
        for ancestor in self._ordered_ancestors(term):
            if ancestor in self._broad and ancestor in self._ignored:
                continue
            value = _held(self._holders, self._ancestor, ancestor, position, value)
        value = _held(self._holders, self._exact, term, position, value)
        for negated in self.graph.ancestors(term):
            if position in self._not_holders.get(negated, ()):
                value = self._not_value
        return value

    def _ordered_ancestors(self, term: str) -> list[str]:
        """``term``'s strict ancestors that some disease holds, in the order their matches are written."""
        background, broad = self._background, self._broad
        ancestors = [a for a in self.graph.ancestors(term) if a in background and a != term]
        # Broad ancestors first: any specific shared ancestor is a better match than they are.
        ancestors.sort(key=lambda a: (a not in broad, -background[a], a))
        return ancestors

    def _observed(self, term: str) -> dict[int, float]:
        """Log ratio per disease for one observed term: its best match decides, most specific last."""
        background = self._background
        ignored, broad = self._ignored, self._broad
        ancestors = self._ordered_ancestors(term)
        general = tuple(a for a in ancestors if a in broad and a not in ignored)
        best = self._general_matches(general)
        for ancestor in ancestors:
            if ancestor not in broad:
                best.update(zip(self._holders[ancestor], self._ancestor[ancestor], strict=True))
        if term in background:
            best.update(zip(self._holders[term], self._exact[term], strict=True))
        for negated in self.graph.ancestors(term):
            held = self._not_holders.get(negated)
            if held:
                best.update(dict.fromkeys(held, self._not_value))
        return best

    def _general_matches(self, general: tuple[str, ...]) -> dict[int, float]:
        """A fresh copy of the matches through broad ancestors (held by most diseases), memoised.

        Broad ancestors hold thousands of diseases each but come in few combinations (organ
        systems), so caching them makes a term cost what its specific ancestors hold.
        """
        with self._lock:
            found = self._general_cache.get(general)
        if found is None:
            found = {}
            for ancestor in general:
                found.update(zip(self._holders[ancestor], self._ancestor[ancestor], strict=True))
            with self._lock:
                if len(self._general_cache) >= _GENERAL_CACHE_SIZE:
                    del self._general_cache[next(iter(self._general_cache))]
                self._general_cache[general] = found
        return dict(found)

    def background(self, term: str) -> float:
        """How often a patient with a random annotated disease shows ``term`` (0 if none is annotated)."""
        return self._background.get(term, 0.0)

    def __len__(self) -> int:
        return len(self.ids)


def _held(
    holders: dict[str, array[int]],
    values: dict[str, array[float]],
    term: str,
    position: int,
    default: float = 0.0,
) -> float:
    """``values[term]`` at ``position`` where the disease there holds ``term``; else ``default``."""
    held = holders.get(term)
    if held is None:
        return default
    at = bisect_left(held, position)
    return values[term][at] if at < len(held) and held[at] == position else default


def _frequencies(
    disease: DiseaseAnnotation, p: LikelihoodParameters
) -> tuple[dict[str, tuple[float, float]], set[str]]:
    """Per annotated term (frequency for observed, for excluded); and the NOT-annotated terms.

    Repeated rows of a term (several publications) keep the highest frequency.
    """
    found: dict[str, tuple[float, float]] = {}
    zero: set[str] = set()
    negated: set[str] = set()
    for row in disease.phenotypes:
        if row.excluded:
            negated.add(row.term)
            continue
        if row.frequency == 0:
            zero.add(row.term)
            continue
        pair = (
            (p.unknown_frequency, p.unknown_frequency_excluded)
            if row.frequency is None
            else (row.frequency, row.frequency)
        )
        old = found.get(row.term, (0.0, 0.0))
        found[row.term] = (max(old[0], pair[0]), max(old[1], pair[1]))
    for term in zero - found.keys():
        found[term] = (p.zero_frequency, p.zero_frequency)
    return found, negated
