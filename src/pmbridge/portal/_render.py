"""Jinja2 environments, one per language, and the one function that turns a template into a page.

Each language gets its own environment with its catalogue installed, so rendering never swaps
translations under a concurrent request.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Final
from urllib.parse import urlencode

from babel.support import Translations
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from pmbridge import __version__
from pmbridge.portal._i18n import LANG_COOKIE, Formatter, Lang, choose_lang, load_translations, parse_lang
from pmbridge.portal._nav import NAV
from pmbridge.portal._refusals import Refusal
from pmbridge.portal._sessions import SESSION_COOKIE, SessionStore

TEMPLATES: Final = Path(__file__).parent / "templates"
COOKIE_MAX_AGE: Final = 365 * 24 * 3600


class Renderer:
    """Renders portal templates in either language."""

    def __init__(self, *, site_name: str, sessions: SessionStore, templates: Path = TEMPLATES) -> None:
        self.site_name = site_name
        self._sessions = sessions
        self._translations = {lang: load_translations(lang) for lang in Lang}
        self._envs = {lang: _environment(lang, templates, self._translations[lang]) for lang in Lang}

    def lang_of(self, request: Request) -> Lang:
        """The language this request is answered in."""
        return choose_lang(request.query_params, request.cookies, request.headers.get("accept-language", ""))

    def gettext(self, lang: Lang, message: str) -> str:
        """``message`` translated into ``lang`` (for text built outside templates)."""
        return self._translations[lang].gettext(message)

    def page(
        self,
        request: Request,
        template: str,
        context: Mapping[str, object],
        *,
        status: int = 200,
    ) -> HTMLResponse:
        """The page ``template`` in the request's language; ``?lang=`` is remembered in a cookie."""
        lang = self.lang_of(request)
        path = request.url.path
        values = {
            "lang": lang,
            "langs": [(other, _switch_url(request, other)) for other in Lang],
            "nav": [(item, item.current(path)) for item in NAV],
            "path": path,
            "site_name": self.site_name,
            "version": __version__,
            "now": datetime.now(UTC),
            "signed_in": self._sessions.passport(request.cookies.get(SESSION_COOKIE)) is not None,
            "access_nav": getattr(request.state, "access_nav", None),  # set by _access_nav
            **context,
        }
        html = self._envs[lang].get_template(template).render(values)
        response = HTMLResponse(html, status_code=status)
        asked = parse_lang(request.query_params.get("lang"))
        if asked is not None and request.cookies.get(LANG_COOKIE) != asked.value:
            response.set_cookie(LANG_COOKIE, asked.value, max_age=COOKIE_MAX_AGE, samesite="lax")
        return response


def _switch_url(request: Request, lang: Lang) -> str:
    """This page in ``lang``: the same path and query, with ``lang`` set."""
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return f"{request.url.path}?{urlencode([*pairs, ('lang', lang.value)])}"


def _environment(lang: Lang, templates: Path, translations: Translations) -> Environment:
    env = Environment(
        loader=FileSystemLoader(templates),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    formatter = Formatter(lang)
    env.filters["number"] = formatter.number
    env.filters["when"] = formatter.when
    env.filters["stamp"] = lambda text: _stamp(text, formatter)
    env.globals["country"] = formatter.country
    env.globals["shown"] = lambda count: count.text(translations.gettext, formatter.number)
    env.globals["refusal_text"] = lambda refusal, **names: _refusal_text(refusal, translations, names)
    return env


def _stamp(text: object, formatter: Formatter) -> str:
    """A time the hub sent as ISO 8601 text, formatted like ``when``; anything else as it came."""
    try:
        return formatter.when(datetime.fromisoformat(str(text).replace("Z", "+00:00")))
    except ValueError:
        return str(text or "")


def _refusal_text(refusal: Refusal, translations: Translations, names: Mapping[str, object]) -> str:
    """A refusal's sentence in the environment's language, its placeholders filled from ``names``."""
    k = names.get("k")
    words = refusal.words(
        node=str(names.get("node") or ""),
        dataset=str(names.get("dataset") or ""),
        k=k if isinstance(k, int) else None,
    )
    return translations.gettext(refusal.sentence) % words
