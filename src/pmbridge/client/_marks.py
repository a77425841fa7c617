"""Released numbers as the hub marks them: exact ``12``, noised ``≈12``, rounded ``~10``, or held
back (``<11``, ``hidden``, ``withheld``, ``refused``) with no number at all; and totals over them.

A held-back number has ``value`` None here, as on the wire: nothing in the client turns it into 0.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from pmbridge.client._message import Message

__all__ = ["How", "ReleasedNumber", "ReleasedSum", "held_back_kind"]

How = Literal["exact", "rounded", "noised", "suppressed"]

_KIND_BY_RULE = {"min_count": "fewer", "complementary": "hidden", "allele_count_floor": "withheld"}
_KIND_BY_RULE["one_person"] = "withheld"


def held_back_kind(rule: str | None, threshold: int | None) -> str:
    """One word for why a number was held back: ``fewer`` (below the minimum count), ``hidden``
    (beside other numbers, so a small one cannot be worked out), ``withheld`` (the allele floor, one
    person) or ``refused`` (budget, differencing guard, access and other refusals).

    >>> held_back_kind("min_count", 11), held_back_kind("budget", 5), held_back_kind(None, 5)
    ('fewer', 'refused', 'fewer')
    """
    if rule is None:
        return "fewer" if threshold else "hidden"
    return _KIND_BY_RULE.get(rule, "refused")


class ReleasedNumber(Message):
    """One released count: ``value`` is None exactly when ``how`` is ``suppressed``.

    >>> n = ReleasedNumber.model_validate({"value": None, "how": "suppressed", "threshold": 11,
    ...                                   "rule": "min_count"})
    >>> n.value, n.mark, n.kind
    (None, '<11', 'fewer')
    >>> ReleasedNumber.model_validate({"value": 40, "how": "noised", "roundedTo": 10}).mark
    '≈40'
    """

    value: int | None
    how: How
    threshold: int | None = None
    epsilon: float | None = None
    rounded_to: int | None = None
    rule: str | None = None
    reason: str | None = None
    display: str | None = None
    origin: str | None = None

    @model_validator(mode="after")
    def _held_back_has_no_number(self) -> ReleasedNumber:
        if (self.value is None) != (self.how == "suppressed"):
            raise ValueError("value must be null exactly when how is 'suppressed'")
        if self.value is not None and self.value < 0:
            raise ValueError("a released count is never negative")
        return self

    @property
    def held_back(self) -> bool:
        """Whether no number left (``value`` is None)."""
        return self.value is None

    @property
    def kind(self) -> str:
        """``exact``, ``noised``, ``rounded``, or for a held-back number ``fewer``, ``hidden``,
        ``withheld`` or ``refused`` (:func:`held_back_kind`)."""
        return self.how if self.value is not None else held_back_kind(self.rule, self.threshold)

    @property
    def mark(self) -> str:
        """How a person should read it: the hub's ``display`` when sent, else the same marks
        worked out here (``12``, ``≈12``, ``~10``, ``<11``, ``hidden``, ``withheld``, ``refused``)."""
        if self.display:
            return self.display
        if self.value is None:
            kind = self.kind
            return f"<{self.threshold}" if kind == "fewer" else kind
        return {"noised": "≈", "rounded": "~"}.get(self.how, "") + str(self.value)


class ReleasedSum(Message):
    """A total over released parts (``info.total``): the sum of what left, never of what was held
    back; ``partial`` when a part was held back (``suppressed_parts``) or a node's answer is absent
    (``absent_nodes``). ``value`` is None when no part was released.

    >>> t = ReleasedSum.model_validate({"value": 60, "how": "noised", "partial": True, "parts": 2,
    ...     "suppressedParts": [], "absentNodes": ["eu-down"], "display": "≥≈60 (+ 1 node left out)"})
    >>> t.value, t.mark, t.absent_nodes
    (60, '≥≈60 (+ 1 node left out)', ['eu-down'])
    """

    value: int | None
    how: How
    partial: bool = False
    parts: int = 0
    suppressed_parts: list[str] = Field(default_factory=list)
    absent_nodes: list[str] = Field(default_factory=list)
    reason: str | None = None
    display: str | None = None

    @model_validator(mode="after")
    def _held_back_has_no_number(self) -> ReleasedSum:
        if (self.value is None) != (self.how == "suppressed"):
            raise ValueError("value must be null exactly when how is 'suppressed'")
        return self

    @property
    def mark(self) -> str:
        """The hub's ``display``, else ``held back`` or the value with its mark (``≥`` when partial)."""
        if self.display:
            return self.display
        if self.value is None:
            return "held back"
        shown = {"noised": "≈", "rounded": "~"}.get(self.how, "") + str(self.value)
        return f"≥{shown}" if self.partial else shown
