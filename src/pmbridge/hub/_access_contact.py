"""A contact about a matched patient, kept as an access request's conversation, and relayed to the
node that holds the match: the node resolves the match id to its patient in its own contact inbox
(``pmbridge node contacts``), so the steward knows whom it is about and the hub never does."""

from __future__ import annotations

from pmbridge.access import Draft
from pmbridge.errors import UnknownMatch, UpstreamError
from pmbridge.hub._caller import HubCaller
from pmbridge.hub._context import HubContext
from pmbridge.hub._fanout import NodeStatus
from pmbridge.similarity import ContactRequest


async def relay_contact(ctx: HubContext, who: HubCaller, draft: Draft) -> list[str]:
    """Relay each match of a contact draft to its node; the nodes' contact-request ids.

    Raises before anything is submitted when a node does not know the match (or is down), so a
    conversation never waits on a steward who was not told."""
    nodes = {n.id: n for n in ctx.config.nodes}
    relayed: list[str] = []
    for target in draft.targets:
        node = nodes.get(target.node)
        if node is None:
            continue  # the pre-check already marks it not sent
        for match in draft.matches:
            body = ContactRequest(
                node=target.node,
                dataset=target.dataset,
                match_id=match,
                name=draft.name,
                email=draft.email,
                organisation=str(draft.applicant.get("institution") or ""),
                message=draft.abstract or draft.title,
            ).to_body()
            (reply,) = await ctx.ask(
                "POST", "/api/match/contact", json_body=body, headers=who.forward, nodes=[node]
            )
            if reply.status is NodeStatus.OK and reply.body is not None:
                relayed.append(str(reply.body.get("requestId", "")))
            elif reply.http_status == 404:
                raise UnknownMatch(
                    f"node {node.id} does not know match {match!r} for you",
                    hint="use a match id from your own /api/match results, with its node and dataset",
                )
            else:
                raise UpstreamError(
                    f"node {node.id} did not take the contact ({reply.status.value}: {reply.detail})",
                    hint="try again later; nothing was submitted",
                )
    return relayed
