"""The outcome of one policy rule: allowed or not, which rule decided, and what to do about it.

Every refusal names its rule (X1–X6 of POLICY.md) so audit logs and error replies can cite it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

RULES: Final = ("X1", "X2", "X3", "X4", "X5", "X6")
"""The cross-border rules of POLICY.md, in the order the node evaluates them."""


@dataclass(frozen=True, slots=True)
class Decision:
    """One rule's verdict on one request.

    ``reason`` is written for the person who can act on it: on a refusal it says which setting
    to configure or what to ask for instead.

    >>> Decision.refuse("X5", "law enforcement requests need PRC approval").allowed
    False
    >>> str(Decision.allow("X1", "same jurisdiction"))
    'X1 allowed: same jurisdiction'
    """

    allowed: bool
    rule: str
    reason: str

    @classmethod
    def allow(cls, rule: str, reason: str) -> Decision:
        return cls(allowed=True, rule=rule, reason=reason)

    @classmethod
    def refuse(cls, rule: str, reason: str) -> Decision:
        return cls(allowed=False, rule=rule, reason=reason)

    def __str__(self) -> str:
        return f"{self.rule} {'allowed' if self.allowed else 'refused'}: {self.reason}"


def first_refusal(decisions: tuple[Decision, ...]) -> Decision | None:
    """The refusal that decides a chain of rule decisions, or None when every rule allowed.

    >>> first_refusal((Decision.allow("X6", "ok"), Decision.refuse("X1", "no"))).rule
    'X1'
    """
    return next((d for d in decisions if not d.allowed), None)
