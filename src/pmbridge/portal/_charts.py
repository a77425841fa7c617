"""Bar charts as geometry for inline SVG: no chart JavaScript, readable with styles and scripts off.

The template draws what this computes: each bar under its label, so a chart stays readable at
phone width; every bar keeps its released count and is drawn as what is known of it: a value, a
partial sum with an open tail, an upper bound (``<11``), or a bar of unknown size (hidden,
withheld, refused) that spans the chart, hatched, so it never reads as a small number.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from pmbridge.portal._counts import ShownCount

WIDTH: Final = 420
VALUE_WIDTH: Final = 160
TAIL: Final = 24
"""How far a partial bar's open, hatched tail reaches past what was released."""
LABEL_HEIGHT: Final = 18
BAR_HEIGHT: Final = 16
GAP: Final = 10
ROW: Final = LABEL_HEIGHT + BAR_HEIGHT + GAP
LABEL_UNITS: Final = 46
"""How many Latin characters fit on a label line; a CJK character takes two."""


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: the full label, the label as drawn, its count, and where its bar starts (``y``).

    ``style`` says how it is drawn: ``value`` (solid, to scale), ``partial`` (solid to the released
    sum, then an open hatched tail), ``fewer`` (hatched up to the minimum count: an upper bound),
    ``unknown`` (hatched across the whole chart with a dashed edge: hidden, withheld or refused).
    ``remainder`` marks the bar of people in held-back cells, hatched even where its size is known.
    """

    label: str
    short_label: str
    count: ShownCount
    y: int
    length: float
    english_fallback: bool = False
    style: str = "value"
    remainder: bool = False


@dataclass(frozen=True, slots=True)
class BarChart:
    """A horizontal bar chart; ``key`` names it in the page, ``title`` is a catalogue message."""

    key: str
    title: str
    bars: tuple[Bar, ...]
    height: int
    width: int = WIDTH
    bar_height: int = BAR_HEIGHT
    plot_width: int = WIDTH - VALUE_WIDTH
    tail: int = TAIL

    @property
    def empty(self) -> bool:
        return not self.bars


def bar_chart(
    key: str,
    title: str,
    items: Sequence[tuple[str, ShownCount]],
    *,
    fallbacks: frozenset[str] = frozenset(),
    remainder: tuple[str, ShownCount] | None = None,
) -> BarChart:
    """Bars scaled to the largest released value; ``fallbacks`` are labels shown in English;
    ``remainder`` is a last bar for the people in held-back cells. A ``<k`` bar reaches k on the
    same scale, and the scale is never shorter than 4 k, so that a chart of small numbers does not
    draw upper bounds across the whole width.

    >>> fewer = ShownCount(None, "suppressed", threshold=15, rule="min_count")
    >>> counts = [("female", ShownCount(120, "exact")), ("male", fewer)]
    >>> chart = bar_chart("sex", "Sex", counts, remainder=("in hidden cells", ShownCount(12, "noised")))
    >>> [(b.label, b.style, b.length) for b in chart.bars], chart.height
    ([('female', 'value', 1.0), ('male', 'fewer', 0.125), ('in hidden cells', 'value', 0.1)], 132)
    >>> [b.length for b in bar_chart("few", "Few", [("a", fewer), ("b", ShownCount(0, "exact"))]).bars]
    [0.25, 0.0]
    """
    rows = [(label, count, False) for label, count in items]
    if remainder is not None:
        rows.append((*remainder, True))
    released = max((count.sortable for _, count, _ in rows), default=0)
    bounds = max((_extent(count) for _, count, _ in rows if count.kind == "fewer"), default=0)
    largest = max(released, FEWER_SCALE * bounds)
    bars = tuple(
        Bar(
            label=label,
            short_label=fit_label(label),
            count=count,
            y=index * ROW + LABEL_HEIGHT,
            length=min(_extent(count) / largest, 1.0) if largest else 0.0,
            english_fallback=label in fallbacks,
            style=STYLES.get(count.kind, "unknown"),
            remainder=last,
        )
        for index, (label, count, last) in enumerate(rows)
    )
    return BarChart(key=key, title=title, bars=bars, height=len(bars) * ROW)


FEWER_SCALE: Final = 4
"""The scale reaches at least this many times the largest minimum count drawn (see bar_chart)."""
STYLES: Final = {
    "exact": "value",
    "noised": "value",
    "rounded": "value",
    "partial": "partial",
    "fewer": "fewer",
}
"""How a bar is drawn, by the kind of its count; every other kind is of unknown size."""


def _extent(count: ShownCount) -> int:
    """How far a bar reaches on the scale: its value, or the bound below which it lies."""
    if count.kind == "fewer":
        return count.threshold or 0
    return count.sortable


def fit_label(label: str, *, units: int = LABEL_UNITS) -> str:
    """``label`` cut to fit beside a bar, with an ellipsis when cut.

    >>> fit_label("Abnormality of the cardiovascular system", units=26), fit_label("心血管系统异常")
    ('Abnormality of the cardio…', '心血管系统异常')
    """
    used = 0
    for index, char in enumerate(label):
        used += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
        if used > units:
            return label[: max(index - 1, 0)] + "…"
    return label
