"""Access requests at a node: ``POST /api/access/precheck`` (the automatic pre-check of its own
datasets) and ``/api/access/attachments`` (files of its sub-negotiations).

No data about people leaves here: the pre-check reads only the node's policy, its datasets' DUO
conditions and the requester's passport; attachments are the researcher's own documents.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from pmbridge.access._precheck import NOT_LOADED, Releases, precheck_dataset
from pmbridge.access._precheck_request import PrecheckRequest, parse_precheck_request
from pmbridge.beacon import error_responses, json_body, json_request_body
from pmbridge.errors import AccessRequestError, PMBridgeError, UnknownAccessRequest
from pmbridge.node._attachments import decode_content, read_attachment, store_attachment
from pmbridge.node._context import NodeContext
from pmbridge.node._deps import caller_of, context_of
from pmbridge.policy import (
    DiseaseHierarchy,
    DuoVocabulary,
    Researcher,
    duo_release,
    load_disease_hierarchy,
    load_duo_terms,
)
from pmbridge.vocab import locate_data_dir

log = logging.getLogger(__name__)
router = APIRouter(responses=error_responses(401))  # under /api a node answers only what the hub signed

_OBJECT = {"type": "object"}


@lru_cache(maxsize=4)
def node_vocabularies(
    data_dir: Path | None,
) -> tuple[DuoVocabulary | None, DiseaseHierarchy | None, Releases]:
    """DUO and Mondo, loaded once per process; a node without DUO still answers (ABSTAIN)."""
    path = locate_data_dir(data_dir).path
    try:
        duo: DuoVocabulary | None = load_duo_terms(path)
    except PMBridgeError as exc:
        log.warning("no DUO vocabulary: pre-checks abstain (%s)", exc.message)
        duo = None
    diseases = load_disease_hierarchy(path)
    if diseases.has_hierarchy:
        mondo = diseases.source
    elif "no mapping sets" not in diseases.source:  # exact mappings only: say so, briefly
        mondo = f"{NOT_LOADED} (exact matches only, Mondo SSSOM mapping sets)"
    else:
        mondo = NOT_LOADED
    return duo, diseases, Releases(duo=duo_release(path), mondo=mondo)


@router.post(
    "/api/access/precheck",
    openapi_extra=json_request_body(_OBJECT, required=True),
    responses=error_responses(400),
)
async def precheck(request: Request) -> dict[str, object]:
    """The automatic pre-check (DUO, X1–X6) of this node's datasets for one access request."""
    body = parse_precheck_request(await json_body(request))
    ctx, researcher = context_of(request), caller_of(request).researcher
    return await run_in_threadpool(answer_precheck, ctx, body, researcher=researcher)


def answer_precheck(ctx: NodeContext, body: PrecheckRequest, *, researcher: Researcher) -> dict[str, object]:
    duo, diseases, releases = node_vocabularies(ctx.config.data_dir)
    policy = ctx.release.policy
    held = {d.id: d for d in ctx.config.datasets}
    # who asks, from where and for which organisation come from the verified passport, never from
    # the body: an IS allow-list must not approve an institution the applicant merely typed
    applicant = replace(
        body.applicant, user=researcher.id, country=researcher.country, institution=researcher.affiliation
    )
    checks = [
        precheck_dataset(
            ask.id,
            conditions=ctx.config.data_use.get(ask.id) if ask.id in held else None,
            category=body.category,
            purpose=body.purpose,
            applicant=applicant,
            requested=ask.granularity,
            on=body.on,
            policy=policy,
            requester_country=researcher.country,
            duo=duo,
            diseases=diseases,
            releases=releases,
        ).to_wire()
        for ask in body.datasets
    ]
    return {"node": ctx.config.id, "datasets": checks}


@router.post(
    "/api/access/attachments",
    openapi_extra=json_request_body(_OBJECT, required=True),
    responses=error_responses(400),
    status_code=201,
)
async def upload_attachment(request: Request) -> dict[str, object]:
    """Store one attachment of a sub-negotiation at this node; the hub keeps only its metadata."""
    body = await json_body(request)
    keys = ("request", "resource", "name", "mediaType", "content")
    if not isinstance(body, dict):
        raise AccessRequestError("an attachment is a JSON object", hint=f"send the keys {', '.join(keys)}")
    unknown = sorted(str(k) for k in body if k not in keys)
    missing = [k for k in keys if not isinstance(body.get(k), str) or not body[k]]
    if unknown or missing:
        problem = f"unknown key {unknown[0]!r}" if unknown else f"{missing[0]!r} must be a non-empty string"
        raise AccessRequestError(f"attachment: {problem}", hint=f"valid keys: {', '.join(keys)}")
    ctx = context_of(request)
    data = decode_content(body["content"], body["mediaType"])
    entry = await run_in_threadpool(
        store_attachment,
        ctx.config.store.parent,
        request=body["request"],
        resource=body["resource"],
        name=body["name"],
        media_type=body["mediaType"],
        data=data,
    )
    return entry.to_wire()


@router.get("/api/access/attachments/{attachment_id}", responses=error_responses(404))
async def download_attachment(request: Request, attachment_id: str) -> dict[str, object]:
    """One attachment for the hub, as signed JSON (its metadata and the bytes in base64): the hub
    checks the signature of every node reply, and passes the file on to its researcher or steward."""
    found = await run_in_threadpool(read_attachment, context_of(request).config.store.parent, attachment_id)
    if found is None:
        raise UnknownAccessRequest(
            f"no attachment {attachment_id!r} at this node", hint="check the id the hub lists for the request"
        )
    entry, data = found
    return entry.to_wire() | {"content": base64.b64encode(data).decode("ascii")}
