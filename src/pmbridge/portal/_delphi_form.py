"""What the Delphi forms post, read into the consensus API's bodies: a panellist's answers and
proposals, and the organiser's study, group, item, panellist and round forms."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Final

from pmbridge.portal._i18n import Lang

SCORES: Final = tuple(str(score) for score in range(1, 10))
UNABLE: Final = "unable"
PROVENANCES: Final = ("author", "machine", "reviewed")
PRESETS: Final = ("comet", "panel_70", "grade_bands")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_OFFSET = re.compile(r"[+-](0\d|1[0-4]):[0-5]\d")


def text_language(text: str, page: Lang) -> str:
    """The language a comment or proposal is written in: Chinese when it has Han characters,
    English when it has Latin letters and no Han, else the page's.

    >>> text_language("同意", Lang.EN), text_language("Agree", Lang.ZH), text_language("42", Lang.ZH)
    ('zh', 'en', 'zh')
    """
    if _HAN.search(text):
        return Lang.ZH.value
    if re.search("[A-Za-z]", text):
        return Lang.EN.value
    return page.value


def score_of(value: object) -> int | str | None:
    """A posted score: 1–9, ``"unable"``, or None for no answer (anything else is no answer too).

    >>> score_of("7"), score_of("unable"), score_of(""), score_of("10")
    (7, 'unable', None, None)
    """
    if value in SCORES:
        return int(str(value))
    return UNABLE if value == UNABLE else None


def answers_body(
    form: Mapping[str, object], items: Sequence[str], *, page: Lang, submit: bool
) -> dict[str, object]:
    """The body of ``PUT /api/consensus/panel/answers`` from the panel form: every item of the
    round (``items``) with its score and comment, and the proposals, one a line."""
    answers: list[dict[str, object]] = []
    for item in items:
        answer: dict[str, object] = {"item": item, "score": score_of(form.get(f"score-{item}"))}
        comment = str(form.get(f"comment-{item}") or "").strip()
        # an emptied box is sent too, so a comment can be taken back
        answer["comment"] = {"text": comment, "language": text_language(comment, page)}
        answers.append(answer)
    body: dict[str, object] = {"answers": answers, "submit": submit}
    proposals = [line.strip() for line in str(form.get("proposals") or "").splitlines() if line.strip()]
    if proposals:
        body["proposals"] = [{"text": text, "language": text_language(text, page)} for text in proposals]
    return body


def texts_body(form: Mapping[str, object], prefix: str = "") -> dict[str, dict[str, str]]:
    """``{en: {text, provenance}, zh: {...}}`` from fields ``{prefix}text-en``, ``{prefix}prov-en``, …"""
    found = {}
    for lang in Lang:
        provenance = str(form.get(f"{prefix}prov-{lang.value}") or "author")
        found[lang.value] = {
            "text": str(form.get(f"{prefix}text-{lang.value}") or "").strip(),
            "provenance": provenance if provenance in PROVENANCES else "author",
        }
    return found


def links_of(form: Mapping[str, object]) -> list[str]:
    """Knowledge-hub entry ids, separated by commas, spaces or lines.

    >>> links_of({"links": "policy:pipl, standard:ga4gh-passport\\naction:a1"})
    ['policy:pipl', 'standard:ga4gh-passport', 'action:a1']
    """
    return [part for part in re.split(r"[\s,;]+", str(form.get("links") or "")) if part]


def study_body(form: Mapping[str, object]) -> dict[str, object]:
    """The body of ``POST /api/consensus/studies``; a custom rule (JSON) replaces the preset."""
    body: dict[str, object] = {
        "title": {lang.value: str(form.get(f"title-{lang.value}") or "").strip() for lang in Lang},
        "description": {
            lang.value: str(form.get(f"description-{lang.value}") or "").strip() for lang in Lang
        },
        "organiser_sees_ratings": form.get("organiser_sees_ratings") == "1",
        "previous_respondents_only": form.get("previous_respondents_only") == "1",
    }
    custom = str(form.get("rule_json") or "").strip()
    preset = str(form.get("rule") or "comet")
    body["rule"] = _json_or_text(custom) if custom else (preset if preset in PRESETS else "comet")
    for name in ("k", "rounds"):
        value = str(form.get(name) or "").strip()
        if value:
            body[name] = int(value) if value.isdigit() else value  # the hub says what is wrong
    return body


def _json_or_text(text: str) -> object:
    """A rule written as JSON, as an object; text that is not JSON goes as it is, for the hub to refuse."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def panellists_body(text: str) -> dict[str, object]:
    """``{panellists: [...]}`` from lines ``name, e-mail, group, language`` (language en or zh;
    tabs or semicolons separate as well, so a spreadsheet's rows can be pasted).

    >>> lines = "Ana Silva, ana@example.org, eu-clin, en\\n\\n王芳; wang@example.cn; cn-clin; zh"
    >>> panellists_body(lines)["panellists"][1]
    {'name': '王芳', 'email': 'wang@example.cn', 'group': 'cn-clin', 'language': 'zh'}
    """
    found = []
    for line in text.splitlines():
        parts = [part.strip() for part in re.split(r"[,;\t]", line)]
        if not any(parts):
            continue
        name, email, group, language = [*parts, "", "", "", ""][:4]
        found.append({"name": name, "email": email, "group": group, "language": language or "en"})
    return {"panellists": found}


def moment(day_time: str, offset: str) -> str:
    """An ISO 8601 time with its offset from a ``datetime-local`` field and an offset ``+08:00``;
    what cannot be read goes as it is, for the hub to refuse with its hint.

    >>> moment("2026-12-07T09:30", "+08:00"), moment("2026-12-07T09:30", "")
    ('2026-12-07T09:30:00+08:00', '2026-12-07T09:30:00+00:00')
    """
    zone = offset.strip() or "+00:00"
    try:
        local = datetime.fromisoformat(day_time.strip())
    except ValueError:
        return day_time
    if not _OFFSET.fullmatch(zone):
        return f"{local.isoformat(timespec='seconds')}{zone}"
    return datetime.fromisoformat(f"{local.isoformat(timespec='seconds')}{zone}").isoformat()
