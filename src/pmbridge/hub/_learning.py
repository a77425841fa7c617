"""The hub's learning desk: starts a vetted training on the SuperLink under a signed grant, and shows
its progress and model to the researcher who started it (docs/learning.md).

The hub decides nothing about a node's data: it names every registered node in the grant, and each
node admits or refuses the training itself (policy, minimum count, ε budget); its refusal and the
rule behind it show in the training's progress.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import anyio

from pmbridge.errors import NotFound, PassportRejected, PMBridgeError, UpstreamError
from pmbridge.flower._control import ControlLink, register_nodes, start_run
from pmbridge.flower._secagg import check_secure_nodes
from pmbridge.flower._trainings import TRAININGS_FILE, Training, TrainingRecord, TrainingState
from pmbridge.flower._wire import NODE_IDS
from pmbridge.hub._registry import HubConfig
from pmbridge.learning import TrainingSpec, issue_grant, sign_grant, spec_to_wire
from pmbridge.policy import Researcher
from pmbridge.signing import SigningKey

log = logging.getLogger(__name__)

RunStarter = Callable[[ControlLink, Mapping[str, str | int | float | bool]], int]
"""Starts PM Bridge's Flower app on the SuperLink's Control API with a run config; returns Flower's run id."""
Registrar = Callable[[ControlLink, Mapping[str, bytes]], dict[int, str]]
"""Registers the nodes' SuperNode keys at the SuperLink; returns Flower node id → node."""


@dataclass(frozen=True, slots=True)
class Trainer:
    """Who starts a training: their passport's identity and the purpose they declared."""

    researcher: Researcher
    purpose: str

    @property
    def issuer(self) -> str:
        return self.researcher.issuer or ""

    @classmethod
    def of(cls, researcher: Researcher, purpose: str) -> Trainer:
        """The trainer of a verified passport; a training binds a person, so none is anonymous."""
        if researcher.is_anonymous or researcher.issuer is None:
            raise PassportRejected(
                "missing",
                "a training needs a signed-in researcher: it is charged to their privacy budget",
                hint="sign in (the portal's Account page, or send your passport as a bearer token)",
            )
        return cls(researcher, purpose)


class LearningDesk:
    def __init__(
        self,
        config: HubConfig,
        key: SigningKey,
        *,
        starter: RunStarter = start_run,
        registrar: Registrar = register_nodes,
        record: TrainingRecord | None = None,
    ) -> None:
        self.config = config
        self.key = key
        self.starter = starter
        self.registrar = registrar
        self.record = record or TrainingRecord(config.state_dir / TRAININGS_FILE)

    def _require_enabled(self) -> None:
        if not self.config.learning.enabled:
            raise NotFound(
                f"hub {self.config.id} does not offer federated learning",
                hint="the hub's operator turns it on with [learning] enabled = true and a SuperLink "
                "(docs/learning.md)",
            )

    async def start(self, who: Trainer, spec: TrainingSpec, *, now: datetime | None = None) -> Training:
        """Record the training, sign its grant and start it on the SuperLink; a SuperLink that cannot
        be reached leaves the training recorded as failed, with why, and answers 502."""
        self._require_enabled()
        now = now or datetime.now(UTC)
        keys = self.keys
        # With registered keys, only those nodes can connect, so only they are asked.
        nodes = tuple(keys) if keys else tuple(node.id for node in self.config.nodes)
        if spec.secure_aggregation:
            check_secure_nodes(len(nodes))  # 400 now, not a failed run later
        training_id = uuid.uuid4().hex
        grant = issue_grant(
            run_id=training_id,
            spec=spec,
            researcher=who.researcher,
            purpose=who.purpose,
            nodes=nodes,
            now=now,
        )
        self.record.create(
            id=training_id,
            researcher=who.researcher.id,
            issuer=who.issuer,
            purpose=who.purpose,
            spec=spec_to_wire(spec),
            nodes=nodes,
            now=now,
        )
        run_config: dict[str, str | int | float | bool] = {
            "grant": sign_grant(grant, self.key),
            "spec": json.dumps(spec_to_wire(spec)),
            "training": training_id,
            "record": str(self.record.path.resolve()),
            "round-timeout": float(self.config.learning.round_timeout_seconds),
            "connect-timeout": float(self.config.learning.round_timeout_seconds),
            "expected-nodes": len(nodes),
            "min-nodes": min(len(nodes), self.config.release.privacy.min_contributing_nodes),
        }
        try:
            if keys:
                registered = await anyio.to_thread.run_sync(self.registrar, self.control, keys)
                run_config[NODE_IDS] = json.dumps({str(i): name for i, name in sorted(registered.items())})
            flower_run = await anyio.to_thread.run_sync(self.starter, self.control, run_config)
        except PMBridgeError as exc:
            self.record.set_state(training_id, TrainingState.FAILED, now=datetime.now(UTC), detail=str(exc))
            raise UpstreamError(
                f"the training could not be started: {exc}",
                hint=exc.hint
                or "the hub's SuperLink is not reachable at learning.control; its operator should "
                "check that it runs (docs/learning.md)",
            ) from exc
        self.record.set_state(
            training_id, TrainingState.STARTED, now=datetime.now(UTC), flower_run=flower_run
        )
        return self.record.get(training_id)

    @property
    def keys(self) -> dict[str, bytes]:
        """The registry's SuperNode keys (PEM) by node, of the nodes that have one."""
        return {node.id: node.flower_key for node in self.config.nodes if node.flower_key is not None}

    def register_in_background(self) -> None:
        """Register the nodes' keys at the SuperLink now (a thread, so the hub starts at once), so
        their SuperNodes connect before the first training; each training registers them again."""
        if not (self.config.learning.enabled and self.keys):
            return

        def register() -> None:
            try:
                self.registrar(self.control, self.keys)
            except PMBridgeError as exc:
                log.warning("the nodes' SuperNode keys are not registered yet: %s", exc)

        threading.Thread(target=register, name="register-supernodes", daemon=True).start()

    @property
    def control(self) -> ControlLink:
        """The SuperLink's Control API, over TLS where ``learning.root_certificates`` names its CA."""
        ca = self.config.learning.root_certificates
        return ControlLink(self.config.learning.control, None if ca is None else Path(ca))

    def get(self, who: Trainer, training_id: str) -> Training:
        """The training, to the researcher who started it only (anyone else: not found)."""
        self._require_enabled()
        training = self.record.get(training_id)
        if (training.issuer, training.researcher) != (who.issuer, who.researcher.id):
            raise NotFound(f"no training {training_id!r} of yours on this hub", hint="list yours first")
        return training

    def mine(self, who: Trainer) -> list[Training]:
        self._require_enabled()
        return self.record.list_for(issuer=who.issuer, researcher=who.researcher.id)
