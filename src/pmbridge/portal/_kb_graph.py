"""An entry's neighbourhood as a radial graph: the entry in the centre, the entries one link away on a
ring around it, those two links away on an outer ring, each placed by a fixed rule (ordered by kind,
then name), so the same neighbourhood always gives the same picture.

Geometry only: ``_kb.html`` draws it as inline SVG, and lists the same entries for readers who cannot
see it. Labels run along the radius, so neighbours do not overwrite each other's names.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from pmbridge.portal._charts import fit_label
from pmbridge.portal._i18n import Lang
from pmbridge.portal._kb_words import TYPE_ORDER, in_lang

DOT_RADIUS: Final = {0: 14, 1: 9, 2: 6}
NODE_ARC: Final = 26  # room on a ring per entry, so that labels along the radius stay apart
FIRST_RING: Final = 150
RING_GAP: Final = 200  # the first ring's labels run in this gap
LABEL_ROOM: Final = 175  # outside the outer ring, for its labels
LABEL_UNITS: Final = 24
MAX_OUTER: Final = 60  # entries two links away that are drawn; the list names them all


@dataclass(frozen=True, slots=True)
class Neighbour:
    """An entry of the neighbourhood; ``via`` is the entry one link away it is reached through."""

    id: str
    type: str
    name: str
    other_name: str
    distance: int
    via: str = ""
    via_name: str = ""


@dataclass(frozen=True, slots=True)
class Dot:
    """A drawn entry: its centre, radius, and its label's anchor point, rotation and alignment."""

    entry: Neighbour
    x: float
    y: float
    r: int
    label: str
    label_x: float
    label_y: float
    rotate: float
    anchor: str


@dataclass(frozen=True, slots=True)
class Line:
    """A link between two drawn entries, with its relation's label in the page's language."""

    source: str
    target: str
    relation: str
    x1: float
    y1: float
    x2: float
    y2: float
    to_root: bool


@dataclass(frozen=True, slots=True)
class Graph:
    """The picture (``size`` square) and, in ``listed``, every entry of the neighbourhood."""

    root: Dot
    dots: tuple[Dot, ...]
    lines: tuple[Line, ...]
    listed: tuple[Neighbour, ...]
    size: float
    depth: int
    not_drawn: int
    truncated: bool


def radial_graph(doc: Mapping[str, object], lang: Lang) -> Graph:
    """Lay out ``/api/kb/graph``'s answer."""
    root_id = str(doc.get("root", ""))
    nodes = _rows(doc.get("nodes"))
    edges = _rows(doc.get("edges"))
    entries = {str(n.get("id")): _neighbour(n, lang) for n in nodes}
    adjacent: dict[str, list[str]] = {}
    for edge in edges:
        source, target = str(edge.get("source")), str(edge.get("target"))
        adjacent.setdefault(source, []).append(target)
        adjacent.setdefault(target, []).append(source)
    inner = sorted((e for e in entries.values() if e.distance == 1), key=_order)
    position = {e.id: i for i, e in enumerate(inner)}
    outer = sorted(
        (_via(e, adjacent, position, inner) for e in entries.values() if e.distance == 2),
        key=lambda e: (position.get(e.via, 0), *_order(e)),
    )
    drawn_outer = outer[:MAX_OUTER]
    first = max(FIRST_RING, _ring_for(len(inner)))
    second = max(first + RING_GAP, _ring_for(len(drawn_outer)))
    centre = (second if drawn_outer else first if inner else 0) + LABEL_ROOM
    root_entry = entries.get(root_id) or Neighbour(root_id, "", root_id, "", 0)
    root = Dot(
        root_entry,
        centre,
        centre,
        DOT_RADIUS[0],
        fit_label(root_entry.name, units=LABEL_UNITS + 8),
        centre,
        centre + DOT_RADIUS[0] + 18,
        0.0,
        "middle",
    )
    dots = [root, *_ring(inner, first, centre), *_ring(drawn_outer, second, centre)]
    where = {d.entry.id: d for d in dots}
    lines = tuple(
        Line(
            source=s,
            target=t,
            relation=in_lang(edge.get("label"), lang)[0] or str(edge.get("relation", "")),
            x1=where[s].x,
            y1=where[s].y,
            x2=where[t].x,
            y2=where[t].y,
            to_root=root_id in (s, t),
        )
        for edge in edges
        if (s := str(edge.get("source"))) in where and (t := str(edge.get("target"))) in where
    )
    return Graph(
        root=root,
        dots=tuple(dots),
        lines=lines,
        listed=(*inner, *outer),
        size=round(2 * centre, 1),
        depth=int(str(doc.get("depth", 1))),
        not_drawn=len(outer) - len(drawn_outer),
        truncated=doc.get("truncated") is True,
    )


def _rows(value: object) -> list[Mapping[str, object]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _neighbour(node: Mapping[str, object], lang: Lang) -> Neighbour:
    name, other = in_lang(node.get("name"), lang)
    distance = node.get("distance")
    return Neighbour(
        id=str(node.get("id", "")),
        type=str(node.get("type", "")),
        name=name or str(node.get("id", "")),
        other_name=other,
        distance=distance if isinstance(distance, int) else 0,
    )


def _order(entry: Neighbour) -> tuple[int, str, str]:
    return TYPE_ORDER.get(entry.type, len(TYPE_ORDER)), entry.name, entry.id


def _via(
    entry: Neighbour,
    adjacent: Mapping[str, list[str]],
    position: Mapping[str, int],
    inner: Sequence[Neighbour],
) -> Neighbour:
    """``entry`` with the first (in ring order) entry one link away that links to it."""
    parents = sorted(position[p] for p in adjacent.get(entry.id, ()) if p in position)
    if not parents:
        return entry
    parent = inner[parents[0]]
    return Neighbour(
        entry.id, entry.type, entry.name, entry.other_name, entry.distance, parent.id, parent.name
    )


def _ring_for(count: int) -> int:
    """The radius at which ``count`` entries get ``NODE_ARC`` of the circle each."""
    return math.ceil(count * NODE_ARC / (2 * math.pi))


def _ring(entries: Sequence[Neighbour], radius: float, centre: float) -> list[Dot]:
    """Dots evenly round a circle, the first at the top, clockwise; labels outward along the radius."""
    dots = []
    for index, entry in enumerate(entries):
        angle = -math.pi / 2 + 2 * math.pi * index / len(entries)
        cos, sin = math.cos(angle), math.sin(angle)
        r = DOT_RADIUS[min(entry.distance, 2)]
        x, y = centre + radius * cos, centre + radius * sin
        right = cos >= -1e-9  # the right half reads outward; the left half is turned to read too
        degrees = math.degrees(angle) if right else math.degrees(angle) + 180
        dots.append(
            Dot(
                entry,
                round(x, 1),
                round(y, 1),
                r,
                fit_label(entry.name, units=LABEL_UNITS),
                round(x + (r + 5) * cos, 1),
                round(y + (r + 5) * sin, 1),
                round(degrees, 1),
                "start" if right else "end",
            )
        )
    return dots
