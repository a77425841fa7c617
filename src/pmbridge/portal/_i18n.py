"""The portal's two languages: which one a request wants, their catalogues, and locale formatting.

Catalogues are the committed ``.po`` files, compiled in memory when the portal starts, so a clean
checkout needs no build step and a stale ``.mo`` can never shadow an edited ``.po``.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Final

from babel import Locale
from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from pmbridge.errors import ConfigError

LOCALE_DIR: Final = Path(__file__).parent / "locale"
DOMAIN: Final = "messages"
LANG_COOKIE: Final = "pmbridge_lang"


def N_(message: str) -> str:  # noqa: N802  (gettext's name for a no-op marker)
    """Mark ``message`` for the catalogue where it is defined; a template translates it when shown."""
    return message


class Lang(StrEnum):
    """A language of the portal; the value is what ``?lang=`` and the cookie carry."""

    EN = "en"
    ZH = "zh"

    @property
    def catalogue(self) -> str:
        """The catalogue folder under ``locale/`` (Babel's locale identifier)."""
        return "zh_Hans" if self is Lang.ZH else "en"

    @property
    def html(self) -> str:
        """The BCP 47 tag for ``<html lang>``."""
        return "zh-Hans" if self is Lang.ZH else "en"

    @property
    def locale(self) -> Locale:
        """The Babel locale that formats numbers and dates."""
        return _LOCALES[self]

    @property
    def own_name(self) -> str:
        """The language's name in itself, for the language switch."""
        return "中文" if self is Lang.ZH else "English"


_LOCALES: Final = {Lang.EN: Locale.parse("en"), Lang.ZH: Locale.parse("zh_Hans_CN")}


def parse_lang(text: str | None) -> Lang | None:
    """The language a ``?lang=`` value or cookie names, or None when it names neither.

    >>> [parse_lang(t) for t in ("zh", "zh-Hans", "zh_CN", "EN", "fr", None)]
    [<Lang.ZH: 'zh'>, <Lang.ZH: 'zh'>, <Lang.ZH: 'zh'>, <Lang.EN: 'en'>, None, None]
    """
    if not text:
        return None
    tag = text.strip().lower().replace("_", "-")
    if tag == "zh" or tag.startswith("zh-"):
        return Lang.ZH
    if tag == "en" or tag.startswith("en-"):
        return Lang.EN
    return None


def choose_lang(query: Mapping[str, str], cookies: Mapping[str, str], accept_language: str) -> Lang:
    """``?lang=`` first, then the remembered cookie, then the browser's preference, then English.

    >>> choose_lang({}, {}, "zh-CN,zh;q=0.9,en;q=0.8")
    <Lang.ZH: 'zh'>
    >>> choose_lang({"lang": "en"}, {LANG_COOKIE: "zh"}, "zh-CN")
    <Lang.EN: 'en'>
    """
    for candidate in (query.get("lang"), cookies.get(LANG_COOKIE)):
        found = parse_lang(candidate)
        if found is not None:
            return found
    return _from_accept_language(accept_language) or Lang.EN


def _from_accept_language(header: str) -> Lang | None:
    weighted: list[tuple[float, int, Lang]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        lang = parse_lang(tag)
        if lang is None:
            continue
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        weighted.append((-weight, position, lang))
    return min(weighted)[2] if weighted else None


def load_translations(lang: Lang, *, locale_dir: Path = LOCALE_DIR) -> Translations:
    """The compiled catalogue of ``lang`` (fuzzy entries are left out, as gettext does)."""
    path = locale_dir / lang.catalogue / "LC_MESSAGES" / f"{DOMAIN}.po"
    try:
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=lang.catalogue, domain=DOMAIN)
    except FileNotFoundError:
        raise ConfigError(
            f"portal catalogue {path} is missing", hint="reinstall PM Bridge; the catalogues ship with it"
        ) from None
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)


@dataclass(frozen=True, slots=True)
class Formatter:
    """Numbers and times written the way a reader of ``lang`` expects.

    >>> Formatter(Lang.ZH).number(12345), Formatter(Lang.EN).number(0.5, digits=2)
    ('12,345', '0.5')
    """

    lang: Lang

    def number(self, value: float, *, digits: int = 0) -> str:
        pattern = "#,##0" + ("." + "#" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.lang.locale)

    def country(self, code: str) -> str:
        """A country's name from its ISO 3166 code (the code itself when unknown)."""
        return str(self.lang.locale.territories.get(code.upper(), code))

    def when(self, moment: datetime) -> str:
        """A date and time (medium length), in the moment's own time zone."""
        return format_datetime(moment, format="medium", tzinfo=moment.tzinfo, locale=self.lang.locale)
