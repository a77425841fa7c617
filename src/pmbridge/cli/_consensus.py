"""``pmbridge consensus``: a study's organiser drafts a bilingual Delphi study through the hub (its
groups, items, rule and panel) and locks it; running it is in ``_consensus_run``.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pmbridge.cli._access import HUB, Passport, Url, User, signed_in
from pmbridge.cli._app import app
from pmbridge.cli._consensus_show import groups_table, items_table
from pmbridge.errors import ConfigError

consensus_app = typer.Typer(
    help="Delphi consensus studies: rules locked in advance, bilingual items, anonymous rounds.",
    no_args_is_help=True,
)
app.add_typer(consensus_app, name="consensus")
console = Console()

Sid = Annotated[str, typer.Argument(help="The study's id (st-…).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the hub's reply as JSON.")]


def print_json(document: object) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=1) + "\n")


def _rule(value: str) -> str | dict[str, object]:
    """A preset's name, or a rule object from a JSON file."""
    path = Path(value)
    if path.suffix.lower() != ".json":
        return value
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"cannot read the rule {path}: {exc}", hint="give a preset name or a rule JSON file"
        ) from None
    if not isinstance(found, dict):
        raise ConfigError(
            f"{path} holds no rule object", hint='e.g. {"name": "mine", "scope": "whole_panel", …}'
        )
    return found


@consensus_app.command("new")
def new_command(
    title_en: Annotated[str, typer.Option("--title-en", help="The title in English.")],
    title_zh: Annotated[str, typer.Option("--title-zh", help="The title in Chinese.")],
    description_en: Annotated[
        str, typer.Option("--description-en", help="What the study asks, in English.")
    ] = "",
    description_zh: Annotated[
        str, typer.Option("--description-zh", help="What the study asks, in Chinese.")
    ] = "",
    rule: Annotated[str, typer.Option(help="comet, panel_70, grade_bands, or a rule JSON file.")] = "comet",
    k: Annotated[int, typer.Option(min=2, help="Smallest group whose figures are shown.")] = 5,
    rounds: Annotated[int, typer.Option(min=2, max=5, help="Rounds planned.")] = 3,
    organiser_sees_ratings: Annotated[
        bool,
        typer.Option("--organiser-sees-ratings/--private-ratings", help="May the organiser see ratings?"),
    ] = False,
    previous_only: Annotated[
        bool,
        typer.Option("--previous-respondents-only/--all-panellists", help="Who later rounds invite."),
    ] = True,
    url: Url = HUB,
    passport: Passport = None,
    user: User = None,
) -> None:
    """Create a draft study; its protocol can change until `pmbridge consensus lock`."""
    body = {
        "title": {"en": title_en, "zh": title_zh},
        "description": {"en": description_en, "zh": description_zh},
        "rule": _rule(rule),
        "k": k,
        "rounds": rounds,
        "organiser_sees_ratings": organiser_sees_ratings,
        "previous_respondents_only": previous_only,
    }
    with signed_in(url, passport, user) as hub:
        study = hub.create_study(body)
    console.print(f"{escape(study.id)} {study.state}: {escape(study.title.get('en', ''))}", highlight=False)


@consensus_app.command("groups")
def groups_command(
    sid: Sid,
    group_id: Annotated[str | None, typer.Argument(help="A group to add (its id).")] = None,
    en: Annotated[str, typer.Option("--en", help="The group's name in English.")] = "",
    zh: Annotated[str, typer.Option("--zh", help="The group's name in Chinese.")] = "",
    url: Url = HUB,
    passport: Passport = None,
    user: User = None,
) -> None:
    """The study's stakeholder groups; with GROUP_ID, add one first (draft only)."""
    with signed_in(url, passport, user) as hub:
        study = hub.add_study_group(sid, group_id, {"en": en, "zh": zh}) if group_id else hub.study(sid)
    console.print(groups_table(study), highlight=False)


@consensus_app.command("items")
def items_command(
    sid: Sid,
    file: Annotated[
        Path | None, typer.Option("--file", help="A JSON list of {id?, texts, links} to add.")
    ] = None,
    en: Annotated[str, typer.Option("--en", help="An item to add: its English text.")] = "",
    zh: Annotated[str, typer.Option("--zh", help="Its Chinese text.")] = "",
    provenance_en: Annotated[str, typer.Option(help="author, machine or reviewed.")] = "author",
    provenance_zh: Annotated[str, typer.Option(help="author, machine or reviewed.")] = "author",
    links: Annotated[
        list[str] | None, typer.Option("--link", help="A knowledge-hub entry it concerns.")
    ] = None,
    item_id: Annotated[str | None, typer.Option("--id", help="The item's id (default: it-…).")] = None,
    url: Url = HUB,
    passport: Passport = None,
    user: User = None,
) -> None:
    """The study's items in both languages; add one (--en/--zh) or many (--file) first (draft only)."""
    adding: list[dict[str, object]] = []
    if file is not None:
        found = json.loads(file.read_text(encoding="utf-8"))
        adding = found if isinstance(found, list) else [found]
    if en or zh:
        adding.append(
            {
                "id": item_id,
                "texts": {
                    "en": {"text": en, "provenance": provenance_en},
                    "zh": {"text": zh, "provenance": provenance_zh},
                },
                "links": links or [],
            }
        )
    with signed_in(url, passport, user) as hub:
        for item in adding:
            hub.add_study_item(
                sid,
                item["texts"],  # type: ignore[arg-type]
                links=list(item.get("links") or []),  # type: ignore[call-overload]
                item_id=str(item["id"]) if item.get("id") else None,
            )
        study = hub.study(sid)
    console.print(items_table(study), highlight=False)


@consensus_app.command("panel")
def panel_command(
    sid: Sid,
    file: Annotated[
        Path | None, typer.Option("--file", help="CSV with name,email,group,language to invite.")
    ] = None,
    url: Url = HUB,
    passport: Passport = None,
    user: User = None,
) -> None:
    """Participation per panellist and round (never a score); --file invites panellists first."""
    with signed_in(url, passport, user) as hub:
        if file is not None:
            with file.open(encoding="utf-8", newline="") as handle:
                people = [dict(row) for row in csv.DictReader(handle)]
            invited = hub.invite_panellists(sid, people)
            console.print(f"invited {invited.get('invited', len(people))}", highlight=False)
        found = hub.participation(sid)
    table = Table(title=f"Participation in {sid}")
    last = "rounds (invited/responded, reminders)" if found.per_person else "invitation mail"
    for column in ("name", "group", "language", last):
        table.add_column(column, overflow="fold")
    for person in found.panellists:
        if found.per_person:
            shown = "  ".join(
                f"{r['round']}:{'i' if r.get('invited') else '-'}{'r' if r.get('responded') else '-'}"
                f"({r.get('reminders', 0)})"
                for r in person.get("rounds", [])
            )
        else:  # who answered is per group only (docs/consensus.md, anonymity)
            mail = person.get("mail") or {}
            shown = str(mail.get("state", "")) + (f": {mail['error']}" if mail.get("error") else "")
        table.add_row(
            escape(str(person.get("name", ""))),
            escape(str(person.get("group", ""))),
            str(person.get("language", "")),
            escape(shown),
        )
    console.print(table)
    for r in found.rounds:
        groups = ", ".join(f"{g['group']} {g['responded']}/{g['invited']}" for g in r.get("groups", []))
        console.print(
            f"round {r['round']}: {r['responded']}/{r['invited']} responded, retention {r['retention']}"
            + (f" ({escape(groups)})" if groups else ""),
            highlight=False,
        )


@consensus_app.command("rules")
def rules_command(
    sid: Sid,
    rule: Annotated[
        str | None, typer.Option(help="Set: comet, panel_70, grade_bands or a rule JSON file.")
    ] = None,
    url: Url = HUB,
    passport: Passport = None,
    user: User = None,
) -> None:
    """The study's consensus rule as JSON; --rule replaces it (draft only: the lock fixes it)."""
    with signed_in(url, passport, user) as hub:
        study = hub.set_study_rule(sid, _rule(rule)) if rule else hub.study(sid)
    print_json({"rule_name": study.protocol.get("rule_name"), "rule": study.protocol.get("rule")})


@consensus_app.command("lock")
def lock_command(sid: Sid, url: Url = HUB, passport: Passport = None, user: User = None) -> None:
    """Lock protocol, rule, groups and round-1 items (recorded in the audit log); no way back."""
    with signed_in(url, passport, user) as hub:
        receipt = hub.lock_study(sid)
    console.print(
        f"locked {escape(sid)}: {receipt.digest} (audit entry {receipt.audit_seq})", highlight=False
    )
