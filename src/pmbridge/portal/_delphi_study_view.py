"""The organiser's pages as data: a study's items in both languages, its rounds, and each closed
round's results with a chart per released block (never a person's rating)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pmbridge.portal._delphi_charts import DistributionChart, distribution_chart
from pmbridge.portal._delphi_view import Shown, entry_name, pick
from pmbridge.portal._delphi_words import PRESET_NAMES
from pmbridge.portal._i18n import Lang


@dataclass(frozen=True, slots=True)
class StudyItem:
    """An item with its text in each language (empty when missing) and where it came from."""

    id: str
    texts: tuple[Shown, ...]
    links: tuple[tuple[str, str], ...]
    added_in_round: int
    source: str
    editable: bool = False
    """Its texts may still change: the study is a draft, or it was adopted for a round not yet open."""


@dataclass(frozen=True, slots=True)
class BlockFigures:
    """A released block's figures the rule reads, to say in the page's language: of ``scored``,
    ``high`` rated 7–9 and ``low`` rated 1–3."""

    name: str
    scored: int
    high: int
    low: int


def block_figures(block: Mapping[str, object], names: Mapping[str, str]) -> BlockFigures:
    """The figures of one released block ``{groups, counts: [9 ints]}``.

    >>> block_figures({"groups": ["eu"], "counts": [1, 0, 0, 0, 2, 0, 3, 0, 4]}, {"eu": "EU"})
    BlockFigures(name='EU', scored=10, high=7, low=1)
    """
    counts = [c if isinstance(c, int) else 0 for c in _list(block.get("counts"))][:9]
    counts += [0] * (9 - len(counts))
    groups = [str(g) for g in _list(block.get("groups"))] or [str(block.get("label") or "")]
    return BlockFigures(
        name=", ".join(names.get(g, g) for g in groups),
        scored=sum(counts),
        high=sum(counts[6:9]),
        low=sum(counts[0:3]),
    )


@dataclass(frozen=True, slots=True)
class ItemResult:
    """One item's outcome in one round, its blocks drawn, the whole panel's tally in figures."""

    id: str
    text: str
    lang: Lang
    status: str
    reason: str
    figures: tuple[BlockFigures, ...]
    charts: tuple[DistributionChart, ...]
    panel: Mapping[str, object]
    median: object


@dataclass(frozen=True, slots=True)
class RoundResult:
    round: int
    invited: int
    responded: int
    retention: float | None
    items: tuple[ItemResult, ...]


def study_items(study: Mapping[str, object], page: Lang) -> tuple[StudyItem, ...]:
    """The study's items, each with both languages (the page's first)."""
    order = sorted(Lang, key=lambda lang: lang is not page)
    draft = study.get("state") == "draft"
    started = [r.get("round") for r in rounds_of(study) if r.get("state") != "scheduled"]
    found = []
    for item in _list(study.get("items")):
        if not isinstance(item, Mapping):
            continue
        texts = _mapping(item.get("texts"))
        shown = []
        for lang in order:
            entry = _mapping(texts.get(lang.value))
            shown.append(Shown(str(entry.get("text") or ""), lang, str(entry.get("provenance") or "")))
        added = item.get("added_in_round")
        found.append(
            StudyItem(
                id=str(item.get("id") or ""),
                texts=tuple(shown),
                links=tuple(entry_name(link, page) for link in _list(item.get("links"))),
                added_in_round=added if isinstance(added, int) else 1,
                source=str(item.get("source") or "organiser"),
                editable=draft
                or (
                    isinstance(added, int)
                    and added > 1
                    and not any(isinstance(n, int) and n >= added for n in started)
                ),
            )
        )
    return tuple(found)


def draft_values(study: Mapping[str, object]) -> dict[str, str]:
    """The edit form of a draft, filled with what the study holds (a preset by its name, any other
    rule as its JSON).

    >>> draft_values({"title": {"en": "T", "zh": "题"}, "protocol": {"rule_name": "COMET", "k": 5}})["rule"]
    'comet'
    """
    protocol = _mapping(study.get("protocol"))
    values = {
        f"{field}-{lang.value}": str(_mapping(study.get(field)).get(lang.value) or "")
        for field in ("title", "description")
        for lang in Lang
    }
    name = str(protocol.get("rule_name") or "").lower()
    if name in PRESET_NAMES:
        values["rule"] = name
    else:
        values["rule_json"] = json.dumps(protocol.get("rule"), ensure_ascii=False)
    for field in ("k", "rounds"):
        values[field] = str(protocol.get(field, ""))
    for flag in ("previous_respondents_only", "organiser_sees_ratings"):
        values[flag] = "1" if protocol.get(flag) is True else ""
    return values


def rounds_of(study: Mapping[str, object]) -> list[Mapping[str, object]]:
    return [r for r in _list(study.get("rounds")) if isinstance(r, Mapping)]


def next_round(study: Mapping[str, object]) -> int | None:
    """The round the organiser may schedule next, or None: every round is planned already, one is
    still scheduled or open, or the study is not locked yet.

    >>> closed = [{"round": 1, "state": "closed"}]
    >>> next_round({"state": "running", "protocol": {"rounds": 3}, "rounds": closed})
    2
    >>> next_round({"state": "draft", "protocol": {"rounds": 3}, "rounds": []})
    """
    if study.get("state") not in ("locked", "running"):
        return None
    rounds = rounds_of(study)
    if any(r.get("state") != "closed" for r in rounds):
        return None
    planned = _mapping(study.get("protocol")).get("rounds")
    number = len(rounds) + 1
    return number if isinstance(planned, int) and number <= planned else None


def round_results(
    results: Mapping[str, object], study: Mapping[str, object], page: Lang
) -> tuple[RoundResult, ...]:
    """Each closed round's results, items named by their text in the page's language."""
    texts = {item.id: item for item in study_items(study, page)}
    names = group_names(study, page)
    found = []
    for number in _list(results.get("rounds")):
        if not isinstance(number, Mapping):
            continue
        at = number.get("round")
        items = []
        for entry in _list(number.get("items")):
            if not isinstance(entry, Mapping):
                continue
            ident = str(entry.get("item") or "")
            item = texts.get(ident)
            shown = next((t for t in item.texts if t.text), None) if item else None
            blocks = [b for b in _list(entry.get("groups")) if isinstance(b, Mapping)]
            items.append(
                ItemResult(
                    id=ident,
                    text=shown.text if shown else ident,
                    lang=shown.lang if shown else page,
                    status=str(entry.get("status") or ""),
                    reason=str(entry.get("reason") or ""),
                    figures=tuple(block_figures(block, names) for block in blocks),
                    charts=tuple(
                        distribution_chart(f"r{at}-{ident}-{index}", block, names=names)
                        for index, block in enumerate(blocks)
                    ),
                    panel=_mapping(entry.get("panel")),
                    median=entry.get("median"),
                )
            )
        retention = number.get("retention")
        found.append(
            RoundResult(
                round=at if isinstance(at, int) else 0,
                invited=_count(number.get("invited")),
                responded=_count(number.get("responded")),
                retention=float(retention) if isinstance(retention, int | float) else None,
                items=tuple(items),
            )
        )
    return tuple(found)


def group_names(study: Mapping[str, object], page: Lang) -> dict[str, str]:
    """Each group's name in the page's language, by id."""
    return {
        str(g.get("id")): pick(g.get("name"), page) or str(g.get("id"))
        for g in _list(study.get("groups"))
        if isinstance(g, Mapping)
    }


def proposal_rows(reply: Mapping[str, object], page: Lang) -> list[Mapping[str, object]]:
    """The proposals, each with its text as a :class:`Shown` (in the language it was written in)."""
    rows: list[Mapping[str, object]] = []
    for proposal in _list(reply.get("proposals")):
        if isinstance(proposal, Mapping):
            language = str(proposal.get("language") or page.value)
            lang = Lang.ZH if language == "zh" else Lang.EN
            rows.append({**proposal, "shown": Shown(str(proposal.get("text") or ""), lang)})
    return rows


@dataclass(frozen=True, slots=True)
class CommentRow:
    """A closed round's comment as its organiser translates it: the original, and the other
    language's text so far (empty) with its provenance."""

    id: str
    item: str
    original: Shown
    other: Shown


def comment_rows(reply: Mapping[str, object]) -> tuple[CommentRow, ...]:
    """The comments of ``GET …/comments?round=n`` (anonymised, in the order panellists see them).

    >>> row = comment_rows({"comments": [{"id": "cm-1", "item": "it-a", "original_language": "zh",
    ...     "texts": {"zh": {"text": "重要", "provenance": "author"}}}]})[0]
    >>> row.original.text, row.other.lang.value, row.other.text
    ('重要', 'en', '')
    """
    rows = []
    for comment in _list(reply.get("comments")):
        if not isinstance(comment, Mapping):
            continue
        original = Lang.ZH if comment.get("original_language") == "zh" else Lang.EN
        other = Lang.EN if original is Lang.ZH else Lang.ZH
        texts = _mapping(comment.get("texts"))
        first, second = _mapping(texts.get(original.value)), _mapping(texts.get(other.value))
        rows.append(
            CommentRow(
                id=str(comment.get("id") or ""),
                item=str(comment.get("item") or ""),
                original=Shown(str(first.get("text") or ""), original, str(first.get("provenance") or "")),
                other=Shown(str(second.get("text") or ""), other, str(second.get("provenance") or "")),
            )
        )
    return tuple(rows)


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _mapping(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> Sequence[object]:
    return value if isinstance(value, list) else []
