"""A released number and how it was produced: exact, rounded, noised or suppressed.

Nothing leaves a node or the hub as a bare int: every count says what was done to it and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pmbridge.errors import DisclosureRefused


class ReleaseMethod(StrEnum):
    """How a released count relates to the true one."""

    EXACT = "exact"
    ROUNDED = "rounded"
    NOISED = "noised"
    SUPPRESSED = "suppressed"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReleasedCount:
    """One released count: ``value`` is None exactly when ``how`` is suppressed.

    ``threshold`` is the minimum count that applied, ``epsilon`` the privacy loss a noised value
    spent, ``rounded_to`` the multiple it was rounded to, ``rule`` the rule that suppressed it
    (``min_count``, ``complementary``, ``allele_count_floor``, ``differencing_guard``,
    ``budget``), and ``reason`` a sentence for people. ``origin`` is an opaque id of the release a
    count of people was first made as: the same id whenever the same people (or a few fewer or
    more) are counted again, so that a hub adding its own noise can give them one answer too.

    >>> ReleasedCount(value=None, how=ReleaseMethod.SUPPRESSED, threshold=5, rule="min_count",
    ...               reason="fewer than 5").display
    '<5'
    >>> ReleasedCount(value=12, how=ReleaseMethod.NOISED, threshold=5, epsilon=1.0, reason="").display
    '≈12'
    """

    value: int | None
    how: ReleaseMethod
    threshold: int
    reason: str
    epsilon: float | None = None
    rounded_to: int | None = None
    rule: str | None = None
    origin: str | None = None

    @property
    def released(self) -> bool:
        """Whether a number leaves at all."""
        return self.value is not None

    @property
    def display(self) -> str:
        """How a person should see it, one mark per meaning: ``12`` exact, ``≈12`` noised, ``~10``
        rounded, ``<5`` fewer than 5, ``hidden`` (held back beside other numbers so that a small one
        cannot be worked out), ``withheld`` (the allele floor), ``refused`` (budget and other
        refusals: ``reason`` says which rule and what to change).

        >>> ReleasedCount(value=None, how=ReleaseMethod.SUPPRESSED, threshold=11, rule="complementary",
        ...               reason="").display
        'hidden'
        """
        if self.value is None:
            return suppressed_mark(self.rule, self.threshold)
        prefix = {ReleaseMethod.NOISED: "≈", ReleaseMethod.ROUNDED: "~"}.get(self.how, "")
        return f"{prefix}{self.value}"

    def to_dict(self) -> dict[str, object]:
        """JSON-ready fields, for replies and the audit log.

        >>> ReleasedCount(value=0, how=ReleaseMethod.EXACT, threshold=11, reason="none").to_dict()["how"]
        'exact'
        """
        return {
            "value": self.value,
            "how": self.how.value,
            "threshold": self.threshold,
            "epsilon": self.epsilon,
            "roundedTo": self.rounded_to,
            "rule": self.rule,
            "reason": self.reason,
            "display": self.display,
            "origin": self.origin,
        }


SUPPRESSED_MARKS = {
    "min_count": "<{k}",
    "complementary": "hidden",
    "allele_count_floor": "withheld",
    "one_person": "withheld",
}
"""The mark of a number that did not leave, by the rule that held it back; any other rule (a
refusal: ``budget``, ``differencing_guard``, ``access_level``, ...) reads ``refused``."""


def suppressed_mark(rule: str | None, threshold: int) -> str:
    """The short mark shown in place of a held-back number.

    >>> suppressed_mark("min_count", 11), suppressed_mark("complementary", 11), suppressed_mark("budget", 5)
    ('<11', 'hidden', 'refused')
    """
    return SUPPRESSED_MARKS.get(rule or "", "refused").format(k=threshold)


def suppressed(*, threshold: int, rule: str, reason: str) -> ReleasedCount:
    """A count that does not leave, naming the rule that held it back."""
    return ReleasedCount(
        value=None, how=ReleaseMethod.SUPPRESSED, threshold=threshold, rule=rule, reason=reason
    )


def refused(error: DisclosureRefused, *, threshold: int) -> ReleasedCount:
    """A refusal as a suppressed count, for a reply that carries other counts beside it.

    A node answering for three datasets may refuse one (its budget is spent) and still answer
    for the other two; the refused one says which rule refused it and how to fix that.

    >>> from pmbridge.errors import DisclosureRefused
    >>> refused(DisclosureRefused("differencing_guard", "too close"), threshold=5).rule
    'differencing_guard'
    """
    reason = f"{error.message} (hint: {error.hint})" if error.hint else error.message
    return suppressed(threshold=threshold, rule=error.rule, reason=reason)
