"""The diseases a synthetic patient can have, prepared once from the HPO annotations.

Everything the hot loop needs per disease is precomputed here (frequencies, onsets, loci), so
drawing an individual reads tuples and never copies annotation structures.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass

from pmbridge.errors import ReferenceDataMissing
from pmbridge.synth._genome import GeneLocus, place_gene
from pmbridge.synth._inheritance import X_MODES, Mode, modes_of
from pmbridge.synth._onsets import ONSETS, OnsetRange, known_onsets
from pmbridge.synth._regions import RegionProfile
from pmbridge.synth._weighted import WeightedChoice, stable_hash
from pmbridge.vocab import AnnotatedPhenotype, DiseaseAnnotation

DEFAULT_FREQUENCY = 0.5
"""Frequency used when the HPO gives none: 'present in about half of patients'..."""
UNKNOWN_FREQUENCY_BUDGET = 8.0
"""...lowered so that a disease's terms of unknown frequency add at most this many features
per patient on average: long OMIM synopses list every feature ever reported, so each one is
rarer than a short list's would be."""

MIN_PHENOTYPES = 3
_ZIPF_EXPONENT = 1.0
_ZIPF_OFFSET = 10
_BIAS_LIMIT = 2.0


@dataclass(frozen=True, slots=True)
class AnnotatedTerm:
    """One phenotype of a disease as the generator uses it."""

    term: str
    frequency: float
    onset: OnsetRange | None

    def __reduce__(self) -> tuple[type[AnnotatedTerm], tuple[str, float, OnsetRange | None]]:
        # Cohort workers receive hundreds of thousands of these; dataclasses' own pickling of
        # frozen slotted classes is three times slower (pmbridge.workers, docs/synthetic-cohorts.md).
        return (AnnotatedTerm, (self.term, self.frequency, self.onset))


@dataclass(frozen=True, slots=True)
class DiseaseProfile:
    """A disease ready for drawing: phenotypes, excluded terms, modes, onsets and gene loci."""

    id: str
    name: str
    phenotypes: tuple[AnnotatedTerm, ...]
    excluded: tuple[str, ...]
    modes: tuple[Mode, ...]
    onsets: tuple[OnsetRange, ...]
    loci: tuple[GeneLocus, ...]
    terms: frozenset[str]

    def __reduce__(self) -> tuple[type[DiseaseProfile], tuple[object, ...]]:
        # As AnnotatedTerm: fast pickling for the cohort workers.
        fields = (self.id, self.name, self.phenotypes, self.excluded, self.modes, self.onsets, self.loci)
        return (DiseaseProfile, (*fields, self.terms))


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The eligible diseases, sorted by id, and the popularity table of each region."""

    diseases: tuple[DiseaseProfile, ...]

    def popularity(self, region: RegionProfile) -> WeightedChoice[DiseaseProfile]:
        """How often each disease is drawn in ``region``."""
        return _popularity(self, region)


def is_eligible(annotation: DiseaseAnnotation) -> bool:
    """OMIM diseases with a gene and three distinct phenotypes that can be seen (no NOT rows or 0/n)."""
    observed = {p.term for p in annotation.phenotypes if not p.excluded and p.frequency != 0}
    return annotation.id.startswith("OMIM:") and len(observed) >= MIN_PHENOTYPES and bool(annotation.genes)


def build_catalogue(annotations: Mapping[str, DiseaseAnnotation]) -> Catalogue:
    """The catalogue of eligible diseases; independent of the mapping's order."""
    eligible = [annotations[key] for key in sorted(annotations) if is_eligible(annotations[key])]
    if not eligible:
        raise ReferenceDataMissing(
            "no OMIM disease with >= 3 phenotypes and a gene in the annotations",
            hint="point --data-dir at an HPO release with phenotype.hpoa and genes_to_phenotype.txt",
        )
    x_genes = {gene for a in eligible if set(modes_of(a.inheritance)) & X_MODES for gene in a.genes}
    y_genes = {gene for a in eligible if Mode.Y_LINKED in modes_of(a.inheritance) for gene in a.genes}
    loci: dict[str, GeneLocus] = {}
    for gene in sorted({g for a in eligible for g in a.genes}):
        chromosome = "Y" if gene in y_genes else "X" if gene in x_genes else None
        loci[gene] = place_gene(gene, chromosome=chromosome)
    return Catalogue(tuple(_profile(a, loci) for a in eligible))


def _profile(annotation: DiseaseAnnotation, loci: Mapping[str, GeneLocus]) -> DiseaseProfile:
    # A term can have several rows (one per source); merge them: mean of the known frequencies,
    # first onset, and "observed" wins over NOT.
    rows: dict[str, list[AnnotatedPhenotype]] = {}
    for item in annotation.phenotypes:
        rows.setdefault(item.term, []).append(item)
    observed = {term: [r for r in found if not r.excluded] for term, found in rows.items()}
    unknown = sum(1 for found in observed.values() if found and _mean_frequency(found) is None)
    default = min(DEFAULT_FREQUENCY, UNKNOWN_FREQUENCY_BUDGET / max(unknown, 1))
    phenotypes: list[AnnotatedTerm] = []
    excluded: list[str] = []
    for term in sorted(rows):
        found = observed[term]
        if not found:
            excluded.append(term)
            continue
        known = _mean_frequency(found)
        frequency = default if known is None else min(max(known, 0.0), 1.0)
        onset = next((ONSETS[r.onset] for r in found if r.onset in ONSETS), None)
        phenotypes.append(AnnotatedTerm(term, frequency, onset))
    return DiseaseProfile(
        id=annotation.id,
        name=annotation.name,
        phenotypes=tuple(phenotypes),
        excluded=tuple(excluded),
        modes=modes_of(annotation.inheritance),
        onsets=known_onsets(tuple(sorted(set(annotation.onsets)))),
        loci=tuple(loci[gene] for gene in sorted(set(annotation.genes))),
        terms=frozenset(rows),
    )


def _mean_frequency(rows: list[AnnotatedPhenotype]) -> float | None:
    known = [r.frequency for r in rows if r.frequency is not None]
    return sum(known) / len(known) if known else None


def _popularity(catalogue: Catalogue, region: RegionProfile) -> WeightedChoice[DiseaseProfile]:
    """Zipf-like popularity over a fixed shuffle, reweighted log-normally per region.

    The shared shuffle makes some diseases common everywhere; the region's own factor (seeded by
    its name) makes each region's top diseases partly its own.
    """
    order = list(range(len(catalogue.diseases)))
    random.Random(stable_hash("popularity")).shuffle(order)
    rank = {disease: position for position, disease in enumerate(order)}
    regional = random.Random(stable_hash("region-bias", region.name))
    pairs = [
        (
            disease,
            (rank[i] + _ZIPF_OFFSET) ** -_ZIPF_EXPONENT
            * math.exp(region.disease_bias * _clamp(regional.gauss(0.0, 1.0))),
        )
        for i, disease in enumerate(catalogue.diseases)
    ]
    return WeightedChoice.of(pairs)


def _clamp(z: float) -> float:
    """A standard normal draw cut to +-2 sd, so no region makes one disease dominate."""
    return max(-_BIAS_LIMIT, min(_BIAS_LIMIT, z))
