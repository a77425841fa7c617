"""Merge the nodes' aggregates (``POST /api/aggregates``) and budgets (``GET /api/budget``).

Every number goes through the hub's disclosure pass (hub/_disclosure.py), as the counts of a
Beacon answer do in hub/_merge.py; each dataset keeps, as provenance, how the node made each
number (:func:`~pmbridge.hub._disclosure.node_account`), never the node's numbers themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from pmbridge.hub._disclosure import hub_breakdown, hub_release, node_account, parse_released
from pmbridge.hub._fanout import NodeReply, NodeStatus
from pmbridge.hub._refusals import rule_field
from pmbridge.privacy import DisclosureControl

PARTITIONS = ("sex", "ageBand")


@dataclass(frozen=True, slots=True)
class NetworkAggregates:
    datasets: list[dict[str, object]]
    nodes: list[dict[str, object]]
    missing: list[object]

    def to_dict(self) -> dict[str, object]:
        """``{"datasets": [...], "nodes": [...], "missingNodes": [...]}``."""
        return {"datasets": self.datasets, "nodes": self.nodes, "missingNodes": self.missing}


def outcome(reply: NodeReply, *, ok: bool) -> dict[str, object]:
    """One node's line in ``nodes``: how it answered."""
    return {
        "node": reply.node.id,
        "status": reply.status.value if ok or reply.status is not NodeStatus.OK else NodeStatus.ERROR.value,
        "elapsedMs": round(reply.elapsed_ms, 1),
        "detail": reply.detail if ok or reply.detail else "reply does not follow the aggregates shape",
        **rule_field(reply),
    }


def merge_aggregates(
    replies: Sequence[NodeReply],
    *,
    control: DisclosureControl,
    researcher: str,
    question: Callable[[str, str], Mapping[str, object]],
    cross_border: Callable[[str], bool],
) -> NetworkAggregates:
    """Every answering node's datasets after the hub's pass, and how each node answered."""
    datasets: list[dict[str, object]] = []
    nodes: list[dict[str, object]] = []
    for reply in replies:
        entries = _entries(reply) if reply.status is NodeStatus.OK else None
        nodes.append(outcome(reply, ok=entries is not None))
        for entry in entries or []:
            dataset = str(entry["dataset"])
            datasets.append(
                _dataset(
                    entry,
                    node=reply.node.id,
                    control=control,
                    researcher=researcher,
                    dataset=f"{reply.node.id}/{dataset}",
                    question=question(reply.node.id, dataset),
                    cross_border=cross_border(reply.node.id),
                )
            )
    missing = [n["node"] for n in nodes if n["status"] != NodeStatus.OK.value]
    return NetworkAggregates(datasets, nodes, missing)


def merge_budgets(replies: Sequence[NodeReply]) -> dict[str, object]:
    """Each node's budget lines as it sent them, with how it answered."""
    nodes: list[dict[str, object]] = []
    for reply in replies:
        body = reply.body or {}
        lines = body.get("datasets") if reply.status is NodeStatus.OK else None
        ok = isinstance(lines, list) and all(isinstance(line, Mapping) for line in lines)
        nodes.append({**outcome(reply, ok=ok), "datasets": lines if ok else []})
    missing = [n["node"] for n in nodes if n["status"] != NodeStatus.OK.value]
    return {"nodes": nodes, "missingNodes": missing}


def _entries(reply: NodeReply) -> list[Mapping[str, object]] | None:
    found = (reply.body or {}).get("datasets")
    if not isinstance(found, list):
        return None
    good = [e for e in found if isinstance(e, Mapping) and isinstance(e.get("dataset"), str)]
    return good if len(good) == len(found) else None


def _dataset(
    entry: Mapping[str, object],
    *,
    node: str,
    control: DisclosureControl,
    researcher: str,
    dataset: str,
    question: Mapping[str, object],
    cross_border: bool,
) -> dict[str, object]:
    told = parse_released(entry.get("total"))
    total = hub_release(
        told.value or 0 if told is not None else 0,
        told,
        control=control,
        researcher=researcher,
        dataset=dataset,
        question=question,
        cross_border=cross_border,
    )
    if told is None:  # an unusable account of the total: nothing of this dataset leaves
        return {"node": node, "dataset": entry["dataset"], "total": None, "breakdowns": {}, "provenance": {}}
    breakdowns: dict[str, dict[str, object]] = {}
    accounts: dict[str, dict[str, object]] = {}
    raw = entry.get("breakdowns")
    for name, part in raw.items() if isinstance(raw, Mapping) else []:
        cells = part.get("cells") if isinstance(part, Mapping) else None
        if not isinstance(cells, Mapping):
            continue
        partition = name in PARTITIONS
        released, shown_total = hub_breakdown(
            cells,
            part.get("total") if partition else None,
            control=control,
            researcher=researcher,
            dataset=dataset,
            question={**question, "breakdown": name},
            cross_border=cross_border,
        )
        breakdowns[name] = {"cells": {c: h.released.to_dict() for c, h in released.items()}}
        accounts[name] = {"cells": {c: node_account(h.node) for c, h in released.items()}}
        if partition:
            breakdowns[name]["total"] = None if shown_total is None else shown_total.released.to_dict()
            accounts[name]["total"] = None if shown_total is None else node_account(shown_total.node)
    return {
        "node": node,
        "dataset": entry["dataset"],
        "total": total.released.to_dict(),
        "breakdowns": breakdowns,
        "provenance": {"node": {"total": node_account(told), "breakdowns": accounts}},
        "spent": _spent(entry.get("spent")),
    }


def _spent(doc: object) -> dict[str, float | None] | None:
    """A node's account of what the answer spent (ε now, left, the yearly budget), if well formed.

    >>> _spent({"epsilon": 2.0, "remaining": 48.0, "budget": 50.0})
    {'epsilon': 2.0, 'remaining': 48.0, 'budget': 50.0}
    >>> _spent({"epsilon": "lots"}) is None
    True
    """
    if not isinstance(doc, Mapping):
        return None
    out: dict[str, float | None] = {}
    for key in ("epsilon", "remaining", "budget"):
        value = doc.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            return None
        out[key] = None if value is None else float(value)
    return out
