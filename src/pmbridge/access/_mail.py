"""The words of a notification, in the recipient's language: a mail (subject and plain text) and
the one-line summary of the portal's inbox, from one template per kind kept as data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from pmbridge.access._notifications import NOTIFICATION_KINDS, Language, Notification
from pmbridge.errors import InternalError

__all__ = ["absolute_link", "render_mail", "render_title"]


class _Wording(NamedTuple):
    line: str
    """The inbox line and mail subject: short, names what happened and to which request."""
    sentence: str
    """The mail's opening sentence: who did what, and what it means for the reader."""


_EN, _ZH = Language.EN, Language.ZH
_AT_EN = "{dataset} at {node}"
_AT_ZH = "{node} 的 {dataset}"  # short, for the one-line summary
_OF_ZH = "节点 {node} 的数据集 {dataset}"

_TEMPLATES: Mapping[str, Mapping[Language, _Wording]] = {
    "request.submit": {
        _EN: _Wording(
            "Access request submitted: “{title}”",
            "Your access request “{title}” was submitted and each node has pre-checked it; the request "
            "page shows which datasets went to their stewards.",
        ),
        _ZH: _Wording(
            "数据访问申请已提交：“{title}”",
            "您的数据访问申请“{title}”已提交，各节点已完成预审；申请页面显示哪些数据集已转交其数据管理员。",
        ),
    },
    "request.approve": {
        _EN: _Wording(
            "New access request for your datasets: “{title}”",
            "The access request “{title}” passed the network's pre-check and waits for your decision.",
        ),
        _ZH: _Wording(
            "您的数据集收到新的访问申请：“{title}”", "数据访问申请“{title}”已通过网络预审，等待您的决定。"
        ),
    },
    "request.decline": {
        _EN: _Wording(
            "Access request not sent: “{title}”",
            "The pre-check refused every dataset of the access request “{title}”, so it went to no steward.",
        ),
        _ZH: _Wording(
            "数据访问申请未发送：“{title}”",
            "预审拒绝了数据访问申请“{title}”中的全部数据集，因此未发送给任何数据管理员。",
        ),
    },
    "request.start": {
        _EN: _Wording(
            "Project started: “{title}”", "{actor} started work on the approved request “{title}”."
        ),
        _ZH: _Wording("项目已开始：“{title}”", "{actor} 已开始已批准申请“{title}”的项目工作。"),
    },
    "request.pause": {
        _EN: _Wording("Project paused: “{title}”", "{actor} paused the project of the request “{title}”."),
        _ZH: _Wording("项目已暂停：“{title}”", "{actor} 暂停了申请“{title}”的项目。"),
    },
    "request.resume": {
        _EN: _Wording("Project resumed: “{title}”", "{actor} resumed the project of the request “{title}”."),
        _ZH: _Wording("项目已恢复：“{title}”", "{actor} 恢复了申请“{title}”的项目。"),
    },
    "request.conclude": {
        _EN: _Wording(
            "Project concluded: “{title}”", "{actor} concluded the project of the request “{title}”."
        ),
        _ZH: _Wording("项目已结束：“{title}”", "{actor} 结束了申请“{title}”的项目。"),
    },
    "request.abandon": {
        _EN: _Wording(
            "Access request abandoned: “{title}”", "{actor} abandoned the access request “{title}”."
        ),
        _ZH: _Wording("数据访问申请已放弃：“{title}”", "{actor} 放弃了数据访问申请“{title}”。"),
    },
    "request.abandon_idle": {
        _EN: _Wording(
            "Access request closed after inactivity: “{title}”",
            "The access request “{title}” was closed after {days_phrase} without activity.",
        ),
        _ZH: _Wording(
            "数据访问申请因长期无操作已关闭：“{title}”",
            "数据访问申请“{title}”已连续 {days_phrase}无任何操作，现已关闭。",
        ),
    },
    "resource.acknowledge": {
        _EN: _Wording(
            f"Under review: {_AT_EN} — “{{title}}”", f"{_AT_EN} is now reviewing the request “{{title}}”."
        ),
        _ZH: _Wording(f"审核中：{_AT_ZH}——“{{title}}”", f"{_OF_ZH} 已开始审核申请“{{title}}”。"),
    },
    "resource.return": {
        _EN: _Wording(
            f"Changes requested: {_AT_EN} — “{{title}}”",
            f"The committee for {_AT_EN} returned the request “{{title}}” and asks for changes.",
        ),
        _ZH: _Wording(
            f"需要修改：{_AT_ZH}——“{{title}}”",
            f"{_OF_ZH} 的审核委员会退回了申请“{{title}}”，请修改后重新提交。",
        ),
    },
    "resource.resubmit": {
        _EN: _Wording(
            f"Resubmitted: {_AT_EN} — “{{title}}”",
            f"{{actor}} resubmitted the request “{{title}}” for {_AT_EN}.",
        ),
        _ZH: _Wording(
            f"已重新提交：{_AT_ZH}——“{{title}}”", f"{{actor}} 已就{_OF_ZH} 重新提交申请“{{title}}”。"
        ),
    },
    "resource.indicate_conditions": {
        _EN: _Wording(
            f"Conditions set: {_AT_EN} — “{{title}}”",
            f"The committee for {_AT_EN} will grant the request “{{title}}” on conditions; "
            "please read them and accept them in the portal.",
        ),
        _ZH: _Wording(
            f"已提出条件：{_AT_ZH}——“{{title}}”",
            f"{_OF_ZH} 的审核委员会将在满足条件的前提下批准申请“{{title}}”，请在门户中阅读并接受这些条件。",
        ),
    },
    "resource.accept_conditions": {
        _EN: _Wording(
            f"Conditions accepted: {_AT_EN} — “{{title}}”",
            f"{{actor}} accepted the conditions for {_AT_EN} in the request “{{title}}”.",
        ),
        _ZH: _Wording(
            f"条件已接受：{_AT_ZH}——“{{title}}”", f"{{actor}} 已接受申请“{{title}}”中{_OF_ZH} 的条件。"
        ),
    },
    "resource.approve": {
        _EN: _Wording(
            f"Access granted: {_AT_EN} — “{{title}}”",
            f"Access to {_AT_EN} has been granted for the request “{{title}}”, until {{until}}.",
        ),
        _ZH: _Wording(
            f"已授予访问权限：{_AT_ZH}——“{{title}}”",
            f"申请“{{title}}”已获准访问{_OF_ZH}，有效期至 {{until}}。",
        ),
    },
    "resource.decline": {
        _EN: _Wording(
            f"Access declined: {_AT_EN} — “{{title}}”",
            f"The committee for {_AT_EN} declined the request “{{title}}”.",
        ),
        _ZH: _Wording(
            f"访问未获批准：{_AT_ZH}——“{{title}}”", f"{_OF_ZH} 的审核委员会未批准申请“{{title}}”。"
        ),
    },
    "resource.revoke": {
        _EN: _Wording(
            f"Access revoked: {_AT_EN} — “{{title}}”",
            f"Access to {_AT_EN} granted for the request “{{title}}” has been revoked.",
        ),
        _ZH: _Wording(
            f"访问权限已撤销：{_AT_ZH}——“{{title}}”", f"申请“{{title}}”对{_OF_ZH} 的访问权限已被撤销。"
        ),
    },
    "resource.expire": {
        _EN: _Wording(
            f"Access expired: {_AT_EN} — “{{title}}”",
            f"Access to {_AT_EN} for the request “{{title}}” ended on {{until}}.",
        ),
        _ZH: _Wording(
            f"访问权限已到期：{_AT_ZH}——“{{title}}”",
            f"申请“{{title}}”对{_OF_ZH} 的访问权限已于 {{until}} 到期。",
        ),
    },
    "resource.withdraw": {
        _EN: _Wording(
            f"Withdrawn: {_AT_EN} — “{{title}}”", f"{{actor}} withdrew the request “{{title}}” for {_AT_EN}."
        ),
        _ZH: _Wording(
            f"已撤回：{_AT_ZH}——“{{title}}”", f"{{actor}} 已撤回申请“{{title}}”中对{_OF_ZH} 的申请。"
        ),
    },
    "resource.abandon_idle": {
        _EN: _Wording(
            f"Closed after inactivity: {_AT_EN} — “{{title}}”",
            f"The request “{{title}}” for {_AT_EN} was closed after {{days_phrase}} without activity.",
        ),
        _ZH: _Wording(
            f"因长期无操作已关闭：{_AT_ZH}——“{{title}}”",
            f"申请“{{title}}”中对{_OF_ZH} 的申请已连续 {{days_phrase}}无任何操作，现已关闭。",
        ),
    },
    "message": {
        _EN: _Wording("New message: “{title}”", "{actor} wrote a new message about the request “{title}”."),
        _ZH: _Wording("新消息：“{title}”", "{actor} 就申请“{title}”发送了一条新消息。"),
    },
    "reminder": {
        _EN: _Wording(
            "Waiting for you: “{title}”", "The request “{title}” has been waiting for you for {days_phrase}."
        ),
        _ZH: _Wording("等待您处理：“{title}”", "申请“{title}”已等待您处理 {days_phrase}。"),
    },
}

_GREETING = {_EN: "Dear {name},", _ZH: "{name}，您好："}
_EXTRAS = {  # user text the committee or researcher wrote, shown as written below the sentence
    "reason": {_EN: "Reason:", _ZH: "理由："},
    "conditions": {_EN: "Conditions:", _ZH: "条件："},
}
_OPEN = {_EN: "Open the request in the PM Bridge portal:", _ZH: "请在 PM Bridge 门户中查看该申请："}
_FOOTER = {
    _EN: "— PM Bridge\nYou receive this mail because you take part in this access request.",
    _ZH: "—— PM Bridge\n您收到此邮件，是因为您是该数据访问申请的相关方。",
}
_SUBJECT_PREFIX = "[PM Bridge] "
_UNSET = "—"


def render_title(n: Notification, lang: Language) -> str:
    """The inbox's one-line summary of ``n`` in ``lang``; user text appears as written.

    >>> from datetime import UTC, datetime
    >>> from pmbridge.access._notifications import Recipient
    >>> who = Recipient("eu-researcher", "Ana", None, Language.EN)
    >>> n = Notification("nt-1", who, "resource.approve", "ar-1", "rs-1", "Ataxia cohort",
    ...                  {"node": "rome", "dataset": "rome-rd", "until": "2027-06-30"},
    ...                  "/requests/ar-1", datetime(2026, 12, 6, tzinfo=UTC))
    >>> render_title(n, Language.EN)
    'Access granted: rome-rd at rome — “Ataxia cohort”'
    >>> render_title(n, Language.ZH)
    '已授予访问权限：rome 的 rome-rd——“Ataxia cohort”'
    """
    # a line break in a title would end a mail header early; the body keeps the title as written
    return " ".join(_wording(n, lang).line.format_map(_fill(n, lang)).split())


def render_mail(n: Notification, *, portal_url: str) -> tuple[str, str]:
    """Subject and plain-text body of the mail for ``n``, in its recipient's language, linking to
    the request at ``portal_url`` (the portal's public address)."""
    lang = n.recipient.language
    fill = _fill(n, lang)
    parts = [_GREETING[lang].format(name=n.recipient.name), _wording(n, lang).sentence.format_map(fill)]
    parts += [f"{label[lang]}\n{n.params[key]}" for key, label in _EXTRAS.items() if n.params.get(key)]
    parts += [f"{_OPEN[lang]}\n{absolute_link(portal_url, n.link)}", _FOOTER[lang]]
    return _SUBJECT_PREFIX + render_title(n, lang), "\n\n".join(parts) + "\n"


def absolute_link(portal_url: str, link: str) -> str:
    """``link`` (a portal path) under ``portal_url``, which may itself have a path.

    >>> absolute_link("https://pm.example.org/portal/", "/requests/ar-1")
    'https://pm.example.org/portal/requests/ar-1'
    """
    if link.startswith(("http://", "https://")):
        return link
    return f"{portal_url.rstrip('/')}/{link.lstrip('/')}"


def _wording(n: Notification, lang: Language) -> _Wording:
    try:
        return _TEMPLATES[n.kind][lang]
    except KeyError:
        raise InternalError(
            f"no {lang.value} wording for notification kind {n.kind!r}",
            hint=f"use one of {sorted(NOTIFICATION_KINDS)} (pmbridge.access.NOTIFICATION_KINDS)",
        ) from None


class _Fill(dict[str, str]):
    """The values of a template; one the caller left out reads as a dash rather than failing
    the whole mail."""

    def __missing__(self, key: str) -> str:
        return _UNSET


def _fill(n: Notification, lang: Language) -> _Fill:
    fill = _Fill(n.params)
    fill["title"] = n.title
    days = n.params.get("days", _UNSET)
    if lang is Language.ZH:
        fill["days_phrase"] = f"{days} 天"
    else:
        fill["days_phrase"] = "1 day" if days == "1" else f"{days} days"
    return fill
