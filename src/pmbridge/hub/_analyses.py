"""The hub conducts one federated analysis: each step signed and fanned out, the nodes' parts combined.

The conversation itself is pure (:func:`pmbridge.analytics.conduct`); this shell sends each step
to the nodes taking part, reads their parts, and stops at the first problem: a network result
needs at least ``privacy.min_contributing_nodes`` nodes, and a node that drops out after the first
step ends the analysis (the fit would no longer be the pooled one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pmbridge.analytics import AnalysisSpec, NodePart, Step, analysis_kind, conduct, spec_to_wire
from pmbridge.errors import DisclosureRefused, PMBridgeError, UpstreamError
from pmbridge.hub._caller import HubCaller
from pmbridge.hub._context import HubContext
from pmbridge.hub._fanout import NodeReply, NodeStatus
from pmbridge.hub._refusals import refusal_rule
from pmbridge.hub._registry import NodeEntry

ANALYSIS_PATH = "/api/analysis"


@dataclass(frozen=True, slots=True)
class Participation:
    """How one node took part: ``ok`` with the rows it analysed, or why it did not."""

    node: str
    status: str
    rule: str | None = None
    detail: str = ""

    def to_dict(self) -> dict[str, object]:
        return {"node": self.node, "status": self.status, "rule": self.rule, "detail": self.detail}


async def conduct_analysis(ctx: HubContext, who: HubCaller, spec: AnalysisSpec) -> dict[str, object]:
    """Run ``spec`` over the network and return its result with each node's participation."""
    min_nodes = ctx.release.disclosure.settings.min_contributing_nodes
    plan = conduct(spec, min_nodes=min_nodes)
    step = next(plan)
    taking_part: Sequence[NodeEntry] = ctx.config.nodes
    participation: dict[str, Participation] = {}
    steps = 0
    while True:
        steps += 1
        replies = await _ask(ctx, who, spec, step, taking_part)
        if steps == 1:
            participation = {r.node.id: _participation(r) for r in replies}
            taking_part = [r.node for r in replies if r.status is NodeStatus.OK]
            if len(taking_part) < min_nodes:
                raise _too_few(list(participation.values()), min_nodes)
        else:
            failed = [r for r in replies if r.status is not NodeStatus.OK]
            if failed:
                raise _dropped_out(failed[0])
        parts = [_part(r) for r in replies]
        try:
            step = plan.send(parts)
        except StopIteration as done:
            result = done.value
            break
    if who.audit is not None:
        who.audit.record_release(
            rule="hub-privacy",
            granularity="aggregate",
            released={"analysis": analysis_kind(spec), "nodes": len(taking_part), "steps": steps},
        )
    out: dict[str, object] = result.to_wire()
    out["nodes"] = [p.to_dict() for p in participation.values()]
    out["steps"] = steps
    return out


async def _ask(
    ctx: HubContext, who: HubCaller, spec: AnalysisSpec, step: Step, nodes: Sequence[NodeEntry]
) -> list[NodeReply]:
    body = {"analysis": spec_to_wire(spec), "step": step.to_wire()}
    return await ctx.ask("POST", ANALYSIS_PATH, json_body=body, headers=who.forward, nodes=nodes)


def _part(reply: NodeReply) -> NodePart:
    body = reply.body or {}
    return NodePart(node=reply.node.id, part=body.get("part"))


def _participation(reply: NodeReply) -> Participation:
    if reply.status is NodeStatus.OK:
        return Participation(reply.node.id, "ok")
    error = reply.error
    return Participation(
        reply.node.id,
        reply.status.value,
        rule=refusal_rule(reply),
        detail=error.message if isinstance(error, PMBridgeError) else reply.detail,
    )


def _too_few(listed: Sequence[Participation], min_nodes: int) -> DisclosureRefused:
    ok = [p for p in listed if p.status == "ok"]
    others = "; ".join(
        f"{p.node}: {p.status}" + (f" ({p.rule})" if p.rule else "") for p in listed if p.status != "ok"
    )
    return DisclosureRefused(
        "min_nodes",
        f"{len(ok)} node(s) could contribute; a network result needs at least {min_nodes}"
        + (f" — {others}" if others else ""),
        hint="widen the cohort, or ask the nodes that refused how to qualify (the rule is named)",
    )


def _dropped_out(reply: NodeReply) -> PMBridgeError:
    why = refusal_rule(reply) or reply.status.value
    return UpstreamError(
        f"node {reply.node.id} stopped answering the analysis after its first step ({why}); the result "
        "would no longer equal the pooled analysis, so none is given",
        hint="run the analysis again; if a node keeps refusing, its rule says why",
    )
