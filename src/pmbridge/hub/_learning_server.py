"""The ServerApp that runs beside the hub for every training: pinned in the app's bundle by this
module's name. It runs the rounds (:mod:`pmbridge.flower`) and reports each round per node, the
refusals with their rules, and the final model and validation into the hub's training record."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flwr.app import UserConfigValue

from pmbridge.errors import ConfigError
from pmbridge.flower import NETWORK, Reporter, RoundRow, TrainingRecord, TrainingState, make_server_app

_STATUS = {"trained": "ok", "evaluated": "ok", "sat_out": "refused", "skipped": "skipped"}
_SKIPS = frozenset({"no_validation", "no_label"})
"""Rules under which a node skips a step for the request's sake, not refusing the researcher."""


class RecordReporter:
    """Writes the ServerApp's events (``started``, ``round``, ``result``, ``failed``) as rows of the
    hub's training record, which the API and the portal read."""

    def __init__(self, record: TrainingRecord, training: str) -> None:
        self.record = record
        self.training = training

    def write(self, event: str, **fields: Any) -> None:
        now = datetime.now(UTC)
        if event == "started":
            self.record.set_state(self.training, TrainingState.RUNNING, now=now)
        elif event == "round":
            round_ = int(fields["round"])
            for node in fields.get("nodes", ()):
                self.record.add_round(self.training, _node_row(round_, "train", node), now=now)
            skipped = str(fields.get("skipped", ""))  # a secure round below its threshold
            figures: dict[str, Any] = {
                "trained": fields.get("trained", 0),
                **({"reason": skipped} if skipped else {}),
            }
            status = "skipped" if skipped else "ok"
            self.record.add_round(self.training, RoundRow(round_, NETWORK, "train", status, figures), now=now)
        elif event == "result":
            metrics = dict(fields.get("metrics", {}))
            for node in metrics.pop("nodes", ()):
                self.record.add_round(self.training, _node_row(0, "evaluate", node), now=now)
            self.record.finish(self.training, model=dict(fields.get("model", {})), metrics=metrics, now=now)
        elif event == "failed":
            self.record.set_state(
                self.training, TrainingState.FAILED, now=now, detail=str(fields.get("error", ""))
            )


def _node_row(round_: int, stage: str, node: Mapping[str, Any]) -> RoundRow:
    status = _STATUS.get(str(node.get("status", "")), "failed")
    if status == "refused" and node.get("rule") in _SKIPS:
        status = "skipped"
    figures = {key: node[key] for key in ("rule", "reason") if node.get(key)}
    return RoundRow(round_, str(node.get("node", "")), stage, status, figures)


def record_logs(config: Mapping[str, UserConfigValue]) -> tuple[Reporter, Reporter]:
    """The run config's training record (``record``, ``training``) as the ServerApp's reporters."""
    path, training = config.get("record"), config.get("training")
    if not isinstance(path, str) or not path or not isinstance(training, str) or not training:
        raise ConfigError(
            "the run names no training record",
            hint="start trainings through the hub (POST /api/learning/trainings)",
        )
    reporter = RecordReporter(TrainingRecord(Path(path)), training)
    return reporter, reporter


app = make_server_app(open_logs=record_logs)
