"""Every call the client makes, as a :class:`~pmbridge.client._core.Call`: path, body and the
message its answer decodes to. Both clients send these; this is the one list of the hub's routes.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from datetime import date
from urllib.parse import quote

from pmbridge.client._access import (
    AccessAttachment,
    AccessDetail,
    AccessMessage,
    AccessRequestList,
    GrantList,
    Inbox,
)
from pmbridge.client._aggregates import Aggregates, CostEstimate
from pmbridge.client._analyses import AnalysisResult
from pmbridge.client._beacon import BeaconAnswer
from pmbridge.client._core import Call, file_bytes, json_object, typed
from pmbridge.client._knowledge import KnowledgeSearch
from pmbridge.client._matching import Matches, Ranking
from pmbridge.client._network import NodeList, SignIn
from pmbridge.client._requests import Granularity, aggregates_body, beacon_body, patient_body
from pmbridge.client._trainings import Training, TrainingList

__all__ = [
    "access_request",
    "access_requests",
    "access_step",
    "aggregates",
    "analyse",
    "attach",
    "attachment",
    "beacon",
    "cost",
    "create_access_request",
    "grants",
    "inbox",
    "knowledge",
    "mark_read",
    "match",
    "nodes",
    "post_access_message",
    "rank",
    "raw",
    "resource_step",
    "sign_in",
    "start_training",
    "training",
    "trainings",
]


def beacon(
    entry: str,
    filters: Sequence[Mapping[str, str]],
    *,
    granularity: Granularity,
    variant: Mapping[str, object] | None = None,
    skip: int = 0,
    limit: int | None = None,
) -> Call[BeaconAnswer]:
    """``POST /api/{entry}`` (``individuals``, ``biosamples``, ``g_variants``, …)."""
    body = beacon_body(filters, granularity=granularity, variant=variant, skip=skip, limit=limit)
    return Call("POST", f"/api/{quote(entry)}", typed(BeaconAnswer), body=body)


def aggregates(filters: Sequence[Mapping[str, str]], *, breakdowns: Sequence[str]) -> Call[Aggregates]:
    return Call(
        "POST", "/api/aggregates", typed(Aggregates), body=aggregates_body(filters, breakdowns=breakdowns)
    )


def analyse(spec: Mapping[str, object]) -> Call[AnalysisResult]:
    """``POST /api/analyses``: ``spec`` as :func:`~pmbridge.client.analysis_body` builds it."""
    return Call("POST", "/api/analyses", typed(AnalysisResult), body=dict(spec))


def cost(filters: Sequence[Mapping[str, str]], *, breakdowns: Sequence[str]) -> Call[CostEstimate]:
    body = aggregates_body(filters, breakdowns=breakdowns)
    return Call("POST", "/api/aggregates/cost", typed(CostEstimate), body=body)


def match(
    phenotypes: Sequence[str], *, excluded: Sequence[str], gene: str | None, limit: int | None
) -> Call[Matches]:
    body = patient_body(phenotypes, excluded=excluded, gene=gene, limit=limit)
    return Call("POST", "/api/match", typed(Matches), body=body)


def rank(
    phenotypes: Sequence[str], *, excluded: Sequence[str], gene: str | None, limit: int | None
) -> Call[Ranking]:
    body = patient_body(phenotypes, excluded=excluded, gene=gene, limit=limit)
    return Call("POST", "/api/rank", typed(Ranking), body=body)


def knowledge(
    words: str, *, types: Sequence[str], jurisdictions: Sequence[str], lang: str, limit: int, offset: int
) -> Call[KnowledgeSearch]:
    params = [("q", words), ("lang", lang), ("limit", str(limit)), ("offset", str(offset))]
    params += [("type", t) for t in types] + [("jurisdiction", j) for j in jurisdictions]
    return Call("GET", "/api/kb/search", typed(KnowledgeSearch), params=tuple(params))


def start_training(body: Mapping[str, object]) -> Call[Training]:
    """``POST /api/learning/trainings``: a declarative training request (docs/learning.md)."""
    return Call("POST", "/api/learning/trainings", typed(Training), body=dict(body))


def trainings() -> Call[TrainingList]:
    return Call("GET", "/api/learning/trainings", typed(TrainingList))


def training(training_id: str) -> Call[Training]:
    return Call("GET", f"/api/learning/trainings/{_id(training_id)}", typed(Training))


def nodes() -> Call[NodeList]:
    return Call("GET", "/api/nodes", typed(NodeList))


def sign_in(user: str) -> Call[SignIn]:
    """``POST /api/auth/token``: a demo user's passport (demo hubs only)."""
    return Call("POST", "/api/auth/token", typed(SignIn), body={"user": user})


def create_access_request(body: Mapping[str, object]) -> Call[AccessDetail]:
    """``POST /api/access/requests``: a draft (:func:`~pmbridge.client.access_request_body`), pre-checked."""
    return Call("POST", "/api/access/requests", typed(AccessDetail), body=dict(body))


def access_requests(*, steward: bool = False) -> Call[AccessRequestList]:
    params = (("steward", "true"),) if steward else ()
    return Call("GET", "/api/access/requests", typed(AccessRequestList), params=params)


def access_request(request_id: str) -> Call[AccessDetail]:
    return Call("GET", f"/api/access/requests/{_id(request_id)}", typed(AccessDetail))


def access_step(request_id: str, event: str) -> Call[AccessDetail]:
    """``POST /api/access/requests/{id}/steps``: submit, pause, resume, conclude or abandon."""
    path = f"/api/access/requests/{_id(request_id)}/steps"
    return Call("POST", path, typed(AccessDetail), body={"event": event})


def resource_step(
    resource_id: str,
    event: str,
    *,
    reason: str | None = None,
    conditions: str | None = None,
    until: date | str | None = None,
) -> Call[AccessDetail]:
    """``POST /api/access/resources/{id}/steps``: a researcher's or a steward's step on one dataset."""
    body: dict[str, object] = {"event": event}
    if reason is not None:
        body["reason"] = reason
    if conditions is not None:
        body["conditions"] = conditions
    if until is not None:
        body["until"] = until.isoformat() if isinstance(until, date) else until
    path = f"/api/access/resources/{_id(resource_id)}/steps"
    return Call("POST", path, typed(AccessDetail), body=body)


def post_access_message(resource_id: str, text: str) -> Call[AccessMessage]:
    path = f"/api/access/resources/{_id(resource_id)}/messages"
    return Call("POST", path, typed(AccessMessage), body={"text": text})


def attach(resource_id: str, *, name: str, media_type: str, content: bytes) -> Call[AccessAttachment]:
    """``POST /api/access/resources/{id}/attachments``: the file travels base64 in JSON."""
    body = {"name": name, "mediaType": media_type, "content": base64.b64encode(content).decode("ascii")}
    path = f"/api/access/resources/{_id(resource_id)}/attachments"
    return Call("POST", path, typed(AccessAttachment), body=body)


def attachment(attachment_id: str) -> Call[bytes]:
    """``GET /api/access/attachments/{id}``: the file itself."""
    return Call("GET", f"/api/access/attachments/{_id(attachment_id)}", file_bytes, binary=True)


def inbox(*, lang: str = "en") -> Call[Inbox]:
    return Call("GET", "/api/access/inbox", typed(Inbox), params=(("lang", lang),))


def mark_read(ids: Sequence[str] | None = None) -> Call[dict[str, int]]:
    """``POST /api/access/inbox/read``: these notifications (None: all) read; the hub's counts."""
    body: dict[str, object] = {"all": True} if ids is None else {"ids": list(ids)}
    return Call("POST", "/api/access/inbox/read", _counts, body=body)


def grants() -> Call[GrantList]:
    return Call("GET", "/api/access/grants", typed(GrantList))


def _id(value: str) -> str:
    """An id as one path segment, whatever it holds."""
    return quote(value, safe="")


def _counts(doc: object) -> dict[str, int]:
    found = json_object(doc)
    counts = {k: v for k, v in found.items() if isinstance(v, int) and not isinstance(v, bool)}
    if len(counts) != len(found):
        raise ValueError(f"expected counts, got {found!r}")
    return counts


def raw(
    method: str, path: str, *, body: object = None, params: Sequence[tuple[str, str]] = ()
) -> Call[dict[str, object]]:
    """Any other route, answered as the JSON object the hub sent (errors still raised as errors)."""
    return Call(method, path, json_object, body=body, params=tuple(params))
