"""Federated trainings as the hub answers them (``/api/learning/trainings``): the request, each round's
progress per node (or the rule a node refused under), and the model with its validation."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from pmbridge.client._message import Message
from pmbridge.errors import UpstreamError

__all__ = ["Training", "TrainingList", "TrainingRound", "following_timeout"]

DONE = frozenset({"finished", "failed"})


class TrainingRound(Message):
    """One node's part of one round (``node`` None: the network's merged figures)."""

    round: int
    node: str | None = None
    stage: str
    status: str
    metrics: dict[str, Any] = Field(default_factory=dict)


class Training(Message):
    id: str
    researcher: str
    purpose: str
    spec: dict[str, Any]
    nodes: list[str]
    state: str
    detail: str = ""
    created: str
    updated: str
    rounds: list[TrainingRound] = Field(default_factory=list)
    model: dict[str, Any] | None = None
    metrics: dict[str, Any] | None = None

    @property
    def done(self) -> bool:
        """Finished or failed: nothing more will change."""
        return self.state in DONE

    @property
    def last_round(self) -> int:
        """The highest round any node has reported (0: none yet)."""
        return max((r.round for r in self.rounds), default=0)

    def refusals(self) -> dict[str, str]:
        """The nodes that sat the training out, with the rule each refused under."""
        return {
            r.node: str(r.metrics.get("rule", r.status))
            for r in self.rounds
            if r.node and r.status == "refused"
        }

    def progress(self) -> list[dict[str, object]]:
        """One row per round and node: what a table or a DataFrame shows."""
        return [{"round": r.round, "node": r.node or "network", "stage": r.stage, "status": r.status,
                 **r.metrics} for r in self.rounds]  # fmt: skip

    def summary(self) -> str:
        """One line for a terminal."""
        spec = self.spec
        line = f"training {self.id}: {spec.get('task')} {spec.get('model')}, {self.state}"
        line += f", round {self.last_round} of {spec.get('rounds')}"
        if self.metrics and "auroc" in self.metrics and self.metrics["auroc"] is not None:
            line += f", validation AUROC {self.metrics['auroc']:.3f}"
        if self.metrics and self.metrics.get("withheld"):
            what = "validation" if self.model else "model and validation"
            line += f"; the network's {what} withheld: {self.metrics['withheld']}"
        if refused := self.refusals():
            line += "; sat out: " + ", ".join(f"{n} ({rule})" for n, rule in sorted(refused.items()))
        return line


class TrainingList(Message):
    trainings: list[Training]


def following_timeout(training: Training, seconds: float) -> UpstreamError:
    return UpstreamError(
        f"training {training.id} is still {training.state} after {seconds:g} s ({training.summary()})",
        hint="it goes on at the nodes: follow it again later, or see it in the portal's Learning page",
    )
