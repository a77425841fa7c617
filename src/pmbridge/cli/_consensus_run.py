"""``pmbridge consensus`` once a study is locked: open, close and remind rounds, follow it, and fetch
its results, the anonymised CSV, the report, and the lock's check against the audit log.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from pmbridge.cli._access import HUB, Passport, Url, User, signed_in
from pmbridge.cli._consensus import JsonOption, Sid, consensus_app, console, print_json
from pmbridge.cli._consensus_show import rounds_table
from pmbridge.errors import ConfigError, LockBroken


@consensus_app.command("open")
def open_command(
    sid: Sid,
    closes: Annotated[str | None, typer.Option(help="When the round closes (ISO 8601 with offset).")] = None,
    days: Annotated[int | None, typer.Option(min=1, help="Or: close this many days after it opens.")] = None,
    opens: Annotated[
        str | None, typer.Option(help="When it opens (ISO 8601 with offset; default now).")
    ] = None,
    url: Url = HUB,
    passport: Passport = None,
    user: User = None,
) -> None:
    """Schedule the next round (opening at once when --opens is not in the future)."""
    start = datetime.fromisoformat(opens) if opens else datetime.now(UTC).replace(microsecond=0)
    if closes is None and days is None:
        raise ConfigError("say when the round closes", hint="--closes 2026-12-21T17:00:00+01:00 or --days 14")
    end = closes or (start + timedelta(days=days or 0)).isoformat()
    with signed_in(url, passport, user) as hub:
        study = hub.schedule_round(sid, opens=start.isoformat(), closes=end)
    console.print(rounds_table(study))


@consensus_app.command("close")
def close_command(
    sid: Sid,
    number: Annotated[int, typer.Argument(help="The round to close now.")],
    url: Url = HUB,
    passport: Passport = None,
    user: User = None,
) -> None:
    """Close a round early; its results are computed with the locked rule and released."""
    with signed_in(url, passport, user) as hub:
        found = hub.close_round(sid, number)
        study = hub.study(sid)
    console.print(
        f"round {number} closed: {found.get('responded')}/{found.get('invited')} responded", highlight=False
    )
    console.print(rounds_table(study))


@consensus_app.command("remind")
def remind_command(sid: Sid, url: Url = HUB, passport: Passport = None, user: User = None) -> None:
    """Mail a reminder (with a fresh personal link) to the open round's non-responders."""
    with signed_in(url, passport, user) as hub:
        said = hub.remind_panel(sid)
    console.print(f"reminders queued: {said.get('reminded', said)}", highlight=False)


@consensus_app.command("status")
def status_command(
    sid: Sid, as_json: JsonOption = False, url: Url = HUB, passport: Passport = None, user: User = None
) -> None:
    """The study: state, protocol, lock and rounds."""
    with signed_in(url, passport, user) as hub:
        study = hub.study(sid)
    if as_json:
        print_json(study.model_dump())
        return
    console.print(
        f"[bold]{escape(study.title.get('en', ''))}[/] / {escape(study.title.get('zh', ''))}", highlight=False
    )
    protocol = study.protocol
    console.print(
        f"{study.id} {study.state}; rule {protocol.get('rule_name')}, k {protocol.get('k')}, "
        f"{protocol.get('rounds')} rounds planned",
        highlight=False,
    )
    if study.lock:
        console.print(
            f"locked {study.lock.get('locked_at')}: {study.lock.get('digest')} "
            f"(audit entry {study.lock.get('audit_seq')})",
            highlight=False,
        )
    console.print(rounds_table(study))


@consensus_app.command("results")
def results_command(
    sid: Sid, as_json: JsonOption = False, url: Url = HUB, passport: Passport = None, user: User = None
) -> None:
    """Each closed round's items: status and the reason the locked rule gave."""
    with signed_in(url, passport, user) as hub:
        found = hub.study_results(sid)
    if as_json:
        print_json(found.model_dump())
        return
    for r in found.rounds:
        table = Table(title=f"Round {r['round']}: {r['responded']}/{r['invited']} responded")
        for column in ("item", "status", "reason"):
            table.add_column(column, overflow="fold")
        for item in r.get("items", []):
            table.add_row(escape(str(item["item"])), str(item["status"]), escape(str(item.get("reason", ""))))
        console.print(table)


@consensus_app.command("export")
def export_command(
    sid: Sid,
    out: Annotated[Path, typer.Option(help="CSV file to write.")],
    url: Url = HUB,
    passport: Passport = None,
    user: User = None,
) -> None:
    """Write the anonymised ratings (code, round, group, item, score) as CSV."""
    with signed_in(url, passport, user) as hub:
        data = hub.study_export(sid)
    out.write_bytes(data)
    rows = max(len(data.splitlines()) - 1, 0)
    console.print(f"{rows} ratings written to {out}", highlight=False)


@consensus_app.command("report")
def report_command(
    sid: Sid,
    out: Annotated[Path, typer.Option(help="File to write; .pdf writes PDF, anything else HTML.")],
    fmt: Annotated[str | None, typer.Option("--format", help="html or pdf (default: from --out).")] = None,
    lang: Annotated[str, typer.Option(help="en or zh.")] = "en",
    url: Url = HUB,
    passport: Passport = None,
    user: User = None,
) -> None:
    """Write the report (methods, retention, results with charts, ACCORD checklist)."""
    kind = fmt or ("pdf" if out.suffix.lower() == ".pdf" else "html")
    if kind not in ("html", "pdf") or lang not in ("en", "zh"):
        raise ConfigError(
            f"unknown --format {kind!r} or --lang {lang!r}", hint="--format html|pdf, --lang en|zh"
        )
    with signed_in(url, passport, user) as hub:
        data = hub.study_report(sid, fmt=kind, lang=lang)
    out.write_bytes(data)
    console.print(f"report ({kind}, {lang}) written to {out}", highlight=False)


@consensus_app.command("verify")
def verify_command(sid: Sid, url: Url = HUB, passport: Passport = None, user: User = None) -> None:
    """Check the stored lock against the audit log's entry; exit 1 when they differ."""
    with signed_in(url, passport, user) as hub:
        found = hub.verify_study(sid)
    if not found.ok:
        raise LockBroken(
            f"study {sid}'s locked snapshot no longer matches audit entry {found.audit_seq}",
            hint="the study's stored protocol was changed after its lock; treat its results as void",
        )
    console.print(
        f"ok: {found.digest} matches audit entry {found.audit_seq} ({found.checked_at})", highlight=False
    )
