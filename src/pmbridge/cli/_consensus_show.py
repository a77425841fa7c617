"""The tables ``pmbridge consensus`` prints: a study's groups, items, rounds and participation."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from pmbridge.client import Study


def groups_table(study: Study) -> Table:
    table = Table(title=f"Groups of {study.id}")
    for column in ("id", "English", "中文", "panellists"):
        table.add_column(column, overflow="fold")
    for group in study.groups:
        name = group.get("name", {})
        table.add_row(
            group["id"],
            escape(name.get("en", "")),
            escape(name.get("zh", "")),
            str(group.get("panellists", "")),
        )
    return table


def items_table(study: Study) -> Table:
    table = Table(title=f"Items of {study.id}")
    for column in ("id", "English", "中文", "links", "round"):
        table.add_column(column, overflow="fold")
    for item in study.items:
        texts = item.get("texts", {})
        en, zh = texts.get("en", {}), texts.get("zh", {})
        links = ", ".join(
            link["id"] if isinstance(link, dict) else str(link) for link in item.get("links", [])
        )
        table.add_row(
            item["id"],
            escape(f"{en.get('text', '')} [{en.get('provenance', '')}]"),
            escape(f"{zh.get('text', '')} [{zh.get('provenance', '')}]"),
            escape(links),
            str(item.get("added_in_round", "")),
        )
    return table


def rounds_table(study: Study) -> Table:
    table = Table(title=f"{study.id} ({study.state})")
    for column in ("round", "state", "opens", "closes", "items", "invited", "responded"):
        table.add_column(column)
    for r in study.rounds:
        table.add_row(
            *(str(r.get(key, "")) for key in ("round", "state", "opens", "closes")),
            str(len(r.get("items", []))),
            str(r.get("invited", "")),
            str(r.get("responded", "")),
        )
    return table
