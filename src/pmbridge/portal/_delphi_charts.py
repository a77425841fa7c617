"""A released block's 1–9 distribution as the bars of an inline SVG chart (no script): one bar per
score and one for "unable to score", the panellist's own earlier score marked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from pmbridge.consensus import OTHER_GROUPS

WIDTH: Final = 320
HEIGHT: Final = 150
TOP: Final = 18  # room for the count above the tallest bar
BASE: Final = 120  # the axis; the score labels sit below it
SLOT: Final = 30  # horizontal room per bar (10 bars in 300 units, 10 left for the margin)
BAR: Final = 22
UNABLE_LABEL: Final = "?"


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: its label under the axis, the people it counts and where it is drawn."""

    label: str
    score: int | None  # None for "unable to score"
    count: int
    x: int
    y: float
    height: float
    own: bool
    band: str  # "low" | "mid" | "high" | "unable": the GRADE band, for the colour

    @property
    def centre(self) -> int:
        return self.x + BAR // 2


@dataclass(frozen=True, slots=True)
class DistributionChart:
    """One block's chart: ``key`` makes its element ids unique on the page; ``label`` names its
    groups (their names where known), ``pooled`` says "other groups" joined them."""

    key: str
    label: str
    respondents: int
    bars: tuple[Bar, ...]
    own: int | str | None
    pooled: bool = False
    groups: tuple[str, ...] = ()
    width: int = WIDTH
    height: int = HEIGHT
    base: int = BASE

    @property
    def scored(self) -> int:
        return sum(bar.count for bar in self.bars if bar.score is not None)


def block_groups(block: Mapping[str, object]) -> tuple[tuple[str, ...], bool]:
    """The group ids a released block pools and whether "other groups" joined them: from its
    ``groups`` where the hub sends them, else from its label as the core writes it.

    >>> block_groups({"label": "eu and other groups"}), block_groups({"label": "other groups"})
    ((('eu',), True), ((), True))
    >>> block_groups({"label": "eu and other groups", "groups": ["cn", "eu"]})
    (('cn', 'eu'), False)
    """
    label = str(block.get("label") or "")
    given = block.get("groups")
    if isinstance(given, list) and given:
        return tuple(str(g) for g in given), False
    if label == OTHER_GROUPS:
        return (), True
    tail = f" and {OTHER_GROUPS}"
    if label.endswith(tail):
        return (label[: -len(tail)],), True
    return (label,), False


def distribution_chart(
    key: str, block: Mapping[str, object], *, own: object = None, names: Mapping[str, str] | None = None
) -> DistributionChart:
    """The chart of a block ``{label, counts: [9 ints], unable, respondents}``; ``own`` (a score
    1–9 or ``"unable"``) is the viewer's own earlier answer, highlighted (None: not shown);
    ``names`` names the groups (by id) in the page's language.

    >>> block = {"label": "EU", "counts": [0, 0, 0, 0, 1, 0, 2, 4, 1], "unable": 1}
    >>> chart = distribution_chart("a", block, own=8)
    >>> [(b.label, b.count, b.own) for b in chart.bars][-3:], chart.respondents
    ([('8', 4, True), ('9', 1, False), ('?', 1, False)], 9)
    """
    counts = _counts(block.get("counts"))
    unable = _int(block.get("unable"))
    given = block.get("respondents")
    respondents = given if isinstance(given, int) and not isinstance(given, bool) else sum(counts) + unable
    values: Sequence[tuple[str, int | None, int]] = [
        *((str(score), score, counts[score - 1]) for score in range(1, 10)),
        (UNABLE_LABEL, None, unable),
    ]
    tallest = max((count for _, _, count in values), default=0) or 1
    bars = []
    for index, (label, score, count) in enumerate(values):
        height = round((BASE - TOP) * count / tallest, 1)
        mine = own is not None and (own == score if score is not None else own == "unable")
        bars.append(Bar(label, score, count, 10 + index * SLOT, BASE - height, height, mine, _band(score)))
    shown_own = own if isinstance(own, int | str) and not isinstance(own, bool) else None
    groups, pooled = block_groups(block)
    label = ", ".join((names or {}).get(group, group) for group in groups)
    return DistributionChart(key, label, respondents, tuple(bars), shown_own, pooled, groups)


def _band(score: int | None) -> str:
    if score is None:
        return "unable"
    return ("low", "mid", "high")[(score - 1) // 3]


def _counts(value: object) -> list[int]:
    """Nine non-negative counts; anything else in the hub's answer is read as zero."""
    found = [_int(v) for v in value] if isinstance(value, list) else []
    return (found + [0] * 9)[:9]


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0
