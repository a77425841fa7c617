"""SVG charts for a consensus report: one bar per score 1–9 and one for "unable to score", coloured
by GRADE band. Plain SVG, no script, so the page prints to PDF as it shows and works offline.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from markupsafe import Markup, escape

__all__ = ["block_chart", "retention_chart"]

_BAND_COLOURS: Final = (
    "#c0392b",
    "#c0392b",
    "#c0392b",
    "#b7950b",
    "#b7950b",
    "#b7950b",
    "#1e8449",
    "#1e8449",
    "#1e8449",
)
_UNABLE_COLOUR: Final = "#7f8c8d"
_UNABLE: Final = {"en": "unable", "zh": "无法评分"}
_WIDTH: Final = 300
_HEIGHT: Final = 150
_BAR: Final = 24
_GAP: Final = 4
_LEFT: Final = 10
_TOP: Final = 22
_PLOT: Final = 90


def block_chart(counts: Sequence[int], unable: int, *, title: str, lang: str = "en") -> Markup:
    """The distribution of one released block (``counts[s - 1]`` scored ``s``) as an SVG figure
    with its title and each bar's count written on it, so the numbers read without colour."""
    if len(counts) != 9 or any(c < 0 for c in counts) or unable < 0:
        raise ValueError("a block chart needs nine non-negative counts and an unable count")
    values = [*counts, unable]
    tallest = max(values) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{_HEIGHT}" '
        f'viewBox="0 0 {_WIDTH} {_HEIGHT}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="{_LEFT}" y="14" font-size="11" font-weight="bold">{escape(title)}</text>',
    ]
    labels = [str(score) for score in range(1, 10)] + [_UNABLE.get(lang, _UNABLE["en"])]
    colours = [*_BAND_COLOURS, _UNABLE_COLOUR]
    baseline = _TOP + _PLOT
    for index, (value, label, colour) in enumerate(zip(values, labels, colours, strict=True)):
        x = _LEFT + index * (_BAR + _GAP) + (8 if index == 9 else 0)
        height = round(_PLOT * value / tallest)
        parts.append(
            f'<rect x="{x}" y="{baseline - height}" width="{_BAR}" height="{height}" fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{x + _BAR / 2}" y="{baseline - height - 2}" font-size="9" '
            f'text-anchor="middle">{value}</text>'
        )
        parts.append(
            f'<text x="{x + _BAR / 2}" y="{baseline + 12}" font-size="9" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    parts.append(f'<line x1="{_LEFT}" y1="{baseline}" x2="{_WIDTH - 4}" y2="{baseline}" stroke="#333"/>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text in it went through escape)


def retention_chart(rounds: Sequence[tuple[int, int, int]], *, title: str) -> Markup:
    """Invited and responded per round, ``(round, invited, responded)``, as paired bars."""
    tallest = max((max(invited, responded) for _, invited, responded in rounds), default=0) or 1
    width = max(_WIDTH, _LEFT * 2 + len(rounds) * 70)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{_HEIGHT}" '
        f'viewBox="0 0 {width} {_HEIGHT}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="{_LEFT}" y="14" font-size="11" font-weight="bold">{escape(title)}</text>',
    ]
    baseline = _TOP + _PLOT
    for index, (number, invited, responded) in enumerate(rounds):
        x = _LEFT + index * 70
        for offset, value, colour in ((0, invited, "#aab7b8"), (_BAR + 2, responded, "#2e86c1")):
            height = round(_PLOT * value / tallest)
            parts.append(
                f'<rect x="{x + offset}" y="{baseline - height}" width="{_BAR}" height="{height}" '
                f'fill="{colour}"/>'
            )
            parts.append(
                f'<text x="{x + offset + _BAR / 2}" y="{baseline - height - 2}" font-size="9" '
                f'text-anchor="middle">{value}</text>'
            )
        parts.append(
            f'<text x="{x + _BAR}" y="{baseline + 12}" font-size="9" text-anchor="middle">{number}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text in it went through escape)
