"""A count as the portal shows it: the number that was released and how (exact, rounded, noised, suppressed).

Read from a released count's JSON (``ReleasedCount.to_dict``); anything else is shown as
``unknown`` rather than guessed. A sum over datasets with suppressed parts is ``partial``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

HOWS: Final = ("exact", "rounded", "noised", "suppressed")


@dataclass(frozen=True, slots=True)
class ShownCount:
    """``value`` is None when suppressed (or unknown); ``marked`` says the reader needs the legend.

    >>> ShownCount.from_wire({"value": None, "how": "suppressed", "threshold": 5, "rule": "min_count"}).marked
    True
    >>> ShownCount.from_wire({"value": 12, "how": "noised", "threshold": 5, "epsilon": 1.0}).epsilon
    1.0
    >>> ShownCount.from_wire(12).how
    'unknown'
    """

    value: int | None
    how: str
    threshold: int | None = None
    reason: str = ""
    epsilon: float | None = None
    rule: str | None = None

    @classmethod
    def from_wire(cls, wire: object) -> ShownCount:
        if not isinstance(wire, Mapping):
            return cls(None, "unknown")
        how = str(wire.get("how", ""))
        value = wire.get("value")
        if how not in HOWS or (value is None) != (how == "suppressed"):
            return cls(None, "unknown")
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            return cls(None, "unknown")
        threshold, epsilon, rule = wire.get("threshold"), wire.get("epsilon"), wire.get("rule")
        return cls(
            value,
            how,
            threshold=threshold if isinstance(threshold, int) else None,
            reason=str(wire.get("reason") or ""),
            epsilon=float(epsilon) if isinstance(epsilon, int | float) else None,
            rule=str(rule) if rule else None,
        )

    @property
    def marked(self) -> bool:
        """Whether the shown number differs from the true one (or is missing)."""
        return self.how != "exact"

    @property
    def sortable(self) -> int:
        """A number to draw or sort by: a suppressed count counts as 0."""
        return self.value or 0

    def to_export(self) -> dict[str, object]:
        """The fields an export carries for this count."""
        return {
            "value": self.value,
            "how": self.how,
            "threshold": self.threshold,
            "epsilon": self.epsilon,
            "rule": self.rule,
            "reason": self.reason,
        }


def add_counts(counts: list[ShownCount]) -> ShownCount:
    """The sum of counts that each node released, marked as the least exact of its parts.

    One part is itself. Suppressed parts add nothing, so a sum with a suppressed part is a lower
    bound ("partial"); when every released part is 0 the sum says no more than the suppressed
    parts do, and is shown suppressed too.

    >>> add_counts([ShownCount(3, "exact"), ShownCount(None, "suppressed", threshold=5)]).how
    'partial'
    >>> add_counts([ShownCount(0, "exact"), ShownCount(None, "suppressed", threshold=5)]).how
    'suppressed'
    """
    if len(counts) == 1:
        return counts[0]
    if not counts:
        return ShownCount(None, "unknown")
    total = sum(c.sortable for c in counts)
    hows = {c.how for c in counts}
    if "suppressed" in hows and total == 0:
        rules = {c.rule for c in counts if c.how == "suppressed"}
        threshold = max((c.threshold or 0 for c in counts if c.how == "suppressed"), default=0)
        return ShownCount(
            None, "suppressed", threshold=threshold or None, rule=rules.pop() if len(rules) == 1 else None
        )
    if "suppressed" in hows or "unknown" in hows:
        return ShownCount(total, "partial")
    for how in ("noised", "rounded"):
        if how in hows:
            return ShownCount(total, how)
    return ShownCount(total, "exact")
