"""The negotiation's two state machines, as tables: one for a request, one per node and dataset.

Modelled on the BBMRI-ERIC Negotiator v3: a request goes DRAFT → SUBMITTED → APPROVED /
DECLINED → IN_PROGRESS ⇄ PAUSED → CONCLUDED / ABANDONED; each dataset asked for has its own
sub-negotiation with that node's stewards. Every row names who may take the step and whom it
notifies, so the service needs no ``if`` per step and a test can walk the whole table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from pmbridge.errors import TransitionRefused


class Role(StrEnum):
    """Who takes a step: the researcher who asked, a steward of the node, or the hub itself."""

    RESEARCHER = "researcher"
    STEWARD = "steward"
    SYSTEM = "system"


class Party(StrEnum):
    """Who is told of a step: the researcher, or the stewards of the node(s) concerned."""

    RESEARCHER = "researcher"
    STEWARDS = "stewards"


class RequestState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    DECLINED = "declined"
    IN_PROGRESS = "in_progress"
    PAUSED = "paused"
    CONCLUDED = "concluded"
    ABANDONED = "abandoned"


class ResourceState(StrEnum):
    """One node × dataset. NOT_SENT is the pre-check's refusal: born so, it never moves."""

    NOT_SENT = "not_sent"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    RETURNED = "returned"
    CONDITIONS_INDICATED = "conditions_indicated"
    CONDITIONS_MET = "conditions_met"
    APPROVED = "approved"
    DECLINED = "declined"
    REVOKED = "revoked"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    ABANDONED = "abandoned"


@dataclass(frozen=True, slots=True)
class Step:
    """One allowed transition: ``source --event--> target`` by ``actor``, telling ``notify``.

    ``needs`` names what the step must carry ("reason", "conditions", "until"), so a decline
    without a reason or an approval without an end date is refused before anything is written.
    """

    level: str
    source: str
    event: str
    target: str
    actor: Role
    notify: Party
    needs: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        """The notification kind of this step, e.g. ``resource.approve``."""
        return f"{self.level}.{self.event}"


def _rows(
    level: str, rows: list[tuple[tuple[str, ...], str, str, Role, Party, tuple[str, ...]]]
) -> list[Step]:
    return [
        Step(level, source, event, target, actor, notify, needs)
        for sources, event, target, actor, notify, needs in rows
        for source in sources
    ]


_R, _S, _SYS = Role.RESEARCHER, Role.STEWARD, Role.SYSTEM
_TO_R, _TO_S = Party.RESEARCHER, Party.STEWARDS
Q = RequestState
_OPEN_REQUEST = (Q.APPROVED, Q.IN_PROGRESS, Q.PAUSED)

REQUEST_STEPS: Final = _rows(
    "request",
    [
        ((Q.DRAFT,), "submit", Q.SUBMITTED, _R, _TO_R, ()),
        ((Q.SUBMITTED,), "approve", Q.APPROVED, _SYS, _TO_S, ()),
        ((Q.SUBMITTED,), "decline", Q.DECLINED, _SYS, _TO_R, ("reason",)),
        ((Q.APPROVED,), "start", Q.IN_PROGRESS, _S, _TO_R, ()),
        ((Q.IN_PROGRESS,), "pause", Q.PAUSED, _R, _TO_S, ()),
        ((Q.PAUSED,), "resume", Q.IN_PROGRESS, _R, _TO_S, ()),
        ((Q.IN_PROGRESS, Q.PAUSED), "conclude", Q.CONCLUDED, _R, _TO_S, ()),
        ((Q.DRAFT,), "abandon", Q.ABANDONED, _R, _TO_R, ()),
        (_OPEN_REQUEST, "abandon", Q.ABANDONED, _R, _TO_S, ()),
        ((Q.APPROVED, Q.IN_PROGRESS), "abandon_idle", Q.ABANDONED, _SYS, _TO_R, ()),
    ],
)
"""Request level. ``approve`` / ``decline`` are the hub's automatic review (the pre-check found
something it may send, or nothing); ``start`` is the first steward's first step on any dataset."""

S = ResourceState
OPEN_RESOURCE: Final = (S.SUBMITTED, S.UNDER_REVIEW, S.RETURNED, S.CONDITIONS_INDICATED, S.CONDITIONS_MET)
"""A sub-negotiation still waiting on someone: reminders run, idleness counts."""

RESOURCE_STEPS: Final = _rows(
    "resource",
    [
        ((S.SUBMITTED,), "acknowledge", S.UNDER_REVIEW, _S, _TO_R, ()),
        ((S.SUBMITTED, S.UNDER_REVIEW, S.CONDITIONS_MET), "return", S.RETURNED, _S, _TO_R, ("reason",)),
        ((S.RETURNED,), "resubmit", S.SUBMITTED, _R, _TO_S, ()),
        (
            (S.SUBMITTED, S.UNDER_REVIEW),
            "indicate_conditions",
            S.CONDITIONS_INDICATED,
            _S,
            _TO_R,
            ("conditions",),
        ),
        ((S.CONDITIONS_INDICATED,), "accept_conditions", S.CONDITIONS_MET, _R, _TO_S, ()),
        ((S.SUBMITTED, S.UNDER_REVIEW, S.CONDITIONS_MET), "approve", S.APPROVED, _S, _TO_R, ("until",)),
        (OPEN_RESOURCE, "decline", S.DECLINED, _S, _TO_R, ("reason",)),
        ((S.APPROVED,), "revoke", S.REVOKED, _S, _TO_R, ("reason",)),
        ((S.APPROVED,), "expire", S.EXPIRED, _SYS, _TO_R, ()),
        (OPEN_RESOURCE, "withdraw", S.WITHDRAWN, _R, _TO_S, ()),
        (OPEN_RESOURCE, "abandon_idle", S.ABANDONED, _SYS, _TO_R, ()),
    ],
)
"""Resource level: per node × dataset, between the researcher and that node's stewards."""

_TABLES: Final[Mapping[str, Mapping[tuple[str, str], Step]]] = {
    "request": {(s.source, s.event): s for s in REQUEST_STEPS},
    "resource": {(s.source, s.event): s for s in RESOURCE_STEPS},
}


def find_step(level: str, source: str, event: str, actor: Role) -> Step:
    """The step ``event`` from ``source`` taken by ``actor``; TransitionRefused names what is open.

    >>> str(find_step("resource", "submitted", "approve", Role.STEWARD).target)
    'approved'
    """
    table = _TABLES[level]
    step = table.get((source, event))
    if step is not None and step.actor is actor:
        return step
    open_now = sorted(e for (s, e), st in table.items() if s == source and st.actor is actor)
    what = "request" if level == "request" else "sub-negotiation"
    if step is not None:
        message = f"a {actor} cannot {event} a {what} ({step.actor}s do)"
    elif any(e == event for (_, e) in table):
        message = f"cannot {event} a {what} that is {source.replace('_', ' ')}"
    else:
        message = f"{event!r} is not a step of a {what}"
    raise TransitionRefused(
        message,
        hint=f"open to you now: {', '.join(open_now)}" if open_now else f"nothing is open to a {actor} now",
    )


def open_steps(level: str, source: str, actor: Role) -> tuple[str, ...]:
    """The events ``actor`` may take from ``source``, in table order (the portal's buttons)."""
    return tuple(s.event for s in _TABLES[level].values() if s.source == source and s.actor is actor)


def is_open(state: str) -> bool:
    """Whether a sub-negotiation still waits on someone."""
    return state in OPEN_RESOURCE
