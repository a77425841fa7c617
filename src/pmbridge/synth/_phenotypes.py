"""Drawing one patient's observed and excluded phenotypes from a disease's annotations.

Each annotated term is present with its annotated frequency; clinicians also record some
features as checked and absent, which is where excluded terms come from.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from pmbridge.synth._catalogue import AnnotatedTerm, DiseaseProfile

NOT_ANNOTATION_SHARE = 0.5
"""Chance that a disease's NOT annotation is recorded as an excluded feature."""
ABSENT_RECORDED_SHARE = 0.1
"""Chance that an annotated term that was not drawn is recorded as excluded."""
MAX_EXCLUDED = 6


@dataclass(frozen=True, slots=True)
class PhenotypeDraw:
    """The observed annotated terms (with their onsets) and the excluded terms of one patient."""

    present: tuple[AnnotatedTerm, ...]
    excluded: tuple[str, ...]


def draw_phenotypes(profile: DiseaseProfile, rng: random.Random) -> PhenotypeDraw:
    """Present terms by frequency (at least one), and some excluded terms.

    If no term is drawn, the most frequent one is kept: a patient is only diagnosed with a
    disease when at least one of its features is seen.
    """
    present: list[AnnotatedTerm] = []
    absent: list[AnnotatedTerm] = []
    for annotated in profile.phenotypes:
        if rng.random() < annotated.frequency:
            present.append(annotated)
        else:
            absent.append(annotated)
    if not present:
        most = max(profile.phenotypes, key=lambda item: item.frequency)
        present.append(most)
        absent.remove(most)
    excluded = [term for term in profile.excluded if rng.random() < NOT_ANNOTATION_SHARE]
    excluded.extend(item.term for item in absent if rng.random() < ABSENT_RECORDED_SHARE)
    return PhenotypeDraw(tuple(present), tuple(excluded[:MAX_EXCLUDED]))
