"""Deterministic, realistic synthetic rare-disease cohorts, written as GA4GH Phenopacket v2."""

from pmbridge.synth._catalogue import DEFAULT_FREQUENCY
from pmbridge.synth._cohort import REFERENCE_DATE, CohortSpec, generate_cohort, write_cohort
from pmbridge.synth._labels import term_labels
from pmbridge.synth._outcomes import LABS, OUTCOME_MODEL, Agent, Lab, OutcomeModel
from pmbridge.synth._regions import MATERIALS, REGIONS, AgeBand, Material, RegionProfile

__all__ = [
    "DEFAULT_FREQUENCY",
    "LABS",
    "MATERIALS",
    "OUTCOME_MODEL",
    "REFERENCE_DATE",
    "REGIONS",
    "AgeBand",
    "Agent",
    "CohortSpec",
    "Lab",
    "Material",
    "OutcomeModel",
    "RegionProfile",
    "generate_cohort",
    "term_labels",
    "write_cohort",
]
