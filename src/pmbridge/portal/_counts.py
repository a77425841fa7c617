"""A count as the portal shows it: the number that was released and how, with one mark per meaning.

Read from a released count's JSON (``ReleasedCount.to_dict``); anything else is shown as
``unknown`` rather than guessed. A sum over datasets with held-back parts is ``partial``: the sum
of what was released, with the held-back parts named, never a number that includes them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from pmbridge.client import ReleasedNumber
from pmbridge.portal._i18n import N_
from pmbridge.portal._refusals import Refusal, refusal_of_rule

HOWS: Final = ("exact", "rounded", "noised", "suppressed")
KIND_BY_RULE: Final = {"min_count": "fewer", "complementary": "hidden", "allele_count_floor": "withheld"}
"""The mark of a held-back number by the rule that held it back; any other rule is a refusal."""
WORDS: Final = {
    "hidden": N_("hidden"),
    "withheld": N_("withheld"),
    "refused": N_("refused"),
    "unknown": N_("unknown"),
}
"""The held-back marks that are words (``fewer`` is ``<k``)."""
_UNKNOWN_FIRST: Final = ("unknown", "refused", "withheld", "hidden")
"""Which mark a sum of held-back parts takes when they differ: the least known first."""
_LEAST_EXACT: Final = ("noised", "rounded", "exact")

Translate = Callable[[str], str]
Number = Callable[[int], str]


def _plain_number(value: int) -> str:
    return f"{value:,}"


@dataclass(frozen=True, slots=True)
class ShownCount:
    """``value`` is None when held back (or unknown); ``marked`` says the reader needs the legend.

    A ``partial`` count is a sum of released parts: ``base`` is how the least exact of them was
    made, and ``held`` are the parts that were held back (not included in ``value``).

    >>> held = {"value": None, "how": "suppressed", "threshold": 5}
    >>> ShownCount.from_wire({**held, "rule": "min_count"}).plain()
    '<5'
    >>> ShownCount.from_wire({**held, "rule": "complementary"}).plain()
    'hidden'
    >>> ShownCount.from_wire({"value": 1234, "how": "noised", "threshold": 5, "epsilon": 1.0}).plain()
    '≈1,234'
    >>> ShownCount.from_wire(12).how
    'unknown'
    """

    value: int | None
    how: str
    threshold: int | None = None
    reason: str = ""
    epsilon: float | None = None
    rule: str | None = None
    base: str = "exact"
    held: tuple[ShownCount, ...] = ()

    @classmethod
    def from_released(cls, released: ReleasedNumber | None) -> ShownCount:
        """A count the client has checked (a held-back one has no value); None, a count the hub
        did not send, is ``unknown``.

        >>> ShownCount.from_released(ReleasedNumber(value=None, how="suppressed", threshold=11)).plain()
        '<11'
        >>> ShownCount.from_released(None).how
        'unknown'
        """
        if released is None:
            return cls(None, "unknown")
        return cls(
            released.value,
            released.how,
            threshold=released.threshold,
            reason=released.reason or "",
            epsilon=released.epsilon,
            rule=released.rule or None,
        )

    @classmethod
    def from_wire(cls, wire: object) -> ShownCount:
        if not isinstance(wire, Mapping):
            return cls(None, "unknown")
        how = str(wire.get("how", ""))
        value = wire.get("value")
        if how not in HOWS or (value is None) != (how == "suppressed"):
            return cls(None, "unknown")
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            return cls(None, "unknown")
        threshold, epsilon, rule = wire.get("threshold"), wire.get("epsilon"), wire.get("rule")
        return cls(
            value,
            how,
            threshold=threshold if isinstance(threshold, int) and not isinstance(threshold, bool) else None,
            reason=str(wire.get("reason") or ""),
            epsilon=float(epsilon) if isinstance(epsilon, int | float) else None,
            rule=str(rule) if rule else None,
        )

    @property
    def kind(self) -> str:
        """One word per meaning: ``exact``, ``noised``, ``rounded``, ``partial``, ``unknown``, or for a
        held-back number ``fewer`` (below the minimum count), ``hidden`` (beside a released total,
        so that a small number cannot be worked out: it may be large), ``withheld`` (the allele
        floor), ``refused`` (budget, differencing guard, access level and other refusals)."""
        if self.how != "suppressed":
            return self.how
        if self.rule is None:
            return "fewer" if self.threshold else "hidden"
        return KIND_BY_RULE.get(self.rule, "refused")

    @property
    def marked(self) -> bool:
        """Whether the shown number differs from the true one (or is missing)."""
        return self.how != "exact"

    @property
    def sortable(self) -> int:
        """A number to sort by: a held-back count counts as 0."""
        return self.value or 0

    @property
    def refusal(self) -> Refusal | None:
        """Why a held-back count was held back, as a sentence that says what to change."""
        kind = self.kind
        if kind == "fewer":
            return refusal_of_rule("min_count")
        if kind == "hidden":
            return refusal_of_rule(self.rule or "complementary")
        if kind in ("withheld", "refused"):
            return refusal_of_rule(self.rule or "refused", detail=self.reason)
        return None

    @property
    def held_back(self) -> ShownCount | None:
        """What the held-back parts of a partial sum add up to, as one mark (``<21``, ``hidden``)."""
        return held_sum(self.held) if self.held else None

    def text(self, translate: Translate = str, number: Number = _plain_number) -> str:
        """The count as written in tables and charts, in one language (the CLI uses English)."""
        kind = self.kind
        if kind == "fewer":
            return f"<{number(self.threshold or 0)}"
        if kind in WORDS:
            return translate(WORDS[kind])
        value = number(self.value or 0)
        if kind == "noised":
            return f"≈{value}"
        if kind == "rounded":
            return f"~{value}"
        if kind == "partial":
            rest = self.held_back
            more = rest.text(translate, number) if rest is not None else translate(WORDS["hidden"])
            return f"≥{value} (+ {more})"
        return value

    def plain(self) -> str:
        """:meth:`text` in English with plain number formatting."""
        return self.text()

    def to_export(self) -> dict[str, object]:
        """The fields an export carries for this count."""
        return {
            "value": self.value,
            "how": self.how,
            "display": self.plain(),
            "threshold": self.threshold,
            "epsilon": self.epsilon,
            "rule": self.rule,
            "reason": self.reason,
        }


def held_sum(parts: Sequence[ShownCount]) -> ShownCount:
    """Held-back counts added up, as much as can be said: parts each below their minimum count are
    below the sum of their bounds (``<11`` and ``<11`` make ``<21``); any other part is unknown, and
    the sum takes the least known part's mark.

    >>> fewer = ShownCount(None, "suppressed", threshold=11, rule="min_count")
    >>> budget = ShownCount(None, "suppressed", rule="budget")
    >>> held_sum([fewer, fewer]).plain(), held_sum([fewer, budget]).plain()
    ('<21', 'refused')
    """
    if len(parts) == 1:
        return parts[0]
    kinds = [p.kind for p in parts]
    if all(k == "fewer" for k in kinds):
        bound = sum((p.threshold or 1) - 1 for p in parts) + 1
        return ShownCount(None, "suppressed", threshold=bound, rule="min_count")
    worst = next(k for k in _UNKNOWN_FIRST if k in kinds)
    first = parts[kinds.index(worst)]
    if worst == "unknown":
        return ShownCount(None, "unknown")
    return ShownCount(None, "suppressed", threshold=first.threshold, rule=first.rule, reason=first.reason)


def add_counts(counts: Sequence[ShownCount]) -> ShownCount:
    """The sum of counts that each node released, marked as the least exact of its parts.

    One part is itself. Held-back parts add nothing, so a sum with a held-back part is ``partial``
    (the released sum, plus parts of unknown size); when every released part is 0 the sum says
    no more than the held-back parts do, and is shown as their sum (:func:`held_sum`).

    >>> fewer = ShownCount(None, "suppressed", threshold=5, rule="min_count")
    >>> add_counts([ShownCount(3, "exact"), fewer]).plain()
    '≥3 (+ <5)'
    >>> add_counts([ShownCount(0, "exact"), fewer, fewer]).plain()
    '<9'
    """
    if len(counts) == 1:
        return counts[0]
    if not counts:
        return ShownCount(None, "unknown")
    held = tuple(c for c in counts if c.value is None)
    shown = [c for c in counts if c.value is not None]
    total = sum(c.sortable for c in shown)
    if held and total == 0:
        return held_sum(held)
    base = next((h for h in _LEAST_EXACT if any(h in (c.how, c.base) for c in shown)), "exact")
    held += tuple(p for c in shown for p in c.held)
    if held:
        return ShownCount(total, "partial", base=base, held=held)
    return ShownCount(total, base)
