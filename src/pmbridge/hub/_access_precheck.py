"""The hub asks each node named in a request to pre-check its own datasets (DUO and X1–X6).

One signed call per node, carrying the researcher's passport, in parallel under the hub's
deadline. A node that is down or answers nonsense gets each of its datasets marked "not sent,
the node did not answer", never a guessed verdict.
"""

from __future__ import annotations

import asyncio
from datetime import date

from pmbridge.access import Draft
from pmbridge.access._duos import DuosVerdict
from pmbridge.access._precheck import DatasetPrecheck, Releases
from pmbridge.access._precheck_request import parse_precheck_request
from pmbridge.errors import AccessRequestError, UpstreamError
from pmbridge.hub._caller import HubCaller
from pmbridge.hub._context import HubContext
from pmbridge.model import Granularity
from pmbridge.policy import Purpose, check_purpose


def check_draft(draft: Draft, *, on: date) -> None:
    """Read the purpose and applicant as a node will, so a bad one is a 400 before anyone is asked."""
    for node in {t.node for t in draft.targets}:
        parse_precheck_request(draft.precheck_body(on=on, node=node))
    category = draft.purpose.get("category")
    decision = check_purpose(str(category))
    if not decision.allowed:
        raise AccessRequestError(
            f"purpose category {category!r}: {decision.reason}",
            hint=f"rule {decision.rule}; choose one of: {', '.join(sorted(p.value for p in Purpose))}",
        )


async def run_prechecks(
    ctx: HubContext, who: HubCaller, draft: Draft, *, on: date
) -> dict[str, dict[str, object]]:
    """Each dataset's pre-check as its node answered, keyed ``node/dataset``."""
    known = {n.id: n for n in ctx.config.nodes}
    nodes = sorted({t.node for t in draft.targets})
    found: dict[str, dict[str, object]] = {}

    async def ask(node_id: str) -> None:
        datasets = [t.dataset for t in draft.targets if t.node == node_id]
        node = known.get(node_id)
        if node is None:
            for d in datasets:
                found[f"{node_id}/{d}"] = _not_sent(d, draft, f"there is no node {node_id!r} in this network")
            return
        (reply,) = await ctx.ask(
            "POST",
            "/api/access/precheck",
            json_body=draft.precheck_body(on=on, node=node_id),
            headers=who.forward,
            nodes=[node],
        )
        answered: dict[str, DatasetPrecheck] = {}
        why = f"node {node_id} did not answer the pre-check ({reply.status.value}: {reply.detail})"
        items = reply.body.get("datasets") if reply.body is not None else None
        if isinstance(items, list):
            try:
                for i, item in enumerate(items):
                    check = DatasetPrecheck.from_wire(item, where=f"node {node_id} pre-check datasets[{i}]")
                    answered[check.id] = check
            except UpstreamError as exc:
                answered, why = {}, exc.message
        for d in datasets:
            answer = answered.get(d)
            found[f"{node_id}/{d}"] = answer.to_wire() if answer else _not_sent(d, draft, why)

    await asyncio.gather(*(ask(n) for n in nodes))
    return found


def _not_sent(dataset: str, draft: Draft, why: str) -> dict[str, object]:
    return DatasetPrecheck(
        id=dataset,
        send=False,
        requested=Granularity(draft.granularity),
        sent=None,
        verdict=DuosVerdict.ABSTAIN,
        checks=(),
        releases=Releases(duo="unknown"),
        rules=(),
        summary=why,
    ).to_wire()
