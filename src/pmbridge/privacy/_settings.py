"""The disclosure-control settings of a node or hub: POLICY.md's defaults, declared once.

Every threshold is configuration (a data protection officer may tighten it); ``[privacy]`` in a
node's or hub's TOML holds the same names as :data:`DISCLOSURE_SETTINGS`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass

from pmbridge.errors import ConfigError
from pmbridge.settings import Setting

DISCLOSURE_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "privacy.min_count",
        5,
        "Smallest count released within the requester's jurisdiction; smaller counts are shown as "
        "'fewer than N' (OHDSI and vantage6 use 5).",
    ),
    Setting(
        "privacy.min_count_cross_border",
        11,
        "Smallest count released to a requester in another jurisdiction; 1 to N-1 are suppressed "
        "(CMS / PCORnet 'no cell 1-10').",
    ),
    Setting("privacy.release_zero", True, "Release a count of 0 as 0 (CMS allows 0); false hides it too."),
    Setting(
        "privacy.complementary_suppression",
        True,
        "In a breakdown with a total, also suppress the next smallest cell (or the total) so that no "
        "suppressed cell can be derived by subtraction.",
    ),
    Setting("privacy.noise", True, "Add discrete Laplace (geometric) noise to released counts (OpenDP)."),
    Setting("privacy.epsilon_per_count", 1.0, "Privacy loss ε spent by one noised count."),
    Setting(
        "privacy.yearly_epsilon_budget",
        50.0,
        "Total ε one researcher may spend on one dataset in one calendar year; later queries are refused.",
    ),
    Setting("privacy.round_to", 1, "Round released counts to a multiple of this (1: no rounding)."),
    Setting(
        "privacy.differencing_guard",
        True,
        "Same people, same answer: a count of people whose cohort is fewer than the minimum count "
        "away from one the caller already received is answered with that earlier number, free; other "
        "counts released exactly (noise off) are refused when their cohorts are that close.",
    ),
    Setting(
        "privacy.differencing_history",
        1000,
        "How many released cohorts per caller, dataset and entry type are remembered (oldest forgotten).",
    ),
    Setting(
        "privacy.public_round_to",
        10,
        "Anonymous callers share one public tier: answers rounded to a multiple of this, with noise "
        "keyed to the question (not the caller) and no budget to exhaust.",
    ),
    Setting(
        "privacy.allele_count_floor",
        10,
        "Smallest allele count (and allele number minus count) released for a variant: about 5 people.",
    ),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class DisclosureSettings:
    """How much a node or hub lets out; the defaults are POLICY.md's table.

    >>> DisclosureSettings().min_count_for(cross_border=True)
    11
    >>> DisclosureSettings(min_count=10).min_count_for(cross_border=False)
    10
    """

    min_count: int = 5
    min_count_cross_border: int = 11
    release_zero: bool = True
    complementary_suppression: bool = True
    noise: bool = True
    epsilon_per_count: float = 1.0
    yearly_epsilon_budget: float = 50.0
    round_to: int = 1
    differencing_guard: bool = True
    differencing_history: int = 1000
    public_round_to: int = 10
    allele_count_floor: int = 10

    def __post_init__(self) -> None:
        for name in (
            "min_count",
            "min_count_cross_border",
            "round_to",
            "public_round_to",
            "allele_count_floor",
        ):
            _require(name, getattr(self, name), minimum=1)
        _require("differencing_history", self.differencing_history, minimum=0)
        if not (math.isfinite(self.epsilon_per_count) and self.epsilon_per_count > 0):
            raise ConfigError(
                f"privacy.epsilon_per_count must be a positive number, not {self.epsilon_per_count!r}",
                hint="use e.g. 1.0 (smaller is more private); turn noise off with privacy.noise = false",
            )
        if not (math.isfinite(self.yearly_epsilon_budget) and self.yearly_epsilon_budget >= 0):
            raise ConfigError(
                f"privacy.yearly_epsilon_budget must be zero or more, not {self.yearly_epsilon_budget!r}",
                hint="use e.g. 50.0",
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
    def from_mapping(cls, table: Mapping[str, object]) -> DisclosureSettings:
        """Read a TOML ``[privacy]`` table; unknown names and wrong types are config errors.

        >>> DisclosureSettings.from_mapping({"min_count": 10, "noise": False}).noise
        False
        """
        fields = {f.name: f for f in dataclasses.fields(cls)}
        values: dict[str, object] = {}
        for name, value in table.items():
            if name not in fields:
                raise ConfigError(
                    f"unknown setting privacy.{name}",
                    hint="known: " + ", ".join(s.name for s in DISCLOSURE_SETTINGS),
                )
            default = fields[name].default
            values[name] = _typed(name, value, like=default)
        return cls(**values)  # type: ignore[arg-type]  # each value was checked against its default's type


def _typed(name: str, value: object, *, like: object) -> object:
    """``value`` as the type of the default: ints may stand for floats, bools never for numbers."""
    if isinstance(like, bool):
        if isinstance(value, bool):
            return value
    elif isinstance(like, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif isinstance(like, float) and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    kind = {bool: "true or false", int: "a whole number", float: "a number"}[type(like)]
    raise ConfigError(
        f"privacy.{name} must be {kind}, not {value!r}",
        hint=f"the default is {like!r}; see docs/privacy.md",
    )


def _require(name: str, value: int, *, minimum: int) -> None:
    if value < minimum:
        raise ConfigError(
            f"privacy.{name} must be at least {minimum}, not {value}",
            hint="see docs/privacy.md for what each setting does and its default",
        )
