"""Every UI string is in both catalogues and translated into Chinese; no template text escapes them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from jinja2 import Environment

from pmbridge.portal import Lang
from pmbridge.portal._i18n import LOCALE_DIR, load_translations

PORTAL = Path(__file__).resolve().parents[2] / "src" / "pmbridge" / "portal"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# Words that stay as they are in every language: names, standards, units, examples.
UNTRANSLATED = {"PM", "Bridge", "EN", "CSV", "JSON", "HPO", "DUO", "GA4GH"}


def extracted() -> dict[str, tuple[str, ...]]:
    """msgid -> all its forms (singular, plural), as pybabel extract finds them with babel.cfg."""
    with (PORTAL / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: dict[str, tuple[str, ...]] = {}
    for _, _, message, _, _ in extract_from_dir(PORTAL, method_map, options_map):
        forms = (message,) if isinstance(message, str) else tuple(m for m in message if m)
        found[forms[0]] = forms
    return found


def catalogue(lang: Lang) -> Catalog:
    with (LOCALE_DIR / lang.catalogue / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=lang.catalogue)


def test_extraction_finds_the_strings_of_templates_and_code() -> None:
    found = extracted()
    assert "Cohort explorer" in found  # a template string
    assert "Individuals per node" in found  # a Python N_() string
    assert any(len(forms) == 2 for forms in found.values())  # a {% pluralize %}
    assert len(found) > 100


@pytest.mark.parametrize("lang", list(Lang))
def test_every_extracted_string_is_in_the_catalogue(lang: Lang) -> None:
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue(lang) if m.id}
    missing = sorted(set(extracted()) - ids)
    assert missing == [], f"run the update in docs/portal.md; missing from {lang.catalogue}: {missing}"
    stale = sorted(ids - set(extracted()))
    assert stale == [], f"no longer used, remove from {lang.catalogue}: {stale}"


def test_every_string_has_a_chinese_translation_with_the_same_placeholders() -> None:
    problems = []
    for message in catalogue(Lang.ZH):
        if not message.id:
            continue
        ids = (message.id,) if isinstance(message.id, str) else message.id
        strings = (message.string,) if isinstance(message.string, str) else message.string
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated or fuzzy: {ids[0]!r}")
            continue
        wanted = set(PLACEHOLDER.findall(ids[0]))
        for text in strings:
            if set(PLACEHOLDER.findall(text)) != wanted:
                problems.append(f"placeholders differ: {ids[0]!r} -> {text!r}")
            english = set(re.findall("[A-Za-z]{3,}", PLACEHOLDER.sub("", text))) - UNTRANSLATED
            if text == ids[0] and english:
                problems.append(f"left in English: {ids[0]!r}")
    assert problems == []


def test_templates_have_no_text_outside_the_catalogue() -> None:
    """Text between tags must come from _() or {% trans %}: a bare English word would not be translated."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    problems = []
    for template in sorted((PORTAL / "templates").glob("*.html")):
        text, inside_trans = [], False
        for _, kind, value in env.lex(template.read_text()):
            if kind == "name" and value in ("trans", "pluralize"):
                inside_trans = True
            elif kind == "name" and value == "endtrans":
                inside_trans = False
            text.append(value if kind == "data" and not inside_trans else "§")
        shown = re.sub(r"<[^>]*>|&\w+;", " ", "".join(text))
        words = sorted(set(re.findall(r"[A-Za-z]{2,}", shown)) - UNTRANSLATED)
        if words:
            problems.append(f"{template.name}: {words}")
    assert problems == []


def test_a_compiled_catalogue_translates() -> None:
    assert load_translations(Lang.ZH).gettext("Cohort explorer") == "队列探索"
    assert load_translations(Lang.EN).gettext("Cohort explorer") == "Cohort explorer"
    assert "个节点" in load_translations(Lang.ZH).ngettext(
        "The network has %(n)s node. Each keeps its own data and answers the hub under its own rules.",
        "The network has %(n)s nodes. Each keeps its own data and answers the hub under its own rules.",
        3,
    )
