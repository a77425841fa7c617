"""The mail a panellist gets, in their language: invitation, round opened, reminder, thank-you.

Only these mails carry the personal link (``{public_url}/delphi/p/{token}``); the outbox keeps the
body until the mail is sent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from babel.dates import format_datetime

PANEL_PATH: Final = "/delphi/p/"
KINDS: Final = ("invitation", "round_opened", "reminder", "thanks")

_SUBJECT: Final = {
    "invitation": {"en": "Invitation to the Delphi study “{title}”", "zh": "邀请您参加德尔菲研究“{title}”"},
    "round_opened": {"en": "Round {round} of “{title}” is open", "zh": "“{title}”第 {round} 轮已开始"},
    "reminder": {
        "en": "Reminder: round {round} of “{title}” closes on {closes}",
        "zh": "提醒：“{title}”第 {round} 轮将于 {closes} 结束",
    },
    "thanks": {"en": "Thank you for your answers to “{title}”", "zh": "感谢您对“{title}”的回答"},
}
_BODY: Final = {
    "invitation": {
        "en": "Dear {name},\n\nYou are invited to join the expert panel of the Delphi study “{title}”.\n\n"
        "Your personal link (keep it to yourself; it opens your answers without a password):\n{link}\n\n"
        "{statement}\n",
        "zh": "{name}，您好：\n\n诚邀您加入德尔菲研究“{title}”的专家组。\n\n"
        "您的个人链接（请勿转发；无需密码即可打开您的回答）：\n{link}\n\n{statement}\n",
    },
    "round_opened": {
        "en": "Dear {name},\n\nRound {round} of “{title}” is open until {closes}.\n\n"
        "Your personal link:\n{link}\n",
        "zh": "{name}，您好：\n\n“{title}”第 {round} 轮已开始，截止时间 {closes}。\n\n"
        "您的个人链接：\n{link}\n",
    },
    "reminder": {
        "en": "Dear {name},\n\nRound {round} of “{title}” closes on {closes}, and we have not yet had your "
        "answers.\n\nYour personal link:\n{link}\n",
        "zh": "{name}，您好：\n\n“{title}”第 {round} 轮将于 {closes} 结束，我们尚未收到您的回答。\n\n"
        "您的个人链接：\n{link}\n",
    },
    "thanks": {
        "en": "Dear {name},\n\nThank you for your answers to round {round} of “{title}”. You may change "
        "them with your personal link until {closes}.\n",
        "zh": "{name}，您好：\n\n感谢您回答“{title}”第 {round} 轮。"
        "在 {closes} 之前，您可以用个人链接修改回答。\n",
    },
}


def panel_link(public_url: str, token: str) -> str:
    """The personal link: the portal's panel page with the token.

    >>> panel_link("https://hub.example/", "abc")
    'https://hub.example/delphi/p/abc'
    """
    return f"{public_url.rstrip('/')}{PANEL_PATH}{token}"


# Written out, not a locale's medium format: a mail must read the same in every mail client.
_WHEN: Final = {"en": "d MMMM y, HH:mm", "zh": "y年M月d日 HH:mm"}


def readable_time(stamp: str, language: str) -> str:
    """An ISO 8601 time as people read it in ``language``, in its own offset, which it names.

    >>> readable_time("2026-12-07T19:57:00+00:00", "en"), readable_time("2026-12-07T19:57:00+00:00", "zh")
    ('7 December 2026, 19:57 UTC', '2026年12月7日 19:57 UTC')
    >>> readable_time("2026-12-08T09:00:00+08:00", "en"), readable_time("2026-12-08T09:00:00-05:30", "zh")
    ('8 December 2026, 09:00 UTC+08:00', '2026年12月8日 09:00 UTC-05:30')
    >>> readable_time("", "en")
    ''
    """
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    offset = moment.utcoffset()
    if offset is None:
        return stamp
    minutes = int(offset.total_seconds()) // 60
    zone = (
        "UTC"
        if minutes == 0
        else f"UTC{'+' if minutes > 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    )
    lang = "zh" if language == "zh" else "en"
    locale = "zh_Hans" if lang == "zh" else "en"
    return f"{format_datetime(moment, _WHEN[lang], tzinfo=moment.tzinfo, locale=locale)} {zone}"


def compose(
    kind: str,
    *,
    language: str,
    name: str,
    title: str,
    link: str = "",
    round_: int = 1,
    closes: str = "",
    statement: str = "",
) -> tuple[str, str]:
    """(subject, body) of one mail in ``language`` ('en' or 'zh'); ``closes`` (ISO 8601) is written
    as people read it.

    >>> compose("reminder", language="zh", name="李", title="T", closes="2026-12-07T19:57:00+00:00")[0]
    '提醒：“T”第 1 轮将于 2026年12月7日 19:57 UTC 结束'
    """
    lang = "zh" if language == "zh" else "en"
    when = readable_time(closes, lang)
    fields = {"name": name, "title": title, "link": link, "round": round_, "closes": when}
    subject = _SUBJECT[kind][lang].format(**fields)
    body = _BODY[kind][lang].format(**fields, statement=statement)
    return subject, body
