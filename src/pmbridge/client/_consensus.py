"""Delphi consensus studies through the hub (``/api/consensus``): the organiser's calls, the
panellist's (carrying the personal link's token), the outputs, and the messages they answer with.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final
from urllib.parse import quote

from pydantic import Field

from pmbridge.client._core import Call, file_bytes, json_object, typed
from pmbridge.client._message import Message

__all__ = [
    "PANEL_TOKEN_HEADER",
    "ConsensusResults",
    "LockReceipt",
    "PanelView",
    "Participation",
    "RoadmapUpdate",
    "RoadmapUpdates",
    "Study",
    "StudyList",
    "StudyVerification",
]

PANEL_TOKEN_HEADER: Final = "X-Panel-Token"  # noqa: S105 (a header name, not a secret)
_BASE: Final = "/api/consensus"


class Study(Message):
    """A study as its organiser sees it; nested parts stay JSON (see docs/consensus.md)."""

    id: str
    state: str
    title: dict[str, str]
    description: dict[str, str] = Field(default_factory=dict)
    protocol: dict[str, Any] = Field(default_factory=dict)
    statement: dict[str, str] = Field(default_factory=dict)
    groups: list[dict[str, Any]] = Field(default_factory=list)
    items: list[dict[str, Any]] = Field(default_factory=list)
    rounds: list[dict[str, Any]] = Field(default_factory=list)
    lock: dict[str, Any] | None = None
    organisers: list[str] = Field(default_factory=list)


class StudyList(Message):
    studies: list[dict[str, Any]]


class LockReceipt(Message):
    """What a lock recorded: the snapshot's digest and its audit log entry."""

    digest: str
    audit_seq: int


class StudyVerification(Message):
    """Whether the stored snapshot still has the digest the audit log recorded at lock."""

    ok: bool
    digest: str
    audit_seq: int
    checked_at: str


class Participation(Message):
    """The panel and each round's participation per group (never a score or comment); who answered
    which round person by person only when ``per_person`` (the protocol lets organisers see ratings)."""

    panellists: list[dict[str, Any]]
    rounds: list[dict[str, Any]]
    per_person: bool = False


class ConsensusResults(Message):
    """The closed rounds' released results: per item status, reason and blocks of ≥ k people."""

    study: Any
    k: int
    rule: dict[str, Any]
    rounds: list[dict[str, Any]]

    def final(self) -> dict[str, str]:
        """Each item's status in the last closed round that rated it."""
        found: dict[str, str] = {}
        for round_ in sorted(self.rounds, key=lambda r: int(r["round"])):
            for item in round_.get("items", []):
                found[str(item["item"])] = str(item["status"])
        return found


class PanelView(Message):
    """What one panellist sees: the study, the open round's items, their own answers and feedback."""

    study: dict[str, Any]
    panellist: dict[str, Any]
    round: dict[str, Any] | None
    items: list[dict[str, Any]]
    proposals_open: bool
    submitted: bool


class RoadmapUpdate(Message):
    """An agreed item's proposed change to a roadmap action, waiting for a knowledge steward."""

    id: str
    study: str
    item: str
    round: int
    action: str
    status: str
    note: str
    state: str
    proposed_by: str
    proposed_at: str
    confirmed_by: str | None = None
    confirmed_at: str | None = None


class RoadmapUpdates(Message):
    updates: list[RoadmapUpdate]


def _sid(value: str) -> str:
    return quote(value, safe="")


def _study(doc: object) -> Study:
    return Study.model_validate(json_object(doc)["study"])


def _path(sid: str, *rest: str) -> str:
    return "/".join([f"{_BASE}/studies/{_sid(sid)}", *(quote(part, safe="") for part in rest)])


def create_study(body: Mapping[str, object]) -> Call[Study]:
    """``POST /api/consensus/studies``: title and description ``{en, zh}``, rule (a preset name or
    an object), and optionally k, rounds, organiser_sees_ratings, previous_respondents_only."""
    return Call("POST", f"{_BASE}/studies", _study, body=dict(body))


def studies() -> Call[StudyList]:
    return Call("GET", f"{_BASE}/studies", typed(StudyList))


def study(sid: str) -> Call[Study]:
    return Call("GET", _path(sid), _study)


def set_rule(sid: str, rule: str | Mapping[str, object]) -> Call[Study]:
    return Call(
        "PUT", _path(sid, "rule"), _study, body={"rule": rule if isinstance(rule, str) else dict(rule)}
    )


def add_group(sid: str, group_id: str, name: Mapping[str, str]) -> Call[Study]:
    return Call("POST", _path(sid, "groups"), _study, body={"id": group_id, "name": dict(name)})


def add_item(
    sid: str, texts: Mapping[str, Mapping[str, str]], *, links: Sequence[str] = (), item_id: str | None = None
) -> Call[Study]:
    body: dict[str, object] = {"texts": {k: dict(v) for k, v in texts.items()}, "links": list(links)}
    if item_id:
        body["id"] = item_id
    return Call("POST", _path(sid, "items"), _study, body=body)


def set_item_text(sid: str, item_id: str, lang: str, *, text: str, provenance: str) -> Call[Study]:
    body = {"text": text, "provenance": provenance}
    return Call("PUT", _path(sid, "items", item_id, "texts", lang), _study, body=body)


def invite(sid: str, panellists: Sequence[Mapping[str, str]]) -> Call[dict[str, object]]:
    """``POST …/panellists``: ``[{name, email, group, language}]``; the hub mails each their link."""
    body = {"panellists": [dict(p) for p in panellists]}
    return Call("POST", _path(sid, "panellists"), json_object, body=body)


def participation(sid: str) -> Call[Participation]:
    return Call("GET", _path(sid, "participation"), typed(Participation))


def lock(sid: str) -> Call[LockReceipt]:
    return Call("POST", _path(sid, "lock"), typed(LockReceipt))


def schedule_round(sid: str, *, opens: str, closes: str) -> Call[Study]:
    """``POST …/rounds``: the next round, ISO 8601 times with an offset; opens at once when due."""
    return Call("POST", _path(sid, "rounds"), _study, body={"opens": opens, "closes": closes})


def close_round(sid: str, number: int) -> Call[dict[str, object]]:
    """``POST …/rounds/{n}/close``: the round's released results."""
    return Call("POST", _path(sid, "rounds", str(number), "close"), _results_of)


def _results_of(doc: object) -> dict[str, object]:
    found = json_object(doc).get("results")
    if not isinstance(found, dict):
        raise ValueError("expected the closed round's results")
    return found


def remind(sid: str) -> Call[dict[str, object]]:
    return Call("POST", _path(sid, "remind"), json_object)


def proposals(sid: str) -> Call[dict[str, object]]:
    return Call("GET", _path(sid, "proposals"), json_object)


def adopt(
    sid: str,
    proposal_id: str,
    texts: Mapping[str, Mapping[str, str]],
    *,
    links: Sequence[str] = (),
    item_id: str | None = None,
) -> Call[Study]:
    body: dict[str, object] = {"texts": {k: dict(v) for k, v in texts.items()}, "links": list(links)}
    if item_id:
        body["id"] = item_id
    return Call("POST", _path(sid, "proposals", proposal_id, "adopt"), _study, body=body)


def set_comment_text(
    sid: str, comment_id: str, lang: str, *, text: str, provenance: str
) -> Call[dict[str, object]]:
    body = {"text": text, "provenance": provenance}
    return Call("PUT", _path(sid, "comments", comment_id, "texts", lang), json_object, body=body)


def comments(sid: str, round_number: int) -> Call[dict[str, object]]:
    return Call("GET", _path(sid, "comments"), json_object, params=(("round", str(round_number)),))


def results(sid: str) -> Call[ConsensusResults]:
    return Call("GET", _path(sid, "results"), typed(ConsensusResults))


def ratings(sid: str) -> Call[dict[str, object]]:
    """Per-person ratings: only where the protocol lets the organiser see them (else 403)."""
    return Call("GET", _path(sid, "ratings"), json_object)


def verify(sid: str) -> Call[StudyVerification]:
    return Call("GET", _path(sid, "verify"), typed(StudyVerification))


def export_csv(sid: str) -> Call[bytes]:
    """``GET …/export.csv``: the anonymised ratings (code, round, group, item, score)."""
    return Call("GET", _path(sid, "export.csv"), file_bytes, binary=True)


def report(sid: str, *, fmt: str = "html", lang: str = "en") -> Call[bytes]:
    """``GET …/report``: the ACCORD-structured report as HTML or PDF, in English or Chinese."""
    params = (("format", fmt), ("lang", lang))
    return Call("GET", _path(sid, "report"), file_bytes, params=params, binary=True)


def propose_roadmap(
    sid: str, item_id: str, *, action: str, status: str, note: str = ""
) -> Call[RoadmapUpdate]:
    body = {"action": action, "status": status, "note": note}
    return Call("POST", _path(sid, "items", item_id, "roadmap"), _update, body=body)


def roadmap_updates() -> Call[RoadmapUpdates]:
    return Call("GET", f"{_BASE}/roadmap-updates", typed(RoadmapUpdates))


def confirm_roadmap(update_id: str, *, steward: str = "") -> Call[RoadmapUpdate]:
    body = {"steward": steward} if steward else {}
    return Call("POST", f"{_BASE}/roadmap-updates/{_sid(update_id)}/confirm", _update, body=body)


def _update(doc: object) -> RoadmapUpdate:
    return RoadmapUpdate.model_validate(json_object(doc)["update"])


def panel(token: str) -> Call[PanelView]:
    """``GET /api/consensus/panel`` as the panellist whose link holds ``token``."""
    return Call("GET", f"{_BASE}/panel", typed(PanelView), headers=((PANEL_TOKEN_HEADER, token),))


def answer(
    token: str,
    answers: Sequence[Mapping[str, object]],
    *,
    proposals: Sequence[Mapping[str, str]] = (),
    submit: bool = False,
) -> Call[PanelView]:
    """``PUT /api/consensus/panel/answers``: ``[{item, score: 1..9 | "unable" | None, comment?}]``."""
    body: dict[str, object] = {"answers": [dict(a) for a in answers], "submit": submit}
    if proposals:
        body["proposals"] = [dict(p) for p in proposals]
    return Call(
        "PUT", f"{_BASE}/panel/answers", typed(PanelView), body=body, headers=((PANEL_TOKEN_HEADER, token),)
    )
