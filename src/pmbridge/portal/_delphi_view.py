"""Bilingual texts of Delphi pages as a reader sees them: the text in the page's language (or, when it
has none, the other one, marked), its translation's provenance, and the other language beside it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from pmbridge.portal._i18n import Lang


@dataclass(frozen=True, slots=True)
class Shown:
    """A text in one language: ``lang`` is its BCP 47 tag (for ``lang=``), ``provenance`` one of
    author, machine, reviewed (empty when the hub sent none)."""

    text: str
    lang: Lang
    provenance: str = ""

    @property
    def machine(self) -> bool:
        """A machine translation nobody has reviewed yet: the page marks it with †."""
        return self.provenance == "machine"


@dataclass(frozen=True, slots=True)
class Bilingual:
    """What the page shows first, and the other language's text (None when there is none)."""

    main: Shown
    other: Shown | None
    page: Lang = Lang.EN

    @property
    def fallback(self) -> bool:
        """The page's language had no text, so the other language is shown first."""
        return bool(self.main.text) and self.main.lang is not self.page


def bilingual(texts: object, page: Lang, *, original: str = "") -> Bilingual:
    """``texts`` (``{en: {text, provenance}, zh: {...}}``, or ``{en: "…", zh: "…"}``) for a page in
    ``page``; without a text in ``page``, the other language (``original`` first) is shown.

    >>> b = bilingual({"en": {"text": "Share data", "provenance": "author"},
    ...                "zh": {"text": "共享数据", "provenance": "machine"}}, Lang.ZH)
    >>> b.main.text, b.main.machine, b.other.text if b.other else None
    ('共享数据', True, 'Share data')
    >>> bilingual({"en": {"text": "Only English"}}, Lang.ZH).main.lang
    <Lang.EN: 'en'>
    """
    found: dict[Lang, Shown] = {}
    if isinstance(texts, Mapping):
        for lang in Lang:
            entry = texts.get(lang.value)
            if isinstance(entry, Mapping):
                text, provenance = entry.get("text"), entry.get("provenance")
            else:
                text, provenance = entry, ""
            if isinstance(text, str) and text.strip():
                found[lang] = Shown(text, lang, provenance if isinstance(provenance, str) else "")
    other_lang = Lang.EN if page is Lang.ZH else Lang.ZH
    if page in found:
        return Bilingual(found[page], found.get(other_lang), page)
    first = found.get(Lang(original)) if original in {lang.value for lang in Lang} else None
    shown = first or found.get(other_lang)
    return Bilingual(shown or Shown("", page), None, page)


def zone_of(stamp: object) -> str:
    """The UTC offset of a time the hub sent, written for people (panellists live in different zones).

    >>> zone_of("2026-12-07T18:00:00+08:00"), zone_of("2026-12-07T10:00:00+00:00"), zone_of("soon")
    ('UTC+08:00', 'UTC', '')
    """
    try:
        moment = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    except ValueError:
        return ""
    offset = moment.utcoffset()
    if offset is None:
        return ""
    minutes = int(offset.total_seconds()) // 60
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def pick(texts: object, page: Lang) -> str:
    """A ``{en, zh}`` text (a study's title, a group's name) in ``page``'s language, else the other.

    >>> pick({"en": "Panel", "zh": ""}, Lang.ZH), pick("plain", Lang.EN)
    ('Panel', 'plain')
    """
    if isinstance(texts, str):
        return texts
    return bilingual(texts, page).main.text


def entry_name(link: object, page: Lang) -> tuple[str, str]:
    """A linked knowledge-hub entry as ``(id, name)``; its name in ``page``'s language when it has two."""
    if not isinstance(link, Mapping):
        return (str(link), str(link))
    entry = str(link.get("id") or "")
    name = link.get("name")
    return (entry, pick(name, page) if name else entry)
