"""What organisers read about a study: the study, participation, results, comments, proposals.

Never a token, and never one person's score or comment with their name, unless the study's locked
protocol lets the organiser see ratings (``GET …/ratings``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from pmbridge.consensus import LANGUAGES
from pmbridge.errors import RatingsPrivate
from pmbridge.hub._consensus_desk import ConsensusDesk
from pmbridge.hub._consensus_store import (
    Panellist,
    groups_of,
    items_of,
    load_study,
    panellists_of,
    rounds_of,
    study_ids,
)


def link_views(
    desk: ConsensusDesk, ids: Sequence[str], *, with_type: bool = True
) -> dict[str, dict[str, object]]:
    """Each knowledge-base link as ``{id, type, name: {en, zh}}`` (unknown ids: the id as name)."""
    found = desk.kb.find(list(dict.fromkeys(ids))) if desk.kb is not None and ids else {}
    views: dict[str, dict[str, object]] = {}
    for link in ids:
        entity = found.get(link)
        name = {"en": entity.name.en, "zh": entity.name.zh} if entity else {"en": link, "zh": link}
        views[link] = {
            "id": link,
            **({"type": entity.type.value if entity else ""} if with_type else {}),
            "name": name,
        }
    return views


def comment_views(con: sqlite3.Connection, study_id: str, round_: int) -> list[dict[str, object]]:
    """A round's comments by those who submitted it: no author, ordered by sha256 of the text."""
    rows = con.execute(
        "SELECT c.id, c.item, c.language, c.text, c.translations FROM comments c "
        "JOIN invitations i ON i.study = c.study AND i.round = c.round AND i.panellist = c.panellist "
        "WHERE c.study = ? AND c.round = ? AND i.responded = 1 ORDER BY c.sort_key, c.id",
        (study_id, round_),
    )
    views = []
    for comment_id, item, language, text, translations in rows:
        texts = {lang: t for lang, t in json.loads(translations).items() if lang != language}
        texts[language] = {"text": text, "provenance": "author"}
        views.append(
            {
                "id": comment_id,
                "item": item,
                "texts": {lang: texts[lang] for lang in LANGUAGES if lang in texts},
                "original_language": language,
            }
        )
    return views


def study_view(desk: ConsensusDesk, study_id: str) -> dict[str, object]:
    """The Study shape of docs/consensus.md."""
    with desk.store.connect() as con:
        study = load_study(con, study_id)
        protocol = desk.protocol(con, study)
        groups = groups_of(con, study_id)
        items = items_of(con, study_id)
        panel = panellists_of(con, study_id)
        rounds = rounds_of(con, study_id)
        counts: dict[int, tuple[int, int]] = {
            number: (invited, responded)
            for number, invited, responded in con.execute(
                "SELECT round, COUNT(*), COALESCE(SUM(responded), 0) FROM invitations "
                "WHERE study = ? GROUP BY round",
                (study_id,),
            )
        }
        actors = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT actor FROM events "
                "WHERE study = ? AND actor NOT IN ('hub', 'panellist') ORDER BY seq",
                (study_id,),
            )
        ]
    links = link_views(desk, [link for item in items for link in item.links])
    names = {o.label: o.name for o in desk.organisers}
    return {
        "id": study.id,
        "state": study.state,
        "title": study.title,
        "description": study.description,
        "protocol": protocol.to_json(),
        "statement": protocol.statement(),
        "groups": [g | {"panellists": sum(p.group == g["id"] for p in panel)} for g in groups],
        "items": [item.to_json() | {"links": [links[link] for link in item.links]} for item in items],
        "rounds": [
            {
                "round": r.round,
                "state": r.state,
                "opens": r.opens,
                "closes": r.closes,
                "items": list(r.items),
                "invited": counts.get(r.round, (0, 0))[0],
                "responded": counts.get(r.round, (0, 0))[1],
            }
            for r in rounds
        ],
        "lock": None
        if study.lock_digest is None
        else {"digest": study.lock_digest, "audit_seq": study.lock_audit_seq, "locked_at": study.locked_at},
        "organisers": list(dict.fromkeys(names.get(a, a) for a in [study.created_by, *actors])),
    }


def studies_view(desk: ConsensusDesk) -> list[dict[str, object]]:
    """Every study in brief, newest first."""
    with desk.store.connect() as con:
        found = [load_study(con, sid) for sid in study_ids(con)]
        rounds = {s.id: rounds_of(con, s.id) for s in found}
    return [
        {
            "id": s.id,
            "state": s.state,
            "title": s.title,
            "rule_name": s.protocol.rule.name,
            "rounds": len(rounds[s.id]),
            "created": s.created,
            "locked": s.lock_digest is not None,
        }
        for s in found
    ]


_FAILED_HINT = (
    "the mail server refused this mail for days, so the hub gave up and forgot its link; while a "
    "round is open, POST /api/consensus/studies/{sid}/remind sends each panellist who has not "
    "answered it a fresh link"
)


def latest_mail(
    con: sqlite3.Connection, study_id: str, *, kinds: tuple[str, ...] | None = None
) -> dict[str, dict[str, object]]:
    """Each panellist's latest mail (of ``kinds``, or any): its kind and state (``pending``: waiting
    for its first or next try; ``sent``; ``failed``: given up), tries, last try and last error; never
    its text."""
    latest: dict[str, dict[str, object]] = {}
    for panellist, kind, state, tries, error, last_try in con.execute(
        "SELECT panellist, kind, mail, tries, error, last_try FROM outbox "
        "WHERE study = ? AND panellist IS NOT NULL ORDER BY created, rowid",
        (study_id,),
    ):
        if kinds is not None and kind not in kinds:
            continue
        latest[panellist] = {
            "kind": kind,
            "state": state,
            "tries": tries,
            "last_try": last_try,
            "error": error,
            **({"hint": _FAILED_HINT.format(sid=study_id)} if state == "failed" else {}),
        }
    return latest


def participation(desk: ConsensusDesk, study_id: str) -> dict[str, object]:
    """Who is on the panel and how each round went, per group; never a score or a comment.

    Who answered which round is shown person by person only where the locked protocol lets the
    organiser see ratings: otherwise a drop-out named here, and the previous round's figures less
    this round's, would give that person's earlier answers (the others often keep theirs). Each
    person's invitation mail is shown (everyone gets one), so an address that bounces can be fixed.
    """
    with desk.store.connect() as con:
        study = load_study(con, study_id)
        per_person = desk.protocol(con, study).organiser_sees_ratings
        panel = panellists_of(con, study_id)
        rounds = rounds_of(con, study_id)
        rows = con.execute(
            "SELECT panellist, round, responded, reminders FROM invitations WHERE study = ?", (study_id,)
        ).fetchall()
        mails = latest_mail(con, study_id, kinds=None if per_person else ("invitation",))
    seen = {(p, r): (bool(done), n) for p, r, done, n in rows}
    group_of = {person.id: person.group for person in panel}
    first = sum(1 for (_, r) in seen if r == 1)
    per_round = []
    for r in rounds:
        here = [(person, done) for (person, n), (done, _) in seen.items() if n == r.round]
        responded = sum(done for _, done in here)
        groups = sorted({group_of.get(person, "") for person, _ in here})
        per_round.append(
            {
                "round": r.round,
                "invited": len(here),
                "responded": responded,
                "retention": round(responded / first, 4) if first else 0.0,
                "groups": [
                    {
                        "group": g,
                        "invited": sum(group_of.get(person) == g for person, _ in here),
                        "responded": sum(done for person, done in here if group_of.get(person) == g),
                    }
                    for g in groups
                ],
            }
        )

    def person(p: Panellist) -> dict[str, object]:
        shown: dict[str, object] = {
            "id": p.id,
            "name": p.name,
            "email": p.email,
            "group": p.group,
            "language": p.language,
            "mail": mails.get(p.id),
        }
        if per_person:
            shown["rounds"] = [
                {
                    "round": r.round,
                    "invited": (p.id, r.round) in seen,
                    "responded": seen.get((p.id, r.round), (False, 0))[0],
                    "reminders": seen.get((p.id, r.round), (False, 0))[1],
                }
                for r in rounds
            ]
        return shown

    return {"per_person": per_person, "panellists": [person(p) for p in panel], "rounds": per_round}


def results(desk: ConsensusDesk, study_id: str) -> dict[str, object]:
    """The released results of the closed rounds (the lock checked first)."""
    with desk.store.connect() as con:
        study = load_study(con, study_id)
        protocol = desk.protocol(con, study)
        rounds = rounds_of(con, study_id)
    return {
        "study": study_id,
        "k": protocol.k,
        "rule": {
            "name": protocol.rule.name,
            "json": json.loads(protocol.rule.to_json()),
            "digest": protocol.rule.digest(),
        },
        "rounds": [r.results for r in rounds if r.state == "closed" and r.results is not None],
    }


def comments(desk: ConsensusDesk, study_id: str, round_: int) -> list[dict[str, object]]:
    """A closed round's comments, as the next round's panellists see them."""
    with desk.store.connect() as con:
        load_study(con, study_id)
        closed = {r.round for r in rounds_of(con, study_id) if r.state == "closed"}
        return comment_views(con, study_id, round_) if round_ in closed else []


def proposals(desk: ConsensusDesk, study_id: str) -> list[dict[str, object]]:
    """The panel's proposals once round 1 (the round that takes them) has closed, ordered by the
    sha256 of their text, with no author: listed while it is open, each would appear just as its
    author's participation turns to "answered", and so name them."""
    with desk.store.connect() as con:
        load_study(con, study_id)
        if not any(r.round == 1 and r.state == "closed" for r in rounds_of(con, study_id)):
            return []
        rows = con.execute(
            "SELECT id, round, text, language, item FROM proposals WHERE study = ? ORDER BY sort_key, id",
            (study_id,),
        ).fetchall()
    return [{"id": r[0], "round": r[1], "text": r[2], "language": r[3], "adopted_item": r[4]} for r in rows]


def ratings(desk: ConsensusDesk, study_id: str) -> list[dict[str, object]]:
    """Every submitted rating of the closed rounds with its panellist, where the protocol allows it."""
    with desk.store.connect() as con:
        study = load_study(con, study_id)
        if not desk.protocol(con, study).organiser_sees_ratings:
            raise RatingsPrivate(
                "this study's protocol keeps individual ratings from the organisers",
                hint="the results show each item's released tallies: GET …/results",
            )
        rows = con.execute(
            "SELECT r.round, r.item, p.id, p.name, p.grp, r.score FROM ratings r "
            "JOIN panellists p ON p.id = r.panellist "
            "JOIN invitations i ON i.study = r.study AND i.round = r.round AND i.panellist = r.panellist "
            "JOIN rounds d ON d.study = r.study AND d.round = r.round "
            "WHERE r.study = ? AND i.responded = 1 AND d.state = 'closed' ORDER BY r.round, r.item, p.id",
            (study_id,),
        ).fetchall()
    return [
        {
            "round": r[0],
            "item": r[1],
            "panellist": r[2],
            "name": r[3],
            "group": r[4],
            "score": r[5] if r[5] == "unable" else int(r[5]),
        }
        for r in rows
    ]
