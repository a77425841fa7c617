"""A total over released parts: the sum of what left, never of what was held back.

A node's total over its datasets and the hub's over its nodes are computed from the released
values only (post-processing, which costs no privacy). A suppressed part is not added as a
guess or worked out from anything: the total is marked partial and names the parts it lacks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pmbridge.privacy._released import ReleasedCount, ReleaseMethod


@dataclass(frozen=True, slots=True, kw_only=True)
class ReleasedTotal:
    """The sum of the released parts; ``value`` is None when no part was released.

    ``how`` is the least exact of the parts that were added (noised before rounded before
    exact); ``missing`` names the parts held back, which the value does not include, and
    ``absent`` the sources (nodes) whose answer is not in it at all (down, timed out, refused…).

    >>> from pmbridge.privacy._thresholds import fewer_than
    >>> exact = ReleasedCount(value=12, how=ReleaseMethod.EXACT, threshold=5, reason="")
    >>> total = released_total({"a": exact, "b": fewer_than(5)})
    >>> total.value, total.how.value, total.missing, total.display
    (12, 'exact', ('b',), '≥12 (+ 1 part held back)')
    >>> late = released_total({"a": exact}, absent=("eu-x",))
    >>> late.partial, late.display
    (True, '≥12 (+ 1 node left out)')
    """

    value: int | None
    how: ReleaseMethod
    parts: int
    missing: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()

    @property
    def partial(self) -> bool:
        """Whether some part was held back or some source's answer is absent, so the value is not
        the whole total."""
        return bool(self.missing or self.absent)

    @property
    def display(self) -> str:
        """The sum as people should read it: a partial one is "at least", with what it lacks."""
        if self.value is None:
            return "held back"
        prefix = {ReleaseMethod.NOISED: "≈", ReleaseMethod.ROUNDED: "~"}.get(self.how, "")
        if not self.partial:
            return f"{prefix}{self.value}"
        held, absent = len(self.missing), len(self.absent)
        lacks = [f"{held} part{'s' if held > 1 else ''} held back"] if held else []
        lacks += [f"{absent} node{'s' if absent > 1 else ''} left out"] if absent else []
        return f"≥{prefix}{self.value} (+ {', '.join(lacks)})"

    def to_dict(self) -> dict[str, object]:
        """JSON-ready fields, in the shape of :meth:`ReleasedCount.to_dict` where they agree."""
        return {
            "value": self.value,
            "how": self.how.value,
            "partial": self.partial,
            "parts": self.parts,
            "suppressedParts": list(self.missing),
            "absentNodes": list(self.absent),
            "reason": _reason(self),
            "display": self.display,
        }


_ORDER = (ReleaseMethod.NOISED, ReleaseMethod.ROUNDED, ReleaseMethod.EXACT)


def released_total(parts: Mapping[str, ReleasedCount], *, absent: tuple[str, ...] = ()) -> ReleasedTotal:
    """The sum over ``parts`` of the values that left; suppressed parts are named, not counted,
    and so are the ``absent`` sources, whose parts are not in hand."""
    shown = [p for p in parts.values() if p.value is not None]
    missing = tuple(name for name, p in parts.items() if p.value is None)
    if not shown:
        return ReleasedTotal(
            value=None, how=ReleaseMethod.SUPPRESSED, parts=len(parts), missing=missing, absent=absent
        )
    how = next((m for m in _ORDER if any(p.how is m for p in shown)), ReleaseMethod.EXACT)
    value = sum(p.value for p in shown if p.value is not None)
    return ReleasedTotal(value=value, how=how, parts=len(parts), missing=missing, absent=absent)


def _reason(total: ReleasedTotal) -> str:
    if total.value is None:
        return "every part was held back, so there is no total"
    made = {
        ReleaseMethod.NOISED: "the sum of released values, some of them noised",
        ReleaseMethod.ROUNDED: "the sum of released values, some of them rounded",
        ReleaseMethod.EXACT: "the sum of released values",
    }[total.how]
    if total.missing:
        made += f"; suppressed parts ({', '.join(total.missing)}) are not included"
    if total.absent:
        made += f"; nodes whose answer is not in hand ({', '.join(total.absent)}) are not included"
    return made
