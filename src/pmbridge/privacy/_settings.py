"""The disclosure-control settings of a node or hub (its ``[privacy]`` table): POLICY.md's
defaults, declared once here; the loaders, the release code and the docs all read this model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from pydantic import Field

from pmbridge.config import SettingsModel, validated


class DisclosureSettings(SettingsModel):
    """How much a node or hub lets out; every threshold may be tightened by a data protection officer.

    >>> DisclosureSettings().min_count_for(cross_border=True)
    11
    >>> DisclosureSettings(min_count=10).min_count_for(cross_border=False)
    10
    """

    docs: ClassVar[str] = "docs/privacy.md"

    min_count: int = Field(
        default=5,
        ge=1,
        description="Smallest count released within the requester's jurisdiction; smaller counts are "
        "shown as 'fewer than N' (OHDSI and vantage6 use 5).",
        json_schema_extra={"source": "OHDSI and vantage6 use 5"},
    )
    min_count_cross_border: int = Field(
        default=11,
        ge=1,
        description="Smallest count released to a requester in another jurisdiction; 1 to N-1 are "
        "suppressed (CMS / PCORnet 'no cell 1-10').",
        json_schema_extra={"source": 'CMS / PCORnet "no cell 1–10"'},
    )
    release_zero: bool = Field(
        default=True,
        description="Release a count of 0 as 0 (CMS allows 0); false hides it too.",
        json_schema_extra={"source": "CMS allows 0"},
    )
    complementary_suppression: bool = Field(
        default=True,
        description="In a breakdown with a total, also suppress the next smallest cell (or the total) "
        "so that no suppressed cell can be derived by subtraction.",
        json_schema_extra={"source": "CMS"},
    )
    noise: bool = Field(
        default=True,
        description="Add discrete Laplace (geometric) noise to released counts (OpenDP).",
        json_schema_extra={"source": "POLICY.md"},
    )
    epsilon_per_count: float = Field(
        default=1.0,
        gt=0,
        allow_inf_nan=False,
        description="Privacy loss ε spent by one noised count.",
        json_schema_extra={
            "source": 'ε ≤ 1 is the usual "strong" range',
            "hint": "use e.g. 1.0 (smaller is more private); turn noise off with privacy.noise = false",
        },
    )
    yearly_epsilon_budget: float = Field(
        default=50.0,
        ge=0,
        allow_inf_nan=False,
        description="Total ε one researcher may spend on one dataset in one calendar year; later "
        "queries are refused.",
        json_schema_extra={"source": "sequential composition"},
    )
    round_to: int = Field(
        default=1, ge=1, description="Round released counts to a multiple of this (1: no rounding)."
    )
    differencing_guard: bool = Field(
        default=True,
        description="Same people, same answer: a count of people whose cohort is fewer than the "
        "minimum count away from one the caller already received is answered with that earlier "
        "number, free; other counts released exactly (noise off) are refused when their cohorts are "
        "that close.",
        json_schema_extra={"source": 'defeats "A vs A minus one person" without refusing honest rewordings'},
    )
    differencing_history: int = Field(
        default=1000,
        ge=0,
        description="How many released cohorts per caller, dataset and entry type are remembered "
        "(oldest forgotten).",
    )
    public_round_to: int = Field(
        default=10,
        ge=1,
        description="Anonymous callers share one public tier: answers rounded to a multiple of this, "
        "with noise keyed to the question (not the caller) and no budget to exhaust.",
        json_schema_extra={"source": "the public tier's coarseness"},
    )
    allele_count_floor: int = Field(
        default=10,
        ge=1,
        description="Smallest allele count (and allele number minus count) released for a variant: "
        "about 5 people.",
        json_schema_extra={"source": "GDI; beacon re-identification literature"},
    )
    max_parameter_ratio: float = Field(
        default=0.33,
        gt=0,
        le=0.33,
        description="A model may have at most this many parameters per person it is fitted on, at each "
        "node (a saturated model gives its data back); only stricter (smaller) values are accepted.",
        json_schema_extra={"source": "DataSHIELD nfilter.glm"},
    )
    min_contributing_nodes: int = Field(
        default=3,
        ge=3,
        description="Nodes that must contribute to a network-level statistic or model before the hub "
        "releases it; a node's part alone is released only inside that node's own checks.",
        json_schema_extra={"source": "DataSHIELD and vantage6 practice"},
    )
    max_analysis_steps: int = Field(
        default=64,
        ge=8,
        description="Evaluations one researcher may ask of the same analysis at a node within an hour "
        "(a fit takes at most 25 GLM or 30 Cox iterations): many evaluations at chosen parameters "
        "would tell more than a fit.",
        json_schema_extra={"source": "PM Bridge: bounds what a tampered hub can ask"},
    )

    def round_to_for(self, *, public: bool) -> int:
        """The multiple answers are rounded to: coarser for the anonymous public tier.

        >>> DisclosureSettings().round_to_for(public=True), DisclosureSettings().round_to_for(public=False)
        (10, 1)
        """
        return max(self.round_to, self.public_round_to) if public else self.round_to

    def min_count_for(self, *, cross_border: bool) -> int:
        """The threshold for a requester in the node's own jurisdiction, or across the border."""
        return self.min_count_cross_border if cross_border else self.min_count

    @classmethod
    def from_mapping(cls, table: Mapping[str, object], *, where: str = "config") -> DisclosureSettings:
        """Read a TOML ``[privacy]`` table; unknown names and wrong types are config errors.

        >>> DisclosureSettings.from_mapping({"min_count": 10, "noise": False}).noise
        False
        """
        return validated(cls, table, where=where, at=("privacy",))
