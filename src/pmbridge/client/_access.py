"""Access requests as the hub answers them (``/api/access``): a request with its sub-negotiations,
thread, history and grants; the inbox; and :func:`access_request_body`, which writes a draft.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from pydantic import Field, field_validator

from pmbridge.client._access_precheck import Precheck
from pmbridge.client._message import Message
from pmbridge.client._requests import Granularity

__all__ = [
    "AccessAttachment",
    "AccessDetail",
    "AccessDraft",
    "AccessGrant",
    "AccessHistoryEntry",
    "AccessMessage",
    "AccessRequestList",
    "AccessRequestSummary",
    "AccessResource",
    "AccessSteps",
    "DatasetRef",
    "GrantList",
    "Inbox",
    "InboxItem",
    "access_request_body",
]


class DatasetRef(Message):
    node: str
    dataset: str


class AccessDraft(Message):
    """The request as the researcher wrote it, with each dataset's pre-check keyed ``node/dataset``."""

    kind: str = "access"
    title: str
    abstract: str = ""
    name: str = ""
    email: str = ""
    language: str = "en"
    purpose: dict[str, Any] = Field(default_factory=dict)
    applicant: dict[str, Any] = Field(default_factory=dict)
    granularity: str = "count"
    team: list[str] = Field(default_factory=list)
    until: str | None = None
    datasets: list[DatasetRef] = Field(default_factory=list)
    query: dict[str, Any] | None = None
    matches: list[str] = Field(default_factory=list)
    precheck: dict[str, Precheck] = Field(default_factory=dict)


class AccessResource(Message):
    """One sub-negotiation: a dataset at a node, with its own state (``not_sent`` where the pre-check
    refused it), the granularity sent, and the steward's reason, conditions and end date."""

    id: str
    node: str
    dataset: str
    state: str
    granularity: str | None = None
    precheck: Precheck | None = None
    updated: str
    last_activity: str
    reason: str = ""
    conditions: str = ""
    until: str | None = None

    @field_validator("precheck", mode="before")
    @classmethod
    def _none_when_empty(cls, value: object) -> object:
        return None if value == {} else value


class AccessRequestSummary(Message):
    """A request and its sub-negotiations; ``draft`` is what was written (``request`` on the wire)."""

    id: str
    researcher: str
    state: str
    kind: str
    title: str
    draft: AccessDraft = Field(alias="request")
    created: str
    updated: str
    last_activity: str
    resources: list[AccessResource] = Field(default_factory=list)


class AccessSteps(Message):
    """The steps open to the viewer now: on the request, and on each sub-negotiation by id."""

    request: list[str] = Field(default_factory=list)
    resources: dict[str, list[str]] = Field(default_factory=dict)


class AccessMessage(Message):
    id: str
    resource: str
    author: str
    author_name: str
    role: str
    text: str
    created: str


class AccessAttachment(Message):
    """An attachment's metadata; the file stays at ``node`` (``HubClient.attachment`` fetches it)."""

    id: str
    resource: str
    node: str
    name: str
    media_type: str
    size: int
    sha256: str
    uploaded_by: str
    created: str


class AccessHistoryEntry(Message):
    """One transition, with the hub's audit entry that records it (``from``/``to`` on the wire)."""

    resource: str | None = None
    level: str
    source: str = Field(alias="from")
    event: str
    target: str = Field(alias="to")
    actor: str
    at: str
    reason: str = ""
    audit_seq: int | None = None


class AccessGrant(Message):
    """An entitlement to a dataset: ``state`` active, revoked or expired; only a ``record``-level
    grant becomes a ControlledAccessGrants visa (counts are what registered access gives)."""

    id: str
    granularity: str = "record"
    request: str
    resource: str
    researcher: str
    node: str
    dataset: str
    committee: str
    granted: str
    until: str
    state: str
    ended: str | None = None
    reason: str = ""
    conditions: str = ""


class AccessDetail(Message):
    """A request as the viewer (``role`` ``researcher`` or ``steward``) may see it."""

    request: AccessRequestSummary
    role: str
    steps: AccessSteps
    messages: list[AccessMessage] = Field(default_factory=list)
    attachments: list[AccessAttachment] = Field(default_factory=list)
    history: list[AccessHistoryEntry] = Field(default_factory=list)
    grants: list[AccessGrant] = Field(default_factory=list)

    @property
    def id(self) -> str:
        return self.request.id

    @property
    def state(self) -> str:
        return self.request.state


class AccessRequestList(Message):
    """Your requests (or those at the nodes you steward), and the nodes you steward."""

    requests: list[AccessRequestSummary]
    steward_of: list[str] = Field(default_factory=list)


class GrantList(Message):
    grants: list[AccessGrant]


class InboxItem(Message):
    """One notification; ``text`` is its line in the language asked for."""

    id: str
    kind: str
    request: str
    resource: str | None = None
    title: str
    params: dict[str, str] = Field(default_factory=dict)
    text: str
    link: str
    created: str
    read: bool


class Inbox(Message):
    unread: int
    notifications: list[InboxItem]


def access_request_body(
    *,
    title: str,
    datasets: Sequence[tuple[str, str]],
    until: date | str,
    name: str,
    email: str,
    use: str,
    abstract: str = "",
    category: str = "research",
    disease: str | None = None,
    commercial: bool | None = None,
    methods_development: bool | None = None,
    genetic_study: bool | None = None,
    institution: str | None = None,
    organisation_type: str | None = None,
    ethics_approval: str | None = None,
    project: str | None = None,
    commitments: Sequence[str] = (),
    language: str = "en",
    granularity: Granularity = "count",
    team: Sequence[str] = (),
    query: Mapping[str, object] | None = None,
    matches: Sequence[str] = (),
    kind: str = "access",
) -> dict[str, object]:
    """The draft of ``POST /api/access/requests`` (docs/access.md): ``datasets`` as (node, dataset)
    pairs, the purpose in DUO words (``use`` GRU, HMB, DS with its ``disease``, POA; ``category`` a
    purpose of use), the applicant's facts, the granularity and the end date. Options left None
    are left out, for the hub and each node to read as "not said".

    >>> body = access_request_body(title="Seizures in KCNQ2", datasets=[("eu-rome", "rome-rd")],
    ...     until=date(2027, 6, 30), name="Giulia Rossi", email="g@uni.example", use="DS",
    ...     disease="MONDO:0005027", ethics_approval="CE-2026-114")
    >>> body["purpose"]
    {'category': 'research', 'use': 'DS', 'disease': 'MONDO:0005027'}
    >>> body["applicant"], body["datasets"], body["until"]
    ({'ethicsApproval': 'CE-2026-114'}, [{'node': 'eu-rome', 'dataset': 'rome-rd'}], '2027-06-30')
    """
    purpose: dict[str, object] = {"category": category, "use": use}
    said = (
        ("disease", disease),
        ("commercial", commercial),
        ("methodsDevelopment", methods_development),
        ("geneticStudy", genetic_study),
    )
    purpose |= {key: value for key, value in said if value is not None}
    facts = (
        ("institution", institution),
        ("organisationType", organisation_type),
        ("ethicsApproval", ethics_approval),
        ("project", project),
    )
    applicant: dict[str, object] = {key: value for key, value in facts if value is not None}
    if commitments:
        applicant["commitments"] = [c.upper() for c in commitments]
    return {
        "kind": kind,
        "title": title,
        "abstract": abstract,
        "name": name,
        "email": email,
        "language": language,
        "purpose": purpose,
        "applicant": applicant,
        "granularity": granularity,
        "team": list(team),
        "until": until.isoformat() if isinstance(until, date) else until,
        "datasets": [{"node": node, "dataset": dataset} for node, dataset in datasets],
        "query": None if query is None else dict(query),
        "matches": list(matches),
    }
