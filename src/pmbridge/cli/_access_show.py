"""What ``pmbridge access`` prints: each dataset's pre-check, a request with its sub-negotiations,
thread and history, the inbox and grants, as rich tables (text as people wrote it, escaped).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.markup import escape
from rich.table import Table

from pmbridge.client import AccessDetail, AccessGrant, AccessRequestSummary, Inbox, Precheck

_VERDICT_STYLE = {"APPROVE": "green", "DENY": "red", "ABSTAIN": "yellow"}


def precheck_table(summary: AccessRequestSummary) -> Table:
    """A row per dataset: the DUO verdict, whether it was sent and at which granularity, every rule
    (X1's coarser granularity as ``instead``), the DUO and Mondo releases, and the node's summary."""
    table = Table(title=f"Pre-check of {escape(summary.id)}")
    for head in ("dataset", "verdict", "sent", "granularity", "rules", "releases", "summary"):
        table.add_column(head, overflow="fold")
    for key, check in sorted(summary.draft.precheck.items()):
        table.add_row(escape(key), *precheck_cells(check))
    return table


def precheck_cells(check: Precheck) -> list[str]:
    style = _VERDICT_STYLE.get(check.verdict, "")
    verdict = f"[{style}]{escape(check.verdict)}[/]" if style else escape(check.verdict)
    asked = check.granularity
    sent = escape(f"{asked.requested} → {asked.sent}" if asked.sent else f"{asked.requested} → not sent")
    rules = "\n".join(
        f"{escape(r.rule)} {'allowed' if r.allowed else 'refused'}"
        + (f", instead {escape(r.instead)}" if r.instead else "")
        for r in check.rules
    )
    releases = check.duo.releases
    shown = f"DUO {escape(releases.duo)}\nMondo {escape(releases.mondo)}"
    return [verdict, "yes" if check.send else "no", sent, rules or "-", shown, escape(check.summary)]


def request_lines(detail: AccessDetail) -> list[Table | str]:
    """``pmbridge access show``: the request, each dataset's negotiation with the steps open to
    you, the messages, attachments and history."""
    found = detail.request
    lines: list[Table | str] = [
        f"[bold]{escape(found.id)}[/] {escape(found.title)}: {escape(found.state)} "
        f"(you: {escape(detail.role)}; researcher {escape(found.researcher)})",
    ]
    if detail.steps.request:
        lines.append(f"your steps: {escape(', '.join(detail.steps.request))}")
    resources = Table(title="Datasets")
    for head in ("resource", "node", "dataset", "state", "granularity", "steward said", "your steps"):
        resources.add_column(head, overflow="fold")
    for r in found.resources:
        said = "; ".join(
            part
            for part in (
                r.reason and f"reason: {r.reason}",
                r.conditions and f"conditions: {r.conditions}",
                r.until and f"until {r.until}",
            )
            if part
        )
        steps = ", ".join(detail.steps.resources.get(r.id, []))
        cells = (r.id, r.node, r.dataset, r.state, r.granularity or "-", said or "-", steps or "-")
        resources.add_row(*(escape(c) for c in cells))
    lines.append(resources)
    if detail.messages:
        messages = Table(title="Messages")
        for head in ("when", "resource", "from", "text"):
            messages.add_column(head, overflow="fold")
        for m in detail.messages:
            who = f"{m.author_name} ({m.role})"
            messages.add_row(escape(m.created), escape(m.resource), escape(who), escape(m.text))
        lines.append(messages)
    if detail.attachments:
        files = Table(title="Attachments")
        for head in ("id", "resource", "name", "type", "bytes", "by"):
            files.add_column(head, overflow="fold")
        for a in detail.attachments:
            facts = (a.id, a.resource, a.name, a.media_type, str(a.size), a.uploaded_by)
            files.add_row(*(escape(c) for c in facts))
        lines.append(files)
    if detail.history:
        history = Table(title="History")
        for head in ("when", "resource", "from", "event", "to", "by", "reason"):
            history.add_column(head, overflow="fold")
        for h in detail.history:
            cells = (h.at, h.resource or "request", h.source, h.event, h.target, h.actor, h.reason)
            history.add_row(*(escape(c) for c in cells))
        lines.append(history)
    if detail.grants:
        lines.append(grants_table(detail.grants))
    return lines


def requests_table(found: Sequence[AccessRequestSummary], *, title: str) -> Table:
    table = Table(title=title)
    for head in ("id", "title", "state", "researcher", "datasets", "updated"):
        table.add_column(head, overflow="fold")
    for r in found:
        datasets = ", ".join(f"{x.node}/{x.dataset} {x.state}" for x in r.resources)
        datasets = datasets or ", ".join(f"{d.node}/{d.dataset}" for d in r.draft.datasets)
        cells = (r.id, r.title, r.state, r.researcher, datasets, r.updated)
        table.add_row(*(escape(c) for c in cells))
    return table


def inbox_table(inbox: Inbox) -> Table:
    table = Table(title=f"Inbox ({inbox.unread} unread)")
    for head in ("", "when", "notification", "request", "resource"):
        table.add_column(head, overflow="fold")
    for n in inbox.notifications:
        cells = (n.created, n.text, n.request, n.resource or "-")
        table.add_row("" if n.read else "•", *(escape(c) for c in cells))
    return table


def grants_table(grants: Sequence[AccessGrant]) -> Table:
    table = Table(title="Grants")
    for head in ("id", "node", "dataset", "state", "granted", "until", "committee", "conditions"):
        table.add_column(head, overflow="fold")
    for g in grants:
        cells = (g.id, g.node, g.dataset, g.state, g.granted, g.until, g.committee, g.conditions or "-")
        table.add_row(*(escape(c) for c in cells))
    return table
