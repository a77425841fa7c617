"""Consensus rules as data: clauses on score bands, a scope and a quorum, with a canonical JSON form.

A study locks its rule before round 1 by recording :meth:`ConsensusRule.digest`; since the rule is
data, not code, the same digest always means the same arithmetic (Diamond et al. 2014: fix it first).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Final

from pmbridge.consensus._model import Status, invalid


class Band(StrEnum):
    """A GRADE band of the 1–9 scale."""

    LOW = "1-3"
    MID = "4-6"
    HIGH = "7-9"

    @property
    def scores(self) -> range:
        """The scores in the band.

        >>> list(Band.HIGH.scores)
        [7, 8, 9]
        """
        low = int(self.value[0])
        return range(low, low + 3)

    @property
    def label(self) -> str:
        """The band as people write it, with an en dash: ``7–9``."""
        return self.value.replace("-", "–")


def band_of(score: int) -> Band:
    """The band a 1–9 score falls in.

    >>> band_of(3), band_of(4), band_of(9)
    (<Band.LOW: '1-3'>, <Band.MID: '4-6'>, <Band.HIGH: '7-9'>)
    """
    return (Band.LOW, Band.MID, Band.HIGH)[(score - 1) // 3]


class Op(StrEnum):
    """How a clause compares a band's share with its percent."""

    AT_LEAST = ">="
    BELOW = "<"


class Scope(StrEnum):
    """Where a rule is applied: within each stakeholder group, or once over the whole panel."""

    EVERY_GROUP = "every_group"
    WHOLE_PANEL = "whole_panel"


def format_percent(share: Fraction) -> str:
    """A percentage for people: whole numbers stay exact, others get one decimal.

    >>> format_percent(Fraction(75)), format_percent(Fraction(100, 3))
    ('75 %', '33.3 %')
    """
    if share.denominator == 1:
        return f"{share.numerator} %"
    return f"{float(share):.1f} %"


@dataclass(frozen=True, slots=True)
class Clause:
    """``percent`` (a percentage, 0–100, as a Fraction) of scorers rate in ``band``: at least, or below.

    "Unable to score" ratings are in no band and in no denominator.

    >>> c = Clause(Band.HIGH, Op.AT_LEAST, Fraction(70))
    >>> c.holds(14, 20), c.holds(13, 20)
    (True, False)
    >>> Clause(Band.LOW, Op.BELOW, Fraction(15)).holds(3, 20)
    False
    """

    band: Band
    op: Op
    percent: Fraction

    def __post_init__(self) -> None:
        if not isinstance(self.percent, Fraction) or not 0 <= self.percent <= 100:
            raise invalid(
                f"clause percent {self.percent!r} is not a Fraction from 0 to 100",
                hint='write percents as exact fractions, e.g. Fraction(70) or "70/100" in JSON',
            )

    def holds(self, count: int, scorers: int) -> bool:
        """Whether ``count`` of ``scorers`` meets the clause; never with no scorers."""
        if scorers <= 0:
            return False
        share = Fraction(100 * count, scorers)
        return share >= self.percent if self.op is Op.AT_LEAST else share < self.percent

    def describe(self, count: int, scorers: int) -> str:
        """The clause's figures, e.g. ``15/20 (75 %) rated 7–9``."""
        share = Fraction(100 * count, scorers) if scorers else Fraction(0)
        return f"{count}/{scorers} ({format_percent(share)}) rated {self.band.label}"

    def to_json(self) -> dict[str, str]:
        """``{"band": "7-9", "op": ">=", "percent": "70/100"}``: the percent over 100, exactly."""
        return {"band": self.band.value, "op": self.op.value, "percent": _percent_text(self.percent)}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Clause:
        try:
            if set(data) != {"band", "op", "percent"}:
                raise ValueError(f"keys must be band, op and percent, not {sorted(data)}")
            band, op, percent = data["band"], data["op"], data["percent"]
            if not (isinstance(band, str) and isinstance(op, str) and isinstance(percent, str)):
                raise TypeError("band, op and percent must be strings")
            if percent.count("/") != 1:
                raise ValueError(percent)
            numerator, denominator = (int(part) for part in percent.split("/"))
            value, clause_band, clause_op = Fraction(numerator * 100, denominator), Band(band), Op(op)
        except (KeyError, ValueError, TypeError, ZeroDivisionError) as exc:
            raise invalid(
                f"clause {dict(data)!r} cannot be read ({exc!r})",
                hint='write {"band": "7-9"|"4-6"|"1-3", "op": ">="|"<", "percent": "70/100"}',
            ) from exc
        return cls(clause_band, clause_op, value)


def _percent_text(percent: Fraction) -> str:
    """``"70/100"`` for 70 %: the share as a fraction whose denominator is a multiple of 100.

    >>> _percent_text(Fraction(70)), _percent_text(Fraction(100, 3))
    ('70/100', '100/300')
    """
    return f"{percent.numerator}/{percent.denominator * 100}"


OUTCOMES: Final = (Status.IN, Status.OUT, Status.IMPORTANT)
"""The statuses a rule can decide, in the order its clauses are written and reported."""

_RULE_KEYS: Final = frozenset(
    {"name", "scope", "min_scorers", "drop_on_consensus", *(outcome.value for outcome in OUTCOMES)}
)


@dataclass(frozen=True, slots=True)
class ConsensusRule:
    """A consensus rule: for each outcome, clauses that must all hold; where; and with how many.

    An outcome with no clauses is never reached. When more than one outcome holds (a rule with low
    percentages can allow it) the tally is ``no_consensus``: a rule must not pick for the panel.
    A group (or, for ``whole_panel``, the panel) with fewer than ``min_scorers`` scorers cannot
    reach consensus; "unable to score" ratings are left out of every denominator.
    """

    name: str
    scope: Scope
    clauses_in: tuple[Clause, ...]
    clauses_out: tuple[Clause, ...]
    clauses_important: tuple[Clause, ...] = ()
    min_scorers: int = 1
    drop_on_consensus: bool = True

    def __post_init__(self) -> None:
        if (
            isinstance(self.min_scorers, bool)
            or not isinstance(self.min_scorers, int)
            or self.min_scorers < 1
        ):
            raise invalid(
                f"min_scorers {self.min_scorers!r} is not a whole number of at least 1",
                hint="set min_scorers to the fewest scorers a group needs to reach consensus",
            )
        if not (self.clauses_in or self.clauses_out or self.clauses_important):
            raise invalid(f"rule {self.name!r} has no clauses", hint="give at least the 'in' clauses")

    def clauses(self, outcome: Status) -> tuple[Clause, ...]:
        """The clauses that decide ``outcome``."""
        return {
            Status.IN: self.clauses_in,
            Status.OUT: self.clauses_out,
            Status.IMPORTANT: self.clauses_important,
        }.get(outcome, ())

    def to_json(self) -> str:
        """The canonical JSON: sorted keys, no spaces, percents as ``"70/100"`` strings."""
        data = {
            "name": self.name,
            "scope": self.scope.value,
            "min_scorers": self.min_scorers,
            "drop_on_consensus": self.drop_on_consensus,
            **{outcome.value: [c.to_json() for c in self.clauses(outcome)] for outcome in OUTCOMES},
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ConsensusRule:
        """Read a rule written by :meth:`to_json` (or by hand in the same shape)."""
        try:
            data = json.loads(text)
            unknown = sorted(set(data) - _RULE_KEYS)
            if unknown:
                raise ValueError(f"unknown keys {unknown}")
            name, scope = data["name"], Scope(data["scope"])
            min_scorers, drop = data.get("min_scorers", 1), data.get("drop_on_consensus", True)
            lists = [data.get(outcome.value, []) for outcome in OUTCOMES]
            if not isinstance(name, str) or not isinstance(drop, bool) or not isinstance(min_scorers, int):
                raise TypeError("name must be text, drop_on_consensus true/false, min_scorers a number")
            if not all(isinstance(clauses, list) for clauses in lists):
                raise TypeError("clauses must be lists")
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise invalid(
                f"consensus rule cannot be read ({exc!r})",
                hint="start from a preset: print(COMET.to_json()) shows the shape",
            ) from exc
        clauses_in, clauses_out, clauses_important = (_clauses(items) for items in lists)
        return cls(name, scope, clauses_in, clauses_out, clauses_important, min_scorers, drop)

    def digest(self) -> str:
        """sha256 of the canonical JSON: what a study's lock records.

        The name is part of it, so renaming a locked rule counts as changing it.
        """
        return hashlib.sha256(self.to_json().encode()).hexdigest()


def _clauses(items: Iterable[object]) -> tuple[Clause, ...]:
    clauses = []
    for item in items:
        if not isinstance(item, Mapping):
            raise invalid(
                f"clause {item!r} is not an object", hint='write {"band": …, "op": …, "percent": …}'
            )
        clauses.append(Clause.from_json(item))
    return tuple(clauses)


_SEVENTY: Final = Fraction(70)
_FIFTEEN: Final = Fraction(15)

COMET: Final = ConsensusRule(
    name="COMET",
    scope=Scope.EVERY_GROUP,
    clauses_in=(Clause(Band.HIGH, Op.AT_LEAST, _SEVENTY), Clause(Band.LOW, Op.BELOW, _FIFTEEN)),
    clauses_out=(Clause(Band.LOW, Op.AT_LEAST, _SEVENTY), Clause(Band.HIGH, Op.BELOW, _FIFTEEN)),
)
"""COMET: in when ≥ 70 % rate 7–9 and < 15 % rate 1–3 in every stakeholder group; out the mirror."""

PANEL_70: Final = ConsensusRule(
    name="PANEL_70",
    scope=Scope.WHOLE_PANEL,
    clauses_in=COMET.clauses_in,
    clauses_out=COMET.clauses_out,
)
"""COMET's thresholds over the whole panel at once, groups ignored."""

GRADE_BANDS: Final = ConsensusRule(
    name="GRADE_BANDS",
    scope=Scope.WHOLE_PANEL,
    clauses_in=(Clause(Band.HIGH, Op.AT_LEAST, _SEVENTY),),
    clauses_out=(Clause(Band.LOW, Op.AT_LEAST, _SEVENTY),),
    clauses_important=(Clause(Band.MID, Op.AT_LEAST, _SEVENTY),),
)
"""GRADE: ≥ 70 % in one band decides: 7–9 critical (in), 4–6 important, 1–3 limited importance (out)."""

PRESETS: Final = {rule.name: rule for rule in (COMET, PANEL_70, GRADE_BANDS)}
