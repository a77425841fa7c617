"""Bar charts as geometry for inline SVG: no chart JavaScript, readable with styles and scripts off.

The template draws what this computes: each bar under its label, so a chart stays readable at
phone width; every bar keeps its released count, so a suppressed or noised value is drawn
differently and labelled the way the tables label it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from pmbridge.portal._counts import ShownCount

WIDTH: Final = 360
VALUE_WIDTH: Final = 100
LABEL_HEIGHT: Final = 18
BAR_HEIGHT: Final = 16
GAP: Final = 10
ROW: Final = LABEL_HEIGHT + BAR_HEIGHT + GAP
LABEL_UNITS: Final = 46
"""How many Latin characters fit on a label line; a CJK character takes two."""


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: the full label, the label as drawn, its count, and where its bar starts (``y``)."""

    label: str
    short_label: str
    count: ShownCount
    y: int
    length: float
    english_fallback: bool = False


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

    @property
    def empty(self) -> bool:
        return not self.bars


def bar_chart(
    key: str,
    title: str,
    items: Sequence[tuple[str, ShownCount]],
    *,
    fallbacks: frozenset[str] = frozenset(),
) -> BarChart:
    """Bars scaled to the largest released value; ``fallbacks`` are labels shown in English.

    >>> counts = [("female", ShownCount(30, "exact")), ("male", ShownCount(15, "exact"))]
    >>> chart = bar_chart("sex", "Sex", counts)
    >>> [(b.label, b.length) for b in chart.bars], chart.height
    ([('female', 1.0), ('male', 0.5)], 88)
    """
    largest = max((count.sortable for _, count in items), default=0)
    bars = tuple(
        Bar(
            label=label,
            short_label=fit_label(label),
            count=count,
            y=index * ROW + LABEL_HEIGHT,
            length=count.sortable / largest if largest else 0.0,
            english_fallback=label in fallbacks,
        )
        for index, (label, count) in enumerate(items)
    )
    return BarChart(key=key, title=title, bars=bars, height=len(bars) * ROW)


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
