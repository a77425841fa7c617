"""A study's rounds: scheduled, opened (invitations and mail), closed (results released), reminders.

Results are computed once, when a round closes, with the locked rule on the ratings of those who
submitted, and stored as released (blocks of ≥ k); every later view reads them.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import datetime

from pmbridge.consensus import (
    ItemText,
    Protocol,
    check_language,
    next_round_items,
    released_round,
    round_status,
)
from pmbridge.errors import ConsensusError, PMBridgeError, RoundClosed, StudyNotFound, StudyNotLocked
from pmbridge.hub._consensus_desk import ConsensusDesk, locked_error
from pmbridge.hub._consensus_mail import compose, panel_link
from pmbridge.hub._consensus_steps import mint_token, queue_mail, record
from pmbridge.hub._consensus_store import (
    Panellist,
    RoundRecord,
    StudyRecord,
    items_of,
    load_study,
    panellists_of,
    round_ratings,
    rounds_of,
)

log = logging.getLogger(__name__)


def parse_moment(value: object, *, what: str) -> datetime:
    """An ISO 8601 time with its UTC offset."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None or not isinstance(value, str):
        raise ConsensusError(
            f"{what} {value!r} is not an ISO 8601 time with an offset",
            hint='e.g. "2026-12-07T09:00:00+00:00" or "2026-12-07T17:00:00+08:00"',
        )
    return moment


def asked_groups(con: sqlite3.Connection, study_id: str, number: int) -> tuple[str, ...]:
    """The groups with anyone invited to round ``number``: under an every-group rule each must
    answer an item with at least k for it to be decided."""
    rows = con.execute(
        "SELECT DISTINCT p.grp FROM invitations i JOIN panellists p ON p.id = i.panellist "
        "WHERE i.study = ? AND i.round = ? ORDER BY p.grp",
        (study_id, number),
    )
    return tuple(row[0] for row in rows)


def round_items(con: sqlite3.Connection, study_id: str, protocol: Protocol, number: int) -> list[str]:
    """Round 1: the locked items; round n+1: round n's undecided items, then the adopted proposals."""
    items = items_of(con, study_id)
    if number == 1:
        return [i.id for i in items if i.added_in_round == 1]
    previous = next(r for r in rounds_of(con, study_id) if r.round == number - 1)
    asked = asked_groups(con, study_id, number - 1)
    statuses = round_status(
        round_ratings(con, study_id, number - 1), protocol.rule, k=protocol.k, asked=asked
    )
    statuses = {item: s for item, s in statuses.items() if item in previous.items}
    adopted = [i.id for i in items if i.added_in_round == number]
    return list(next_round_items(previous.items, statuses, protocol.rule, proposals_adopted=adopted))


def running(desk: ConsensusDesk, con: sqlite3.Connection, study_id: str) -> tuple[StudyRecord, Protocol]:
    """The locked study and its checked protocol; a draft is refused as such (rounds run only under
    rules fixed in advance)."""
    if load_study(con, study_id).state == "draft":
        raise StudyNotLocked(
            f"study {study_id} is not locked yet, and rounds run only under locked rules",
            hint=f"lock it first: POST /api/consensus/studies/{study_id}/lock",
        )
    return desk.running(con, study_id)


def round_panel(
    con: sqlite3.Connection, study: StudyRecord, protocol: Protocol, number: int
) -> list[Panellist]:
    """Who round ``number`` invites: the whole panel, or (from round 2, as COMET does, when the
    protocol says so) those who submitted the round before."""
    panel = panellists_of(con, study.id)
    if number > 1 and protocol.previous_respondents_only:
        responded = {
            r[0]
            for r in con.execute(
                "SELECT panellist FROM invitations WHERE study = ? AND round = ? AND responded = 1",
                (study.id, number - 1),
            )
        }
        panel = [p for p in panel if p.id in responded]
    return panel


def schedule(desk: ConsensusDesk, who: str, study_id: str, body: Mapping[str, object], now: datetime) -> int:
    """Schedule the next round; it opens at once when ``opens`` is not in the future."""
    opens = parse_moment(body.get("opens"), what="opens")
    closes = parse_moment(body.get("closes"), what="closes")
    if closes <= opens or closes <= now:
        raise ConsensusError(
            "a round must close after it opens, and in the future", hint="check opens and closes"
        )
    with desk.store.connect() as con:
        con.execute("BEGIN IMMEDIATE")
        study, protocol = running(desk, con, study_id)
        rounds = rounds_of(con, study_id)
        number = len(rounds) + 1
        if rounds and rounds[-1].state != "closed":
            raise RoundClosed(
                f"round {rounds[-1].round} is {rounds[-1].state}; the next round waits for it to close",
                hint=f"POST /api/consensus/studies/{study_id}/rounds/{rounds[-1].round}/close "
                "to close it early",
            )
        if number > protocol.rounds:
            raise RoundClosed(
                f"the protocol plans {protocol.rounds} rounds, and all have run",
                hint="the study is complete; GET its results",
            )
        items = round_items(con, study_id, protocol, number)
        if not items:
            raise RoundClosed(
                f"every item of round {number - 1} reached consensus and no proposal joins round {number}",
                hint="the study has nothing left to ask: GET its results, or adopt a proposal first",
            )
        if not round_panel(con, study, protocol, number):
            raise RoundClosed(
                f"nobody submitted round {number - 1}, and the protocol invites only the previous "
                f"round's respondents: round {number} would invite nobody",
                hint="the study cannot continue; its results stand as they are: "
                f"GET /api/consensus/studies/{study_id}/results",
            )
        con.execute(
            "INSERT INTO rounds (study, round, state, opens, closes, items) VALUES (?,?,?,?,?,?)",
            (study_id, number, "scheduled", opens.isoformat(), closes.isoformat(), json.dumps(items)),
        )
        record(
            con, desk.audit, actor=who, study=study_id, step="schedule", released={"round": number}, now=now
        )
        if opens <= now:
            open_round(desk, con, study, protocol, number, now=now)
    return number


def open_round(
    desk: ConsensusDesk,
    con: sqlite3.Connection,
    study: StudyRecord,
    protocol: Protocol,
    number: int,
    *,
    now: datetime,
) -> None:
    """Open a scheduled round: fix its items, invite its panel, mail each member a fresh link."""
    items = round_items(con, study.id, protocol, number)
    panel = round_panel(con, study, protocol, number)
    con.execute(
        "UPDATE rounds SET state = 'open', items = ? WHERE study = ? AND round = ?",
        (json.dumps(items), study.id, number),
    )
    con.execute("UPDATE studies SET state = 'running' WHERE id = ?", (study.id,))
    closes = next(r.closes for r in rounds_of(con, study.id) if r.round == number)
    for person in panel:
        con.execute(
            "INSERT INTO invitations (study, round, panellist) VALUES (?,?,?)", (study.id, number, person.id)
        )
        _mail(desk, con, study, person, kind="round_opened", number=number, closes=closes, now=now)
    record(
        con,
        desk.audit,
        actor="hub",
        study=study.id,
        step="open",
        released={"round": number, "items": len(items), "invited": len(panel)},
        now=now,
    )


def _mail(
    desk: ConsensusDesk,
    con: sqlite3.Connection,
    study: StudyRecord,
    person: Panellist,
    *,
    kind: str,
    number: int,
    closes: str,
    now: datetime,
) -> None:
    link = panel_link(desk.public_url, mint_token(con, person.id, now)) if kind != "thanks" else ""
    subject, text = compose(
        kind,
        language=person.language,
        name=person.name,
        title=study.title[person.language] or study.title["en"],
        link=link,
        round_=number,
        closes=closes,
    )
    queue_mail(
        con,
        study=study.id,
        panellist=person,
        recipient=person.email,
        language=person.language,
        kind=kind,
        subject=subject,
        body=text,
        now=now,
    )


def close_round(
    desk: ConsensusDesk, who: str, study_id: str, number: int, now: datetime
) -> dict[str, object]:
    """Close an open round (early, or when due): compute and store its released results."""
    with desk.store.connect() as con:
        con.execute("BEGIN IMMEDIATE")
        _, protocol = running(desk, con, study_id)
        found = _round(con, study_id, number)
        if found.state != "open":
            raise RoundClosed(
                f"round {number} is {found.state}, not open", hint="only an open round can be closed"
            )
        results = _results(con, study_id, protocol, found)
        con.execute(
            "UPDATE rounds SET state = 'closed', results = ? WHERE study = ? AND round = ?",
            (json.dumps(results, ensure_ascii=False, sort_keys=True), study_id, number),
        )
        if number >= protocol.rounds:
            con.execute("UPDATE studies SET state = 'closed' WHERE id = ?", (study_id,))
        record(
            con,
            desk.audit,
            actor=who,
            study=study_id,
            step="close",
            released={
                "round": number,
                "responded": int(str(results["responded"])),
                "items": len(found.items),
            },
            now=now,
        )
    return results


def _results(
    con: sqlite3.Connection, study_id: str, protocol: Protocol, found: RoundRecord
) -> dict[str, object]:
    invited, responded = con.execute(
        "SELECT COUNT(*), COALESCE(SUM(responded), 0) FROM invitations WHERE study = ? AND round = ?",
        (study_id, found.round),
    ).fetchone()
    first = con.execute(
        "SELECT COUNT(*) FROM invitations WHERE study = ? AND round = 1", (study_id,)
    ).fetchone()[0]
    ratings = [r for r in round_ratings(con, study_id, found.round) if r.item in found.items]
    return released_round(
        round_=found.round,
        items=found.items,
        ratings=ratings,
        rule=protocol.rule,
        k=protocol.k,
        invited=invited,
        responded=responded,
        first_invited=first,
        asked=asked_groups(con, study_id, found.round),
    )


def _round(con: sqlite3.Connection, study_id: str, number: int) -> RoundRecord:
    for found in rounds_of(con, study_id):
        if found.round == number:
            return found
    raise StudyNotFound(f"study {study_id} has no round {number}", hint="GET the study to see its rounds")


def remind(
    desk: ConsensusDesk, who: str, study_id: str, now: datetime, *, panellists: Sequence[str] | None = None
) -> int:
    """Queue a reminder, with a fresh link, to the open round's non-responders (or those named)."""
    with desk.store.connect() as con:
        con.execute("BEGIN IMMEDIATE")
        study, _ = running(desk, con, study_id)
        current = next((r for r in rounds_of(con, study_id) if r.state == "open"), None)
        if current is None:
            raise RoundClosed("no round of the study is open", hint="reminders go out while a round is open")
        waiting = {
            r[0]
            for r in con.execute(
                "SELECT panellist FROM invitations WHERE study = ? AND round = ? AND responded = 0",
                (study_id, current.round),
            )
        }
        chosen = [
            p
            for p in panellists_of(con, study_id)
            if p.id in waiting and (panellists is None or p.id in panellists)
        ]
        for person in chosen:
            _mail(
                desk,
                con,
                study,
                person,
                kind="reminder",
                number=current.round,
                closes=current.closes,
                now=now,
            )
            con.execute(
                "UPDATE invitations SET reminders = reminders + 1 "
                "WHERE study = ? AND round = ? AND panellist = ?",
                (study_id, current.round, person.id),
            )
        record(
            con,
            desk.audit,
            actor=who,
            study=study_id,
            step="remind",
            released={"round": current.round, "reminded": len(chosen)},
            now=now,
        )
    return len(chosen)


def open_due(desk: ConsensusDesk, now: datetime) -> list[tuple[str, int]]:
    """Open every scheduled round whose time has come (the sweep calls this); a study that cannot
    (a broken lock) is logged and left as it is, and the others still open."""
    opened = []
    with desk.store.connect() as con:
        due = con.execute(
            "SELECT study, round, opens FROM rounds WHERE state = 'scheduled' ORDER BY study, round"
        ).fetchall()
    for study_id, number, opens in due:
        if datetime.fromisoformat(opens) > now:
            continue
        try:
            with desk.store.connect() as con:
                con.execute("BEGIN IMMEDIATE")
                study, protocol = running(desk, con, study_id)
                if _round(con, study_id, number).state == "scheduled":
                    open_round(desk, con, study, protocol, number, now=now)
                    opened.append((study_id, number))
        except PMBridgeError as exc:
            log.error("study %s: round %d not opened: %s", study_id, number, exc)
    return opened


def close_due(desk: ConsensusDesk, now: datetime) -> list[tuple[str, int]]:
    """Close every open round whose closing time has passed (the sweep calls this); one that cannot
    be closed (a broken lock, closed meanwhile by its organiser) is logged and skipped."""
    with desk.store.connect() as con:
        due = con.execute("SELECT study, round, closes FROM rounds WHERE state = 'open'").fetchall()
    closed = []
    for study_id, number, closes in due:
        if datetime.fromisoformat(closes) <= now:
            try:
                close_round(desk, "hub", study_id, number, now)
            except PMBridgeError as exc:
                log.error("study %s: round %d not closed: %s", study_id, number, exc)
            else:
                closed.append((study_id, number))
    return closed


def adopt(
    desk: ConsensusDesk,
    who: str,
    study_id: str,
    proposal_id: str,
    body: Mapping[str, object],
    *,
    now: datetime,
) -> str:
    """Make a panellist's proposal an item of the next round not yet open; its id."""
    with desk.store.connect() as con:
        con.execute("BEGIN IMMEDIATE")
        study, protocol = running(desk, con, study_id)
        row = con.execute(
            "SELECT item FROM proposals WHERE study = ? AND id = ?", (study_id, proposal_id)
        ).fetchone()
        if row is None:
            raise StudyNotFound(
                f"study {study_id} has no proposal {proposal_id!r}", hint="GET …/proposals lists them"
            )
        if row[0] is not None:
            raise ConsensusError(
                f"proposal {proposal_id} was adopted already (item {row[0]})", hint="adopt it once"
            )
        rounds = rounds_of(con, study_id)
        started = [r.round for r in rounds if r.state != "scheduled"]
        target = (max(started) if started else 0) + 1
        if target > protocol.rounds or study.state == "closed":
            raise locked_error("its items (no round is left for a new one)")
        item = desk.new_item(body, added_in_round=target, source="proposal")
        desk.insert_item(con, study_id, item)
        con.execute("UPDATE proposals SET item = ? WHERE id = ?", (item.id, proposal_id))
        for found in rounds:
            if found.round == target:  # scheduled already: the item joins its list now
                con.execute(
                    "UPDATE rounds SET items = ? WHERE study = ? AND round = ?",
                    (json.dumps([*found.items, item.id]), study_id, target),
                )
        record(
            con,
            desk.audit,
            actor=who,
            study=study_id,
            step="adopt",
            released={"item": item.id, "round": target},
            now=now,
        )
    return item.id


def set_comment_text(
    desk: ConsensusDesk,
    who: str,
    study_id: str,
    comment_id: str,
    *,
    lang: str,
    body: Mapping[str, object],
    now: datetime,
) -> None:
    """Add (or correct) a comment's text in the other language, with its provenance."""
    language = check_language(lang)
    text = ItemText.parse(body, what="text")
    if text.provenance.value == "author":
        raise ConsensusError(
            "a comment's other language is a translation, not the panellist's own words",
            hint='say who translated it: "provenance": "machine" or "reviewed"',
        )
    with desk.store.connect() as con:
        con.execute("BEGIN IMMEDIATE")
        load_study(con, study_id)
        row = con.execute(
            "SELECT language, translations FROM comments WHERE study = ? AND id = ?", (study_id, comment_id)
        ).fetchone()
        if row is None:
            raise StudyNotFound(
                f"study {study_id} has no comment {comment_id!r}", hint="GET …/comments lists them"
            )
        if row[0] == language:
            raise ConsensusError(
                "a comment's own language is the panellist's words and cannot be changed",
                hint=f"add the text in {'en' if language == 'zh' else 'zh'} instead",
            )
        translations = json.loads(row[1]) | {language: text.to_json()}
        con.execute(
            "UPDATE comments SET translations = ? WHERE id = ?",
            (json.dumps(translations, ensure_ascii=False), comment_id),
        )
        record(
            con,
            desk.audit,
            actor=who,
            study=study_id,
            step="comment_text",
            released={"comment": comment_id, "language": language},
            now=now,
        )
