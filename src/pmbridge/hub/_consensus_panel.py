"""A panellist's side of a study, reached only with their personal link: the open round, their own
answers and previous score, the previous round's released blocks and anonymised comments.

Nothing here names another panellist or shows a group below k; answers carry no time.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Mapping
from datetime import datetime

from pmbridge.consensus import LANGUAGES, Protocol, check_language, check_score, check_text
from pmbridge.consensus._model import UNABLE
from pmbridge.errors import ConsensusError, PanelLinkInvalid, RoundClosed
from pmbridge.hub._consensus_desk import ConsensusDesk
from pmbridge.hub._consensus_mail import compose
from pmbridge.hub._consensus_steps import new_id, panellist_of_token, queue_mail, record
from pmbridge.hub._consensus_store import (
    Panellist,
    RoundRecord,
    StudyRecord,
    groups_of,
    items_of,
    load_study,
    rounds_of,
    score_of,
    score_text,
)
from pmbridge.hub._consensus_view import comment_views, link_views

MAX_PROPOSALS = 10
_LINK_HINT = "open the link in your latest invitation or reminder mail"


def sort_key(text: str) -> str:
    """Comments and proposals are ordered by this, never by who wrote them or when."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _panellist(con: sqlite3.Connection, token: str) -> Panellist:
    found = panellist_of_token(con, token) if token else None
    row = None
    if found is not None:
        row = con.execute(
            "SELECT id, study, name, email, grp, language FROM panellists WHERE id = ?", (found,)
        ).fetchone()
    if row is None:
        raise PanelLinkInvalid("this personal link is not valid", hint=_LINK_HINT)
    return Panellist(*row)


def _current(con: sqlite3.Connection, person: Panellist) -> RoundRecord | None:
    """The open round the panellist is invited to, if any (perhaps past its closing time)."""
    invited = {
        r[0]
        for r in con.execute(
            "SELECT round FROM invitations WHERE study = ? AND panellist = ?", (person.study, person.id)
        )
    }
    return next((r for r in rounds_of(con, person.study) if r.state == "open" and r.round in invited), None)


def past_closing(found: RoundRecord, now: datetime) -> bool:
    """Whether an open round's closing time has come: it takes no answer from then on, even before
    the sweep closes it and releases its results."""
    return now >= datetime.fromisoformat(found.closes)


def panel_view(desk: ConsensusDesk, token: str, now: datetime) -> dict[str, object]:
    """What the holder of ``token`` sees at ``now`` (PanelView of docs/consensus.md)."""
    with desk.store.connect() as con:
        person = _panellist(con, token)
        study = load_study(con, person.study)
        protocol = desk.protocol(con, study)
        return _view(desk, con, study, protocol, person, now=now)


def _view(
    desk: ConsensusDesk,
    con: sqlite3.Connection,
    study: StudyRecord,
    protocol: Protocol,
    person: Panellist,
    *,
    now: datetime,
) -> dict[str, object]:
    current = _current(con, person)
    groups = groups_of(con, study.id)
    group_name = next((g["name"] for g in groups if g["id"] == person.group), {})
    view: dict[str, object] = {
        "study": {
            "id": study.id,
            "title": study.title,
            "statement": protocol.statement(),
            "groups": [{"id": g["id"], "name": g["name"]} for g in groups],  # to name the blocks
        },
        "panellist": {"group": person.group, "group_name": group_name, "language": person.language},
        "round": None,
        "items": [],
        "proposals_open": False,
        "submitted": False,
    }
    if current is None:
        return view
    if past_closing(current, now):  # closed for answers: shown as closed, with no form
        view["round"] = {"round": current.round, "state": "closed", "closes": current.closes}
        return view
    rows = con.execute(
        "SELECT responded FROM invitations WHERE study = ? AND round = ? AND panellist = ?",
        (study.id, current.round, person.id),
    ).fetchone()
    items = {i.id: i for i in items_of(con, study.id)}
    links = link_views(desk, [link for i in current.items for link in items[i].links], with_type=False)
    answers = _answers(con, study.id, current.round, person.id)
    previous = next((r for r in rounds_of(con, study.id) if r.round == current.round - 1), None)
    own_before = _answers(con, study.id, current.round - 1, person.id) if previous else {}
    view |= {
        "round": {"round": current.round, "state": current.state, "closes": current.closes},
        "proposals_open": current.round == 1,
        "submitted": bool(rows and rows[0]),
        "items": [
            {
                "id": item_id,
                "texts": {lang: items[item_id].texts[lang].to_json() for lang in LANGUAGES},
                "links": [links[link] for link in items[item_id].links if link in links],
                "answer": answers.get(item_id),
                "previous": _previous(con, study.id, previous, item_id, own_before)
                if previous is not None and item_id in previous.items
                else None,
            }
            for item_id in current.items
        ],
    }
    return view


def _answers(
    con: sqlite3.Connection, study_id: str, round_: int, panellist: str
) -> dict[str, dict[str, object]]:
    found: dict[str, dict[str, object]] = {}
    for item, score in con.execute(
        "SELECT item, score FROM ratings WHERE study = ? AND round = ? AND panellist = ?",
        (study_id, round_, panellist),
    ):
        value = score_of(score)
        found[item] = {"score": "unable" if value is UNABLE else value, "comment": None}
    for item, language, text in con.execute(
        "SELECT item, language, text FROM comments WHERE study = ? AND round = ? AND panellist = ?",
        (study_id, round_, panellist),
    ):
        found.setdefault(item, {"score": None, "comment": None})["comment"] = {
            "text": text,
            "language": language,
        }
    return found


def _previous(
    con: sqlite3.Connection,
    study_id: str,
    previous: RoundRecord,
    item_id: str,
    own: Mapping[str, Mapping[str, object]],
) -> dict[str, object]:
    results = previous.results or {}
    released = results.get("items", [])
    entry = (
        next((i for i in released if isinstance(i, dict) and i.get("item") == item_id), {})
        if isinstance(released, list)
        else {}
    )
    blocks = entry.get("groups", []) if isinstance(entry, dict) else []
    return {
        "round": previous.round,
        "blocks": [
            {
                "label": b["label"],
                "groups": b["groups"],
                "counts": b["counts"],
                "unable": b["unable"],
                "respondents": b["respondents"],
            }
            for b in blocks
        ],
        "own_score": own.get(item_id, {}).get("score"),
        "comments": [
            {k: v for k, v in c.items() if k != "item"}
            for c in comment_views(con, study_id, previous.round)
            if c["item"] == item_id
        ],
    }


def panel_answer(
    desk: ConsensusDesk, token: str, body: Mapping[str, object], now: datetime
) -> dict[str, object]:
    """Save the panellist's answers (and, in round 1, proposals); ``submit`` marks them as responded."""
    answers = body.get("answers", [])
    proposals = body.get("proposals", [])
    submit = body.get("submit", False)
    if not isinstance(answers, list) or not isinstance(proposals, list) or not isinstance(submit, bool):
        raise ConsensusError(
            "answers and proposals must be lists, submit true or false",
            hint='send {"answers": [{"item": …, "score": 1..9|"unable"|null}], "submit": false}',
        )
    with desk.store.connect() as con:
        con.execute("BEGIN IMMEDIATE")
        person = _panellist(con, token)
        study = load_study(con, person.study)
        protocol = desk.protocol(con, study)
        current = _current(con, person)
        if current is None:
            raise RoundClosed(
                "no round of this study is open for you now",
                hint="answers can be saved only while a round you are invited to is open",
            )
        if past_closing(current, now):
            raise RoundClosed(
                f"round {current.round} closed at {current.closes}; it takes no more answers",
                hint="what you saved before it closed stays; you will get a mail if a next round opens",
            )
        for index, answer in enumerate(answers):
            _save(con, study.id, current, person, answer, index=index)
        if proposals and current.round != 1:
            raise ConsensusError(
                "proposals are taken in round 1 only", hint="send your proposal as a comment"
            )
        _check_proposal_count(con, study.id, current.round, person.id, len(proposals))
        for index, proposal in enumerate(proposals):
            if not isinstance(proposal, Mapping):
                raise ConsensusError(f"proposals[{index}] is not an object", hint='send {"text", "language"}')
            text = check_text(proposal.get("text"), what=f"proposals[{index}].text")
            con.execute(
                "INSERT INTO proposals (id, study, round, panellist, text, language, sort_key) "
                "VALUES (?,?,?,?,?,?,?)",
                (
                    new_id("pr"),
                    study.id,
                    current.round,
                    person.id,
                    text,
                    check_language(
                        proposal.get("language", person.language), what=f"proposals[{index}].language"
                    ),
                    sort_key(text),
                ),
            )
        first = False
        if submit:
            first = (
                con.execute(
                    "UPDATE invitations SET responded = 1 "
                    "WHERE study = ? AND round = ? AND panellist = ? AND responded = 0",
                    (study.id, current.round, person.id),
                ).rowcount
                == 1
            )
        if first:
            subject, text = compose(
                "thanks",
                language=person.language,
                name=person.name,
                title=study.title[person.language] or study.title["en"],
                round_=current.round,
                closes=current.closes,
            )
            queue_mail(
                con,
                study=study.id,
                panellist=person,
                recipient=person.email,
                language=person.language,
                kind="thanks",
                subject=subject,
                body=text,
                now=now,
            )
        record(
            con,
            desk.audit,
            actor="panellist",
            study=study.id,
            step="answer",
            released={
                "round": current.round,
                "answers": len(answers),
                "proposals": len(proposals),
                "submitted": submit,
            },
            now=now,
        )
        return _view(desk, con, study, protocol, person, now=now)


def _check_proposal_count(
    con: sqlite3.Connection, study_id: str, round_: int, panellist: str, adding: int
) -> None:
    """At most MAX_PROPOSALS proposals per panellist and round, counting those sent before (they
    cannot be withdrawn, and each one is the organiser's reading)."""
    (sent,) = con.execute(
        "SELECT COUNT(*) FROM proposals WHERE study = ? AND round = ? AND panellist = ?",
        (study_id, round_, panellist),
    ).fetchone()
    if adding and sent + adding > MAX_PROPOSALS:
        raise ConsensusError(
            f"at most {MAX_PROPOSALS} proposals per panellist in a round: you have sent {sent}, "
            f"and these {adding} would make {sent + adding}",
            hint=f"send at most {max(MAX_PROPOSALS - sent, 0)} more; put further ideas in an item's comment",
        )


def _save(
    con: sqlite3.Connection,
    study_id: str,
    current: RoundRecord,
    person: Panellist,
    answer: object,
    *,
    index: int,
) -> None:
    if not isinstance(answer, Mapping) or not isinstance(answer.get("item"), str):
        raise ConsensusError(f"answers[{index}] needs an item", hint='send {"item": "it-…", "score": 7}')
    item = str(answer["item"])
    if item not in current.items:
        raise ConsensusError(
            f"answers[{index}]: item {item!r} is not in round {current.round}",
            hint="answer the items the round lists",
        )
    key = (study_id, current.round, person.id, item)
    score = answer.get("score")
    if score is None:
        con.execute("DELETE FROM ratings WHERE study = ? AND round = ? AND panellist = ? AND item = ?", key)
    else:
        value = UNABLE if score == "unable" else check_score(score)
        con.execute(
            "INSERT INTO ratings (study, round, panellist, item, score) VALUES (?,?,?,?,?) "
            "ON CONFLICT (study, round, panellist, item) DO UPDATE SET score = excluded.score",
            (*key, score_text(value)),
        )
    if "comment" not in answer:
        return
    comment = answer["comment"]
    if comment is None or (isinstance(comment, Mapping) and not str(comment.get("text", "")).strip()):
        con.execute("DELETE FROM comments WHERE study = ? AND round = ? AND panellist = ? AND item = ?", key)
        return
    if not isinstance(comment, Mapping):
        raise ConsensusError(
            f"answers[{index}].comment is not an object", hint='send {"text": …, "language": "en"}'
        )
    text = check_text(comment.get("text"), what=f"answers[{index}].comment.text")
    language = check_language(
        comment.get("language", person.language), what=f"answers[{index}].comment.language"
    )
    con.execute(
        "INSERT INTO comments (id, study, round, item, panellist, language, text, sort_key) "
        "VALUES (?,?,?,?,?,?,?,?) "
        "ON CONFLICT (study, round, item, panellist) DO UPDATE SET language = excluded.language, "
        "text = excluded.text, sort_key = excluded.sort_key, translations = '{}'",
        (new_id("cm"), study_id, current.round, item, person.id, language, text, sort_key(text)),
    )
