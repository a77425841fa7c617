"""The knowledge pages' words: entry kinds, action statuses, jurisdictions and stakeholder kinds as
catalogue messages, and the knowledge base's partial dates written for the page's language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Final

from babel.dates import format_date, format_skeleton

from pmbridge.knowledge import EntityType
from pmbridge.portal._i18n import N_, Lang

TYPES: Final = {
    EntityType.POLICY.value: N_("Policy"),
    EntityType.PROGRAMME.value: N_("Programme"),
    EntityType.STAKEHOLDER.value: N_("Stakeholder"),
    EntityType.STANDARD.value: N_("Standard"),
    EntityType.INITIATIVE.value: N_("Initiative"),
    EntityType.ACTION.value: N_("Roadmap action"),
    EntityType.DOMAIN.value: N_("Domain"),
    EntityType.BARRIER.value: N_("Barrier"),
    EntityType.FACILITATOR.value: N_("Facilitator"),
}
TYPE_ORDER: Final = {kind: index for index, kind in enumerate(TYPES)}
STATUSES: Final = {
    "proposed": N_("proposed"),
    "in-progress": N_("in progress"),
    "done": N_("done"),
    "stalled": N_("stalled"),
}
REGIONS: Final = {
    "EU": N_("European Union"),
    "CN": N_("China"),
    "INT": N_("International"),
}
"""Jurisdictions that are not a country; an EU member state is named by its ISO code (Babel)."""
STAKEHOLDER_KINDS: Final = {
    "funder": N_("funder"),
    "agency": N_("agency"),
    "biobank": N_("biobank"),
    "hospital": N_("hospital"),
    "company": N_("company"),
    "patient-group": N_("patient group"),
    "research-centre": N_("research centre"),
    "standards-body": N_("standards body"),
    "network": N_("network"),
}

WORDS: Final = {"types": TYPES, "regions": REGIONS, "statuses": STATUSES, "kinds": STAKEHOLDER_KINDS}
"""The words every knowledge template is given (``_kb.html`` uses them)."""


def in_lang(text: object, lang: Lang) -> tuple[str, str]:
    """A bilingual ``{"en", "zh-Hans"}`` text as (in the page's language, in the other language).

    >>> in_lang({"en": "Data", "zh-Hans": "数据"}, Lang.ZH), in_lang({"en": "Data", "zh-Hans": ""}, Lang.ZH)
    (('数据', 'Data'), ('Data', ''))
    """
    values = text if isinstance(text, Mapping) else {}
    en, zh = str(values.get("en") or ""), str(values.get("zh-Hans") or "")
    return (zh or en, en if zh else "") if lang is Lang.ZH else (en or zh, zh if en else "")


def partial_date(value: object, lang: Lang) -> str:
    """A ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` date as a reader of ``lang`` writes it.

    >>> partial_date("2021-11-01", Lang.ZH), partial_date("2018-05", Lang.EN), partial_date("2030", Lang.EN)
    ('2021年11月1日', 'May 2018', '2030')
    """
    text = str(value or "")
    parts = text.split("-")
    try:
        numbers = [int(p) for p in parts]
        day = dt.date(
            numbers[0], numbers[1] if len(numbers) > 1 else 1, numbers[2] if len(numbers) > 2 else 1
        )
    except (ValueError, IndexError):
        return text
    if len(parts) == 3:
        return format_date(day, format="medium", locale=lang.locale)
    return format_skeleton("yMMM" if len(parts) == 2 else "y", day, locale=lang.locale)
