"""Inviting a study's panel: each panellist gets a personal link, minted here, stored only as sha256,
and sent only in their invitation mail (queued in the outbox); no reply ever carries it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from pmbridge.consensus import check_language, check_text
from pmbridge.errors import ConsensusError, MailRequired
from pmbridge.hub._consensus_auth import Organiser
from pmbridge.hub._consensus_desk import MAX_PANEL, ConsensusDesk, locked_error
from pmbridge.hub._consensus_mail import compose, panel_link
from pmbridge.hub._consensus_steps import mint_token, new_id, queue_mail, record, text_time
from pmbridge.hub._consensus_store import Panellist, groups_of, load_study, panellists_of, rounds_of


def invite(
    desk: ConsensusDesk, who: Organiser, study_id: str, body: Mapping[str, object], now: datetime
) -> int:
    """Add panellists and queue each one's invitation with a personal link; never returns a token."""
    if not desk.mail:
        raise MailRequired(
            "invitations carry each panellist's personal link, and this hub sends no mail",
            hint="the hub's operator sets [access.smtp] host (see docs/configuration.md)",
        )
    people = body.get("panellists")
    if not isinstance(people, list) or not people or len(people) > MAX_PANEL:
        raise ConsensusError(
            f"panellists must be a list of 1 to {MAX_PANEL} people",
            hint='send {"panellists": [{"name", "email", "group", "language"}]}',
        )
    with desk.store.connect() as con:
        con.execute("BEGIN IMMEDIATE")
        study = load_study(con, study_id)
        if any(r.state != "scheduled" for r in rounds_of(con, study_id)) or study.state in (
            "running",
            "closed",
        ):
            raise locked_error("its panel (round 1 has opened)")
        groups = {str(g["id"]) for g in groups_of(con, study_id)}
        known = {p.email.lower() for p in panellists_of(con, study_id)}
        protocol = study.protocol
        added = 0
        for index, person in enumerate(people):
            panellist = _panellist(study_id, person, index, groups, now)
            if panellist.email.lower() in known:
                raise ConsensusError(
                    f"panellists[{index}]: {panellist.email} is on the panel already",
                    hint="invite each person once",
                )
            known.add(panellist.email.lower())
            con.execute(
                "INSERT INTO panellists (id, study, name, email, grp, language, created) "
                "VALUES (?,?,?,?,?,?,?)",
                (
                    panellist.id,
                    study_id,
                    panellist.name,
                    panellist.email,
                    panellist.group,
                    panellist.language,
                    text_time(now),
                ),
            )
            token = mint_token(con, panellist.id, now)
            subject, text = compose(
                "invitation",
                language=panellist.language,
                name=panellist.name,
                title=study.title[panellist.language] or study.title["en"],
                link=panel_link(desk.public_url, token),
                statement=protocol.statement()[panellist.language],
            )
            queue_mail(
                con,
                study=study_id,
                panellist=panellist,
                recipient=panellist.email,
                language=panellist.language,
                kind="invitation",
                subject=subject,
                body=text,
                now=now,
            )
            added += 1
        record(
            con,
            desk.audit,
            actor=who.label,
            study=study_id,
            step="invite",
            released={"invited": added},
            now=now,
        )
    return added


def _panellist(study_id: str, person: object, index: int, groups: set[str], now: datetime) -> Panellist:
    if not isinstance(person, Mapping):
        raise ConsensusError(
            f"panellists[{index}] is not an object", hint="send name, email, group, language"
        )
    email = check_text(person.get("email"), what=f"panellists[{index}].email")
    if "@" not in email or any(c.isspace() for c in email):
        raise ConsensusError(
            f"panellists[{index}].email {email!r} is not a mail address", hint="e.g. a.b@example.org"
        )
    group = person.get("group")
    if group not in groups:
        raise ConsensusError(
            f"panellists[{index}].group {group!r} is not a group of the study",
            hint=f"use one of: {', '.join(sorted(groups)) or '(none yet: add groups first)'}",
        )
    return Panellist(
        new_id("pn"),
        study_id,
        check_text(person.get("name"), what=f"panellists[{index}].name"),
        email,
        str(group),
        check_language(person.get("language", "en"), what=f"panellists[{index}].language"),
    )
