"""The hub's access desk: requests, their sub-negotiations, messages, attachments and grants.

Routes and the portal call it after they have checked the passport and, where nodes must be
asked (pre-check, attachments), asked them. Every method is one SQLite transaction; every state
change goes through :func:`take_step`, so it is audited and notified the same way.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from pmbridge.access import (
    AccessRequest,
    Attachment,
    Deadlines,
    Draft,
    Grant,
    Message,
    Resource,
    Role,
    open_steps,
)
from pmbridge.audit import AuditLog
from pmbridge.errors import AccessRequestError, NotAParty, TransitionRefused, UnknownAccessRequest
from pmbridge.hub._access_parties import NodeDesk, Who, require_steward, stewarded_nodes
from pmbridge.hub._access_steps import (
    Channels,
    Taken,
    check_step,
    new_id,
    notify,
    researcher_of,
    take_step,
)
from pmbridge.hub._access_store import AccessStore, text_time

MAX_MESSAGE = 5_000
LIVE_REQUEST = ("approved", "in_progress", "paused")
"""A request whose sub-negotiations may still move."""


@dataclass(frozen=True, slots=True)
class AccessSettings:
    """How the desk runs: deadlines, visa lifetime, sweep interval."""

    deadlines: Deadlines = field(default_factory=Deadlines)
    visa_lifetime: timedelta = timedelta(minutes=4)
    sweep_seconds: float = 60.0


class AccessDesk:
    """The negotiation's rules over the hub's access store."""

    def __init__(
        self,
        store: AccessStore,
        *,
        audit: AuditLog,
        desks: Mapping[str, NodeDesk],
        channels: Channels,
        settings: AccessSettings = AccessSettings(),
    ) -> None:
        self.store = store
        self.audit = audit
        self.desks = dict(desks)
        self.channels = channels
        self.settings = settings
        self._epochs: dict[tuple[str, str], int] = {}

    # --- the researcher's side -----------------------------------------------------------------

    def create(
        self, who: Who, draft: Draft, prechecks: Mapping[str, Mapping[str, object]], now: datetime
    ) -> AccessRequest:
        """Store a draft with each dataset's pre-check (keyed ``node/dataset``); nothing is sent."""
        request_id = new_id("ar")
        with self.store.connect() as con:
            con.execute(
                "INSERT INTO requests (id, researcher, issuer, state, kind, title, body, created, updated, "
                "last_activity) "
                "VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    request_id,
                    who.subject,
                    who.issuer,
                    "draft",
                    draft.kind,
                    draft.title,
                    json.dumps(draft.to_wire() | {"precheck": dict(prechecks)}, ensure_ascii=False),
                    text_time(now),
                    text_time(now),
                    text_time(now),
                ),
            )
        return self.request_for(who, request_id)

    def submit(
        self, who: Who, request_id: str, prechecks: Mapping[str, Mapping[str, object]], now: datetime
    ) -> AccessRequest:
        """Submit a draft: with the pre-check just re-run, the hub's review approves it (some dataset
        may be sent) and opens one sub-negotiation per dataset, or declines it (none may)."""
        with self.store.connect() as con:
            con.execute("BEGIN IMMEDIATE")
            request = self._own(con, who, request_id)
            self.step_in(con, request, None, "submit", taken=Taken(who.subject, Role.RESEARCHER), now=now)
            request = self._load(con, request_id)
            body = dict(request.body) | {"precheck": dict(prechecks)}
            con.execute(
                "UPDATE requests SET body = ? WHERE id = ?",
                (json.dumps(body, ensure_ascii=False), request_id),
            )
            sendable = 0
            targets = body.get("datasets")
            for target in targets if isinstance(targets, list) else []:
                key = f"{target['node']}/{target['dataset']}"
                check = dict(
                    prechecks.get(key) or {"send": False, "summary": "the node did not answer the pre-check"}
                )
                sent = bool(check.get("send"))
                granularity = check.get("granularity")
                level = granularity.get("sent") if isinstance(granularity, Mapping) else None
                sendable += sent
                con.execute(
                    "INSERT INTO resources (id, request_id, node, dataset, state, granularity, precheck, "
                    "updated, "
                    "last_activity) VALUES (?,?,?,?,?,?,?,?,?)",
                    (
                        new_id("rs"),
                        request_id,
                        target["node"],
                        target["dataset"],
                        "submitted" if sent else "not_sent",
                        level if sent else None,
                        json.dumps(check, ensure_ascii=False),
                        text_time(now),
                        text_time(now),
                    ),
                )
            request = self._load(con, request_id)
            if sendable:
                self.step_in(con, request, None, "approve", taken=Taken("hub", Role.SYSTEM), now=now)
            else:
                reason = "the pre-check refused every dataset: " + "; ".join(
                    str(r.precheck.get("summary", "")) for r in request.resources
                )
                self.step_in(
                    con,
                    request,
                    None,
                    "decline",
                    taken=Taken("hub", Role.SYSTEM, reason=reason[:2000]),
                    now=now,
                )
        return self.request_for(who, request_id)

    def step_request(self, who: Who, request_id: str, event: str, now: datetime) -> AccessRequest:
        """The researcher pauses, resumes, concludes or abandons; abandoning withdraws what is open."""
        with self.store.connect() as con:
            con.execute("BEGIN IMMEDIATE")
            request = self._own(con, who, request_id)
            check_step("request", request.state, event, Taken(who.subject, Role.RESEARCHER))
            if event in ("abandon", "conclude"):  # nothing stays open on a request that ended
                for resource in request.resources:
                    if "withdraw" in open_steps("resource", resource.state, Role.RESEARCHER):
                        self.step_in(
                            con,
                            request,
                            resource,
                            "withdraw",
                            taken=Taken(who.subject, Role.RESEARCHER),
                            now=now,
                        )
                request = self._load(con, request_id)
            self.step_in(con, request, None, event, taken=Taken(who.subject, Role.RESEARCHER), now=now)
        return self.request_for(who, request_id)

    # --- either side ---------------------------------------------------------------------------

    def step_resource(
        self,
        who: Who,
        resource_id: str,
        event: str,
        now: datetime,
        *,
        reason: str = "",
        conditions: str = "",
        until: date | None = None,
    ) -> AccessRequest:
        """A step on one sub-negotiation, by its researcher or a steward of its node."""
        with self.store.connect() as con:
            con.execute("BEGIN IMMEDIATE")
            request, resource, role = self._party(con, who, resource_id)
            taken = Taken(
                who.subject,
                role,
                reason=reason.strip()[:2000],
                conditions=conditions.strip()[:2000],
                until=until,
            )
            if request.state not in LIVE_REQUEST:
                raise TransitionRefused(
                    f"the request is {request.state.replace('_', ' ')}, so its sub-negotiations are closed",
                    hint="the researcher can open a new request",
                )
            check_step("resource", resource.state, event, taken)  # before anything is written
            if until is not None and event != "approve":
                raise AccessRequestError(
                    f"an end date goes with an approval, not with {event}", hint="leave until out"
                )
            if event == "approve" and until is not None and until < now.date():
                raise AccessRequestError(
                    f"access until {until.isoformat()} has already ended", hint="give today or a later date"
                )
            requested_until = date.fromisoformat(str(request.body["until"]))
            if event == "approve" and until is not None and until > requested_until:
                raise AccessRequestError(
                    f"access until {until.isoformat()} is later than the researcher asked "
                    f"({requested_until})",
                    hint=f"give a date on or before {requested_until.isoformat()}",
                )
            if role is Role.STEWARD and request.state == "approved":
                self.step_in(con, request, None, "start", taken=Taken(who.subject, Role.STEWARD), now=now)
                request = self._load(con, request.id)
            self.step_in(con, request, resource, event, taken=taken, now=now)
            if event == "approve" and until is not None:
                desk = self.desks[resource.node]
                con.execute(
                    "INSERT INTO grants (id, resource_id, request_id, researcher, issuer, node, dataset, "
                    "committee, granularity, granted, until, state, conditions) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        new_id("gr"),
                        resource.id,
                        request.id,
                        request.researcher,
                        request.issuer,
                        resource.node,
                        resource.dataset,
                        desk.committee,
                        resource.granularity or "count",
                        text_time(now),
                        until.isoformat(),
                        "active",
                        resource.conditions,
                    ),
                )
            if event in ("revoke", "expire"):
                con.execute(
                    "UPDATE grants SET state = ?, ended = ?, reason = ? WHERE resource_id = ? AND state = "
                    "'active'",
                    (
                        "revoked" if event == "revoke" else "expired",
                        text_time(now),
                        reason.strip(),
                        resource.id,
                    ),
                )
            self.bump(request)
            return self.request_for(who, request.id, con=con)

    def post(self, who: Who, resource_id: str, text: str, now: datetime) -> Message:
        """A message in a sub-negotiation's thread, kept as written; the other side is told."""
        text = text.strip()
        if not text or len(text) > MAX_MESSAGE:
            raise AccessRequestError(
                f"a message has 1 to {MAX_MESSAGE} characters (this one has {len(text)})",
                hint="shorten or split it",
            )
        with self.store.connect() as con:
            con.execute("BEGIN IMMEDIATE")
            request, resource, role = self._party(con, who, resource_id)
            if resource.state == "not_sent":
                raise AccessRequestError(
                    "this dataset was not sent to its node", hint="the pre-check says why"
                )
            message = Message(new_id("ms"), resource.id, who.subject, who.name, role.value, text, now)
            con.execute(
                "INSERT INTO messages (id, resource_id, author, author_name, role, text, created) VALUES "
                "(?,?,?,?,?,?,?)",
                (message.id, resource.id, who.subject, who.name, role.value, text, text_time(now)),
            )
            con.execute(
                "UPDATE resources SET last_activity = ?, reminders_sent = 0 WHERE id = ?",
                (text_time(now), resource.id),
            )
            con.execute("UPDATE requests SET last_activity = ? WHERE id = ?", (text_time(now), request.id))
            to = (
                [researcher_of(request)]
                if role is Role.STEWARD
                else [s.recipient() for s in self.desks[resource.node].stewards]
            )
            params = {
                "node": resource.node,
                "dataset": resource.dataset,
                "actor": who.subject,
                "excerpt": text[:200],
            }
            notify(
                con,
                channels=self.channels,
                to=to,
                kind="message",
                request=request,
                resource_id=resource.id,
                params=params,
                now=now,
            )
        return message

    def attach(self, who: Who, resource_id: str, stored: Mapping[str, object], now: datetime) -> Attachment:
        """Record an attachment the resource's node has just stored (its reply: id, name, …)."""
        with self.store.connect() as con:
            _, resource, _ = self._party(con, who, resource_id)
            attachment = Attachment(
                str(stored["id"]),
                resource.id,
                resource.node,
                str(stored["name"]),
                str(stored["mediaType"]),
                int(str(stored["size"])),
                str(stored["sha256"]),
                who.subject,
                now,
            )
            con.execute(
                "INSERT INTO attachments (id, resource_id, node, name, media_type, size, sha256, "
                "uploaded_by, created) "
                "VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    attachment.id,
                    resource.id,
                    resource.node,
                    attachment.name,
                    attachment.media_type,
                    attachment.size,
                    attachment.sha256,
                    who.subject,
                    text_time(now),
                ),
            )
        return attachment

    def party_to(self, who: Who, resource_id: str) -> tuple[AccessRequest, Resource, Role]:
        """The request, sub-negotiation and role of ``who`` in it; NotAParty / Unknown otherwise."""
        with self.store.connect() as con:
            return self._party(con, who, resource_id)

    def attachment_for(self, who: Who, attachment_id: str) -> Attachment:
        with self.store.connect() as con:
            found = self.store.attachment(con, attachment_id)
            if found is None:
                raise UnknownAccessRequest(
                    f"no attachment {attachment_id!r}", hint="the request page lists them"
                )
            self._party(con, who, found.resource_id)
            return found

    # --- reading -------------------------------------------------------------------------------

    def request_for(
        self, who: Who, request_id: str, *, con: sqlite3.Connection | None = None
    ) -> AccessRequest:
        """The request as ``who`` may see it: all of it for its researcher, a steward's own nodes only."""
        if con is None:
            with self.store.connect() as opened:
                return self.request_for(who, request_id, con=opened)
        request = self._load(con, request_id)
        if (request.issuer, request.researcher) == (who.issuer, who.subject):
            return request
        mine = set(stewarded_nodes(who, self.desks))
        shown = tuple(r for r in request.resources if r.node in mine and r.state != "not_sent")
        if not shown:
            raise UnknownAccessRequest(
                f"no access request {request_id!r} of yours", hint="list yours: GET /api/access/requests"
            )
        return replace(request, body=for_stewards_of(request.body, mine), resources=shown)

    def requests_of(self, who: Who, *, as_steward: bool = False) -> list[AccessRequest]:
        with self.store.connect() as con:
            if as_steward:
                nodes = stewarded_nodes(who, self.desks)
                ids = self.store.request_ids(con, nodes=nodes) if nodes else []
            else:
                ids = self.store.request_ids(con, researcher=(who.issuer, who.subject))
            return [self.request_for(who, i, con=con) for i in ids]

    def thread(
        self, who: Who, request: AccessRequest
    ) -> tuple[list[Message], list[Attachment], list[object], list[Grant]]:
        """Messages, attachments, history and grants of the sub-negotiations ``who`` can see."""
        shown = {r.id for r in request.resources}
        with self.store.connect() as con:
            messages = [m for m in self.store.messages(con, request.id) if m.resource_id in shown]
            attachments = [a for a in self.store.attachments(con, request.id) if a.resource_id in shown]
            history = [
                h
                for h in self.store.history(con, request.id)
                if h.resource_id is None or h.resource_id in shown
            ]
            if (request.issuer, request.researcher) != (who.issuer, who.subject):
                own = {s.id for d in self.desks.values() for s in d.stewards if s.is_(who)}
                history = [  # who at another node started the request is that node's business
                    replace(h, actor="steward") if h.actor not in (*own, "hub", request.researcher) else h
                    for h in history
                ]
            grants = [g for g in self.store.grants(con, request_id=request.id) if g.resource_id in shown]
        return messages, attachments, list(history), grants

    def active_grants(self, issuer: str, subject: str) -> list[Grant]:
        with self.store.connect() as con:
            return [g for g in self.store.grants(con, researcher=(issuer, subject)) if g.state == "active"]

    def grants_of(self, who: Who) -> list[Grant]:
        with self.store.connect() as con:
            return self.store.grants(con, researcher=(who.issuer, who.subject))

    def epoch(self, issuer: str, subject: str) -> int:
        """Changes whenever a grant of this researcher starts or ends: sessions re-mint passports."""
        return self._epochs.get((issuer, subject), 0)

    # --- internals -----------------------------------------------------------------------------

    def bump(self, request: AccessRequest) -> None:
        """Note that a grant of this request's researcher started or ended (sessions re-mint)."""
        key = (request.issuer, request.researcher)
        self._epochs[key] = self._epochs.get(key, 0) + 1

    def step_in(
        self,
        con: sqlite3.Connection,
        request: AccessRequest,
        resource: Resource | None,
        event: str,
        *,
        taken: Taken,
        now: datetime,
    ) -> None:
        """One step inside the caller's open transaction (the sweep's, or one of this desk's)."""
        take_step(
            con,
            audit=self.audit,
            desks=self.desks,
            channels=self.channels,
            request=request,
            resource=resource,
            event=event,
            taken=taken,
            now=now,
        )

    def _load(self, con: sqlite3.Connection, request_id: str) -> AccessRequest:
        found = self.store.request(con, request_id)
        if found is None:
            raise UnknownAccessRequest(
                f"no access request {request_id!r}", hint="list yours: GET /api/access/requests"
            )
        return found

    def _own(self, con: sqlite3.Connection, who: Who, request_id: str) -> AccessRequest:
        request = self._load(con, request_id)
        if (request.issuer, request.researcher) != (who.issuer, who.subject):
            raise NotAParty(
                f"access request {request_id} is not yours", hint="only its researcher can do this"
            )
        return request

    def _party(
        self, con: sqlite3.Connection, who: Who, resource_id: str
    ) -> tuple[AccessRequest, Resource, Role]:
        resource = self.store.resource(con, resource_id)
        if resource is None:
            raise UnknownAccessRequest(
                f"no sub-negotiation {resource_id!r}", hint="the request page lists them"
            )
        request = self._load(con, resource.request_id)
        if (request.issuer, request.researcher) == (who.issuer, who.subject):
            return request, resource, Role.RESEARCHER
        require_steward(who, resource.node, self.desks)
        return request, resource, Role.STEWARD


def for_stewards_of(body: Mapping[str, object], nodes: set[str]) -> dict[str, object]:
    """The draft as the stewards of ``nodes`` see it: their own datasets and pre-checks only."""
    shown = dict(body)
    datasets = body.get("datasets")
    if isinstance(datasets, list):
        shown["datasets"] = [d for d in datasets if isinstance(d, Mapping) and d.get("node") in nodes]
    precheck = body.get("precheck")
    if isinstance(precheck, Mapping):
        shown["precheck"] = {k: v for k, v in precheck.items() if str(k).partition("/")[0] in nodes}
    return shown
