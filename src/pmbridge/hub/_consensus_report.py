"""A consensus study's report as one self-contained HTML page (English or Chinese): methods with the
locked rule, retention, every item's status and why, SVG charts per released block, and ACCORD.

Built only from the study and its released Results, so it can show nothing the Results hold back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from pmbridge.consensus import (
    ACCORD_CHECKLIST_URL,
    ACCORD_REFERENCE,
    ACCORD_SECTIONS,
    OTHER_GROUPS,
    ConsensusRule,
)
from pmbridge.hub._consensus_charts import block_chart, retention_chart
from pmbridge.hub._consensus_words import WORDS, Lang, rule_text, status_word

__all__ = ["render_report"]

_TEMPLATES = Path(__file__).parent / "templates"
_OTHER = {"en": OTHER_GROUPS, "zh": "其他群组"}


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_report(
    study: Mapping[str, Any], results: Mapping[str, Any], *, lang: Lang, generated: datetime
) -> str:
    """The report page for ``study`` (the Study JSON) and its ``results`` (the Results JSON)."""
    words = WORDS[lang]
    rule = _rule(results, study)
    groups = {g["id"]: g["name"].get(lang) or g["name"]["en"] for g in study.get("groups", [])}
    items = {item["id"]: _item_text(item, lang) for item in study.get("items", [])}
    rounds = [_round(r, items, groups, rule.name, lang) for r in results.get("rounds", [])]
    protocol = study.get("protocol", {})
    view = {
        "lang": lang,
        "w": words,
        "title": _pick(study.get("title"), lang),
        "description": _pick(study.get("description"), lang),
        "statement": _pick(study.get("statement"), lang),
        "rule_name": rule.name,
        "rule_text": rule_text(rule, lang=lang),
        "rule_digest": (results.get("rule") or {}).get("digest") or rule.digest(),
        "k": results.get("k", protocol.get("k")),
        "rounds_planned": protocol.get("rounds"),
        "previous_only": protocol.get("previous_respondents_only"),
        "organiser_sees": protocol.get("organiser_sees_ratings"),
        "lock": study.get("lock"),
        "groups": [(name, g.get("panellists")) for g, name in _named(study.get("groups", []), lang)],
        "organisers": study.get("organisers", []),
        "retention": [
            (r["round"], r["invited"], r["responded"], r["retention"]) for r in results.get("rounds", [])
        ],
        "retention_chart": retention_chart(
            [(r["round"], r["invited"], r["responded"]) for r in results.get("rounds", [])],
            title=words["chart_retention"],
        ),
        "rounds": rounds,
        "final": _final(rounds, items),
        "accord": [
            {
                "name": section.name[lang],
                "items": section.items,
                "answers": section.answers,
                "organiser": section.organiser[lang],
            }
            for section in ACCORD_SECTIONS
        ],
        "accord_reference": ACCORD_REFERENCE,
        "accord_url": ACCORD_CHECKLIST_URL,
        "generated": generated.isoformat(timespec="seconds"),
    }
    return _environment().get_template("consensus_report.html").render(view)


def _rule(results: Mapping[str, Any], study: Mapping[str, Any]) -> ConsensusRule:
    """The locked rule: the Results' copy, else the study protocol's (JSON text or object)."""
    found = (results.get("rule") or {}).get("json") or study.get("protocol", {}).get("rule")
    return ConsensusRule.from_json(found if isinstance(found, str) else json.dumps(found))


def _pick(texts: object, lang: Lang) -> str:
    if isinstance(texts, Mapping):
        return str(texts.get(lang) or texts.get("en") or "")
    return str(texts or "")


def _named(groups: Sequence[Mapping[str, Any]], lang: Lang) -> list[tuple[Mapping[str, Any], str]]:
    return [(g, _pick(g.get("name"), lang) or g["id"]) for g in groups]


def _item_text(item: Mapping[str, Any], lang: Lang) -> dict[str, str]:
    texts = item.get("texts", {})
    chosen = texts.get(lang) or texts.get("en") or {}
    provenance = str(chosen.get("provenance", ""))
    return {
        "id": str(item["id"]),
        "text": str(chosen.get("text", "")),
        "provenance": WORDS[lang].get(provenance, provenance),
    }


def _block_title(label: str, groups: Mapping[str, str], lang: Lang) -> str:
    """A block's label with group ids as names and "other groups" in the report's language."""
    if label == OTHER_GROUPS:
        return _OTHER[lang]
    suffix = f" and {OTHER_GROUPS}"
    if label.endswith(suffix):
        first = label[: -len(suffix)]
        return f"{groups.get(first, first)} + {_OTHER[lang]}"
    return groups.get(label, label)


def _figures(block: Mapping[str, Any], groups: Mapping[str, str], lang: Lang) -> str:
    """A released block's figures the rule reads, in ``lang`` (the core's reason is English).

    >>> _figures({"label": "eu", "counts": [1, 0, 0, 0, 2, 0, 3, 0, 4]}, {"eu": "欧盟临床医生"}, "zh")
    '欧盟临床医生：10 人中 7 人评 7–9 分，1 人评 1–3 分'
    """
    counts = list(block["counts"])
    scored, high, low = sum(counts), sum(counts[6:9]), sum(counts[0:3])
    title = _block_title(block["label"], groups, lang)
    if lang == "zh":
        return f"{title}：{scored} 人中 {high} 人评 7–9 分，{low} 人评 1–3 分"
    return f"{title}: {high} of {scored} rated 7–9, {low} rated 1–3"


def _round(
    found: Mapping[str, Any],
    items: Mapping[str, dict[str, str]],
    groups: Mapping[str, str],
    rule: str,
    lang: Lang,
) -> dict[str, Any]:
    words = WORDS[lang]
    shown = []
    for entry in found.get("items", []):
        blocks = []
        for block in entry.get("groups", []):
            title = f"{_block_title(block['label'], groups, lang)} (n = {block['respondents']})"
            blocks.append(block_chart(block["counts"], block["unable"], title=title, lang=lang))
        item = items.get(entry["item"], {"id": entry["item"], "text": entry["item"], "provenance": ""})
        shown.append(
            {
                "item": item,
                "status": entry["status"],
                "status_word": status_word(entry["status"], rule_name=rule, lang=lang),
                "reason": entry.get("reason", ""),
                "figures": [_figures(block, groups, lang) for block in entry.get("groups", [])],
                "blocks": blocks,
                "median": entry.get("median"),
            }
        )
    return {"round": found["round"], "items": shown, "label": f"{words['round']} {found['round']}"}


def _final(rounds: Sequence[Mapping[str, Any]], items: Mapping[str, dict[str, str]]) -> list[dict[str, Any]]:
    """Each item's status in the last round that rated it, in the study's item order."""
    last: dict[str, tuple[int, Mapping[str, Any]]] = {}
    for found in rounds:
        for entry in found["items"]:
            last[entry["item"]["id"]] = (found["round"], entry)
    order = [*items, *(i for i in last if i not in items)]
    return [
        {
            "item": last[i][1]["item"],
            "round": last[i][0],
            "status": last[i][1]["status"],
            "status_word": last[i][1]["status_word"],
        }
        for i in order
        if i in last
    ]
