"""The network page's rows: each node's place, health, datasets and the counts it releases."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pmbridge.portal._cohort import CohortCounts
from pmbridge.portal._counts import ShownCount
from pmbridge.portal._i18n import N_
from pmbridge.portal._refusals import Refusal

HEALTH: tuple[tuple[str, str], ...] = (
    ("up", N_("up")),
    ("slow", N_("slow")),
    ("down", N_("down")),
)
JURISDICTIONS: dict[str, str] = {
    "EU": N_("European Union"),
    "CN": N_("China (mainland)"),
}


@dataclass(frozen=True, slots=True)
class NodeRow:
    """One node on the network page; ``datasets`` pairs each dataset id with its released count."""

    id: str
    name: str
    jurisdiction: str
    country: str
    health: str
    elapsed_ms: float
    detail: str
    hpo_release: str | None
    datasets: tuple[tuple[str, ShownCount | None], ...]
    total: ShownCount | None
    refusal: Refusal | None = None


def node_rows(health: Sequence[Mapping[str, object]], counts: CohortCounts | None) -> list[NodeRow]:
    """Join the health fan-out and the count fan-out by node id (either may lack a node)."""
    rows = []
    for node in health:
        node_id = str(node.get("id", ""))
        datasets = node.get("datasets")
        ids = [str(d) for d in datasets] if isinstance(datasets, list) else []
        if counts is not None:
            ids += [d.dataset for d in counts.datasets if d.node == node_id and d.dataset not in ids]
        answered = next((n for n in counts.nodes if n.node == node_id), None) if counts else None
        elapsed = node.get("elapsedMs")
        release = node.get("hpoRelease")
        rows.append(
            NodeRow(
                id=node_id,
                name=str(node.get("name") or node_id),
                jurisdiction=str(node.get("jurisdiction", "")),
                country=str(node.get("country", "")),
                health=str(node.get("health", "down")),
                elapsed_ms=float(elapsed) if isinstance(elapsed, int | float) else 0.0,
                detail=str(node.get("detail") or ""),
                hpo_release=str(release) if release else None,
                datasets=tuple(
                    (d, counts.dataset_total(node_id, d) if counts is not None else None) for d in ids
                ),
                total=answered.total if answered is not None else None,
                refusal=answered.refusal if answered is not None else None,
            )
        )
    return rows


def health_summary(rows: Sequence[NodeRow]) -> dict[str, int]:
    """How many nodes are up, slow and down."""
    return {state: sum(1 for r in rows if r.health == state) for state, _ in HEALTH}
