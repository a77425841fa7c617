"""Drawn phenotypes follow the annotated frequencies (checked with wide, fixed-seed bounds)."""

from __future__ import annotations

import math
import random

import pytest

from pmbridge.synth._catalogue import DEFAULT_FREQUENCY, UNKNOWN_FREQUENCY_BUDGET, Catalogue, build_catalogue
from pmbridge.synth._phenotypes import MAX_EXCLUDED, draw_phenotypes
from pmbridge.vocab import AnnotatedPhenotype, DiseaseAnnotation

DRAWS = 3000


def test_frequencies_follow_annotations(catalogue: Catalogue) -> None:
    # A disease with graded frequencies and an obligate feature, so no draw is ever forced.
    profile = max(
        (
            d
            for d in catalogue.diseases
            if any(p.frequency == 1.0 for p in d.phenotypes)
            and len({round(p.frequency, 2) for p in d.phenotypes}) >= 4
        ),
        key=lambda d: (len(d.phenotypes), d.id),
    )
    rng = random.Random(2024)
    counts = dict.fromkeys((p.term for p in profile.phenotypes), 0)
    for _ in range(DRAWS):
        for item in draw_phenotypes(profile, rng).present:
            counts[item.term] += 1
    for item in profile.phenotypes:
        f = item.frequency
        sigma = math.sqrt(f * (1 - f) / DRAWS)
        assert abs(counts[item.term] / DRAWS - f) <= 5 * sigma + 1e-9, (profile.id, item.term, f)


def test_at_least_one_feature_and_bounded_exclusions(catalogue: Catalogue) -> None:
    rng = random.Random(1)
    for profile in catalogue.diseases[:400]:
        drawn = draw_phenotypes(profile, rng)
        assert drawn.present
        assert len(drawn.excluded) <= MAX_EXCLUDED
        present = {p.term for p in drawn.present}
        assert not present & set(drawn.excluded)
        assert set(drawn.excluded) <= profile.terms


def _disease(unknown: int) -> DiseaseAnnotation:
    phenotypes = tuple(AnnotatedPhenotype(f"HP:{n:07d}", None, False, None) for n in range(1, unknown + 1))
    known = AnnotatedPhenotype("HP:0001250", 0.25, False, None)
    return DiseaseAnnotation("OMIM:100000", "Test", (*phenotypes, known), ("HP:0000007",), (), ("ABC1",))


@pytest.mark.parametrize(
    ("unknown", "expected"), [(4, DEFAULT_FREQUENCY), (40, UNKNOWN_FREQUENCY_BUDGET / 40)]
)
def test_unknown_frequency_default_is_capped(unknown: int, expected: float) -> None:
    (profile,) = build_catalogue({"OMIM:100000": _disease(unknown)}).diseases
    frequencies = {p.term: p.frequency for p in profile.phenotypes}
    assert frequencies.pop("HP:0001250") == 0.25
    assert set(frequencies.values()) == {expected}
