"""Patient matching across the network: ``POST /api/match`` fans the patient out to every node and
ranks their pseudonymous matches by score; ``POST /api/match/contact`` relays a researcher's
contact request to the one node that holds the match (Matchmaker-Exchange style handshake).

The hub never learns who a match is: it passes the node's match ids on, and only that node can
resolve them. Score-band counts go through the hub's own disclosure pass, as aggregates do. Each
answer, refusal and relayed contact request is audited as hub entries are.
"""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from pmbridge.beacon import error_responses, json_body, json_request_body
from pmbridge.errors import PassportRejected, PMBridgeError, QueryError, UnknownMatch, UpstreamError
from pmbridge.hub._caller import HubCaller, hub_caller
from pmbridge.hub._context import hub_of
from pmbridge.hub._fanout import NodeStatus
from pmbridge.hub._match_disclosure import hub_match_aggregates
from pmbridge.hub._match_merge import NetworkMatches, merge_matches
from pmbridge.hub._refusals import network_refusal, unanswered
from pmbridge.hub._request_limits import admit_contact, contact_sent
from pmbridge.policy import crosses_border
from pmbridge.similarity import (
    CONTACT_REQUEST_SCHEMA,
    PHENOTYPE_REQUEST_SCHEMA,
    PhenotypeRequest,
    parse_contact_request,
    parse_phenotype_request,
)

router = APIRouter()

NODE_RELEASE = "node-release"
"""The rule a hub match release names: what each node's own release let out (its band counts
after the hub's own disclosure pass, hub/_match_disclosure.py)."""


@router.post(
    "/api/match",
    openapi_extra=json_request_body(PHENOTYPE_REQUEST_SCHEMA, required=True),
    responses=error_responses(401, 403, 502),
)
async def match(request: Request) -> dict[str, object]:
    """Every node's best matches for a patient, merged and ranked; aggregates where nodes sent those."""
    body = parse_phenotype_request(await json_body(request))
    ctx, who = hub_of(request), hub_caller(request)
    replies = await ctx.ask("POST", "/api/match", json_body=body.to_body(), headers=who.forward)
    refused = [r for r in replies if r.http_status is not None and 400 <= r.http_status < 500]
    if refused and not any(r.status is NodeStatus.OK for r in replies):
        raise _refusal(
            who, network_refusal(refused, silent=[r for r in replies if all(r is not x for x in refused)])
        )
    if (silent := unanswered(replies)) is not None:
        raise silent  # 502: no node answered at all
    merged = merge_matches(replies, limit=body.limit)
    where = {n.id: n.jurisdiction for n in ctx.config.nodes}
    researcher = who.caller.researcher
    asked = match_question(body)
    aggregates = await run_in_threadpool(  # the hub's ledger may wait on a lock: not on the event loop
        hub_match_aggregates,
        merged.aggregates,
        control=ctx.release.disclosure,
        researcher=researcher.id,
        question=lambda node, dataset: {**asked, "node": node, "dataset": dataset},
        cross_border=lambda node: crosses_border(where[node], researcher.country),
    )
    merged = replace(merged, aggregates=aggregates)
    if who.audit is not None:
        who.audit.record_release(
            rule=NODE_RELEASE,
            granularity="record" if merged.matches else "count",
            released={
                "kind": "match",
                "nodes": sum(o.status is NodeStatus.OK for o in merged.nodes),
                "missing": len(merged.missing),
                "matches": len(merged.matches),
                "aggregates": len(merged.aggregates),
            },
        )
    return network_match_reply(merged)


def match_question(body: PhenotypeRequest) -> dict[str, object]:
    """The question behind a match's band counts at the hub: what is asked, not how many matches.

    >>> a = match_question(PhenotypeRequest(("HP:2", "HP:1"), limit=5))
    >>> a == match_question(PhenotypeRequest(("HP:1", "HP:2", "HP:1")))
    True
    """
    return {
        "path": "/api/match",
        "phenotypes": sorted(set(body.phenotypes)),
        "excluded": sorted(set(body.excluded)),
        "gene": body.gene,
    }


def network_match_reply(merged: NetworkMatches) -> dict[str, object]:
    return {
        "matches": [
            {"rank": m.rank, "node": m.node, "dataset": m.dataset, "matchId": m.match_id, "score": m.score}
            for m in merged.matches
        ],
        "aggregates": list(merged.aggregates),
        "nodes": [
            {
                "node": o.node,
                "status": o.status.value,
                "elapsedMs": o.elapsed_ms,
                "matches": o.matches,
                "aggregates": o.aggregates,
                "hpoRelease": o.hpo_release,
                "detail": o.detail,
                **({"release": o.release} if o.release is not None else {}),
                **({"rule": o.rule} if o.rule is not None else {}),
            }
            for o in merged.nodes
        ],
        "missingNodes": list(merged.missing),
    }


@router.post(
    "/api/match/contact",
    openapi_extra=json_request_body(CONTACT_REQUEST_SCHEMA, required=True),
    responses=error_responses(401, 403, 404, 429, 502),
)
async def contact(request: Request) -> dict[str, object]:
    """Relay a contact request to the steward of the node holding the match; returns its request id."""
    body = parse_contact_request(await json_body(request))
    ctx, who = hub_of(request), hub_caller(request)
    if who.caller.researcher.is_anonymous:  # match ids are per researcher: the node needs the passport
        if who.audit is not None:
            who.audit.refuse("passport:missing")
        raise PassportRejected(
            "missing",
            "a contact request needs the passport of the researcher who was given the match id",
            hint="sign in and send the request with the passport you asked /api/match with",
        )
    researcher = who.caller.researcher
    limited = admit_contact(request, f"{researcher.issuer} {researcher.id}", body.to_body())  # 429s
    node = next((n for n in ctx.config.nodes if n.id == body.node), None)
    if node is None:
        raise QueryError(
            f"no node {body.node!r} in this network",
            hint="use the node of a match from /api/match; /api/nodes lists the nodes",
        )
    (reply,) = await ctx.ask(
        "POST", "/api/match/contact", json_body=body.to_body(), headers=who.forward, nodes=[node]
    )
    if (
        reply.status is NodeStatus.OK
        and reply.body is not None
        and isinstance(reply.body.get("requestId"), str)
    ):
        request_id = str(reply.body["requestId"])
        contact_sent(request, limited, request_id)
        if who.audit is not None:
            who.audit.record_release(
                rule="contact",
                granularity="none",
                released={"kind": "contact", "node": node.id, "requestId": request_id},
            )
        return {"requestId": request_id, "node": node.id, "status": "relayed"}
    if reply.http_status == 404:
        raise UnknownMatch(f"node {node.id}: {reply.detail}", hint="copy matchId and dataset from /api/match")
    if reply.http_status is not None and 400 <= reply.http_status < 500:
        raise _refusal(who, network_refusal([reply]))
    raise UpstreamError(
        f"node {node.id} did not take the contact request ({reply.status.value}: {reply.detail})",
        hint="try again later; nothing was stored",
    )


def _refusal(who: HubCaller, error: PMBridgeError) -> PMBridgeError:
    """``error`` (every asked node refused), with the refusing rule marked on the request's audit."""
    if who.audit is not None:
        who.audit.refuse(getattr(error, "rule", error.code))
    return error
