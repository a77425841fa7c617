"""Disclosure control: minimum counts, complementary suppression, noise, budgets, differencing guard."""

from pmbridge.privacy._alleles import (
    ALLELES_CARRIED,
    AlleleRelease,
    allele_count,
    allele_number,
    alleles_carried,
    release_allele_counts,
)
from pmbridge.privacy._breakdown import Breakdown, SuppressionPlan, plan_suppression, threshold_breakdown
from pmbridge.privacy._canonical import canonical_query, query_digest
from pmbridge.privacy._control import PEOPLE, PUBLIC, DisclosureControl
from pmbridge.privacy._differencing import (
    Cohort,
    cohort_digest,
    cohort_distance,
    differencing_conflict,
    pack_cohort,
    unpack_cohort,
)
from pmbridge.privacy._ledger import MemoryLedger, PrivacyLedger
from pmbridge.privacy._ledger_types import CachedCount, NoiseKey
from pmbridge.privacy._noise import (
    NoiseSource,
    discrete_laplace,
    keyed_discrete_laplace,
    noise_scale,
    noised_count,
    noised_release,
)
from pmbridge.privacy._pricing import PricingLedger
from pmbridge.privacy._recall import CohortScope, Recalled, cohort_sketch
from pmbridge.privacy._released import ReleasedCount, ReleaseMethod, refused, suppressed, suppressed_mark
from pmbridge.privacy._settings import DisclosureSettings
from pmbridge.privacy._sqlite import SqliteLedger
from pmbridge.privacy._thresholds import below_threshold, fewer_than, round_up_to_floor, threshold_count
from pmbridge.privacy._totals import ReleasedTotal, released_total

__all__ = [
    "ALLELES_CARRIED",
    "PEOPLE",
    "PUBLIC",
    "AlleleRelease",
    "Breakdown",
    "CachedCount",
    "Cohort",
    "CohortScope",
    "DisclosureControl",
    "DisclosureSettings",
    "MemoryLedger",
    "NoiseKey",
    "NoiseSource",
    "PricingLedger",
    "PrivacyLedger",
    "Recalled",
    "ReleaseMethod",
    "ReleasedCount",
    "ReleasedTotal",
    "SqliteLedger",
    "SuppressionPlan",
    "allele_count",
    "allele_number",
    "alleles_carried",
    "below_threshold",
    "canonical_query",
    "cohort_digest",
    "cohort_distance",
    "cohort_sketch",
    "differencing_conflict",
    "discrete_laplace",
    "fewer_than",
    "keyed_discrete_laplace",
    "noise_scale",
    "noised_count",
    "noised_release",
    "pack_cohort",
    "plan_suppression",
    "query_digest",
    "refused",
    "release_allele_counts",
    "released_total",
    "round_up_to_floor",
    "suppressed",
    "suppressed_mark",
    "threshold_breakdown",
    "threshold_count",
    "unpack_cohort",
]
