"""The network page's rows: each node's place, health, datasets and the counts it releases.

Each health of ``GET /api/nodes`` is shown as itself: a node that refused the hub did answer it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from pmbridge.client import NodeHealth
from pmbridge.portal._cohort import CohortCounts
from pmbridge.portal._counts import ShownCount
from pmbridge.portal._i18n import N_
from pmbridge.portal._refusals import Refusal, node_state

HEALTH: tuple[tuple[str, str], ...] = (
    ("up", N_("up")),
    ("slow", N_("slow")),
    ("timeout", N_("timed out")),
    ("overloaded", N_("overloaded")),
    ("refused", N_("refused")),
    ("down", N_("down")),
    ("error", N_("failed")),
)
"""Every health the hub reports, in the order the page counts them, each with its word."""
ANSWERED: Final = frozenset({"up", "slow", "overloaded", "refused", "error"})
"""The healths of a node that replied, so its reply time means something."""
JURISDICTIONS: dict[str, str] = {
    "EU": N_("European Union"),
    "CN": N_("China (mainland)"),
}


@dataclass(frozen=True, slots=True)
class NodeRow:
    """One node on the network page; ``datasets`` pairs each dataset id with its released count.

    ``health`` is one of :data:`HEALTH`; ``refusal`` says why the node refused to count,
    ``health_refusal`` why it refused the hub's health check. ``breaker`` is the hub's breaker of
    the node (``closed``: asked; ``open``: skipped for ``retry_in`` seconds after ``timeouts``
    timeouts in a row and a failed health check; ``half_open``: being tried again).
    """

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
    health_refusal: Refusal | None = None
    breaker: str = "closed"
    retry_in: float = 0.0
    timeouts: int = 0

    @property
    def timeout_seconds(self) -> str:
        """The N of the hub's "no reply within N s", said in the page's language; "" otherwise."""
        return timeout_seconds(self.detail)

    @property
    def answered(self) -> bool:
        """Whether the node replied to the health check (in time), whatever it said."""
        return self.health in ANSWERED


def timeout_seconds(detail: str) -> str:
    """The seconds in a timeout's detail as the hub writes it ("" for any other detail).

    >>> timeout_seconds("no reply within 0.3 s"), timeout_seconds("no reply within 5 s: ReadTimeout")
    ('0.3', '5')
    >>> timeout_seconds("ConnectError")
    ''
    """
    found = re.match(r"no reply within ([0-9.]+) s\b", detail)
    return found.group(1) if found else ""


def node_rows(health: Sequence[NodeHealth], counts: CohortCounts | None) -> list[NodeRow]:
    """Join the health fan-out and the count fan-out by node id (either may lack a node)."""
    rows = []
    for node in health:
        ids = list(node.datasets)
        if counts is not None:
            ids += [d.dataset for d in counts.datasets if d.node == node.id and d.dataset not in ids]
        answered = next((n for n in counts.nodes if n.node == node.id), None) if counts else None
        state = known_health(node.health)
        detail = node.detail or ""
        rows.append(
            NodeRow(
                id=node.id,
                name=node.name or node.id,
                jurisdiction=node.jurisdiction or "",
                country=node.country or "",
                health=state,
                elapsed_ms=node.elapsed_ms or 0.0,
                detail=detail,
                hpo_release=node.hpo_release or None,
                datasets=tuple(
                    (d, counts.dataset_total(node.id, d) if counts is not None else None) for d in ids
                ),
                total=answered.total if answered is not None else None,
                refusal=answered.refusal if answered is not None else None,
                health_refusal=node_state("refused", detail, rule=node.rule)[1]
                if state == "refused"
                else None,
                breaker=node.breaker.state if node.breaker is not None else "closed",
                retry_in=node.breaker.retry_in_seconds if node.breaker is not None else 0.0,
                timeouts=node.breaker.consecutive_timeouts if node.breaker is not None else 0,
            )
        )
    return rows


def known_health(value: str) -> str:
    """The hub's health word as one of :data:`HEALTH`; any other (a word this portal does not
    know) is ``error``: the portal cannot say the node is up, nor that it is down.

    >>> known_health("refused"), known_health("timeout"), known_health(""), known_health("gone")
    ('refused', 'timeout', 'error', 'error')
    """
    return value if value in dict(HEALTH) else "error"


def health_summary(rows: Sequence[NodeRow]) -> dict[str, int]:
    """How many nodes are in each health of :data:`HEALTH`; the counts add up to ``len(rows)``.

    >>> row = NodeRow("a", "A", "EU", "IT", "refused", 1.0, "", None, (), None)
    >>> health_summary([row])
    {'up': 0, 'slow': 0, 'timeout': 0, 'overloaded': 0, 'refused': 1, 'down': 0, 'error': 0}
    """
    return {state: sum(1 for r in rows if r.health == state) for state, _ in HEALTH}
