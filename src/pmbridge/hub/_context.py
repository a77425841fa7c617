"""What a running hub holds: its registry, its links to the nodes (one HTTP client for fan-out,
which signs every request with the hub's key), the key itself, the hub's audit log and its gate,
and its view of the nodes' health with each node's breaker."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from fastapi import Request

from pmbridge.audit import AuditLog
from pmbridge.beacon import AdmissionGate
from pmbridge.errors import ConfigError
from pmbridge.hub._access_desk import AccessDesk
from pmbridge.hub._access_loop import AccessLoop
from pmbridge.hub._breaker import Breakers
from pmbridge.hub._fanout import NodeReply, NodeStatus, fan_out
from pmbridge.hub._health import ALIVE, HealthCache, HealthReading
from pmbridge.hub._learning import LearningDesk
from pmbridge.hub._links import NodeLinks
from pmbridge.hub._registry import HubConfig, NodeEntry
from pmbridge.hub._release_settings import HubRelease
from pmbridge.signing import SigningKey, load_signing_key


@dataclass(frozen=True, slots=True)
class HubContext:
    config: HubConfig
    links: NodeLinks
    key: SigningKey
    audit: AuditLog
    release: HubRelease
    gate: AdmissionGate
    access: AccessDesk
    access_loop: AccessLoop
    learning: LearningDesk
    health: HealthCache = field(init=False)  # each node's /health reading, one probe at a time
    breakers: Breakers = field(init=False)  # each node's breaker

    def __post_init__(self) -> None:
        config = self.config
        nodes = {n.id: n for n in config.nodes}

        def probe_wanted(node: str, since: float | None) -> None:
            if node in nodes:
                self.health.refresh(nodes[node], newer_than=since)

        def heard(node: str, reading: HealthReading) -> None:
            self.breakers.health(node, ok=reading.reply.status in ALIVE, started=reading.started)

        breakers = Breakers(
            timeouts=config.breaker_timeouts,
            cool_down=config.breaker_cool_down_seconds,
            clock=time.monotonic,
            wants_probe=probe_wanted,
        )
        health = HealthCache(
            self._probe, max_age=config.health_cache_seconds, clock=time.monotonic, on_reading=heard
        )
        object.__setattr__(self, "breakers", breakers)  # frozen: set once, here
        object.__setattr__(self, "health", health)

    async def _probe(self, node: NodeEntry) -> NodeReply:
        """One ``/health`` request to ``node`` under the hub's whole deadline; it bypasses the
        breakers (it is how an open one learns that its node is back)."""
        (reply,) = await fan_out(
            "GET",
            "/health",
            nodes=[node],
            deadline=self.config.deadline_seconds,
            max_reply_bytes=self.config.max_reply_bytes,
            links=self.links.probes,  # never behind slow questions
            max_skew=self.config.max_clock_skew_seconds,
            audit=self.audit,
        )
        return reply

    async def ask(
        self,
        method: str,
        path: str,
        *,
        json_body: object = None,
        headers: Mapping[str, str] | None = None,
        nodes: Sequence[NodeEntry] | None = None,
        max_reply_bytes: int | None = None,
    ) -> list[NodeReply]:
        """:func:`fan_out` to ``nodes`` (default: every registered node) under this hub's deadline,
        reply cap, skew window, audit log and breakers (a node whose breaker is open is ``skipped``);
        what each node did tells the health cache when its kept reading is out of date."""
        replies = await fan_out(
            method,
            path,
            nodes=self.config.nodes if nodes is None else nodes,
            json_body=json_body,
            deadline=self.config.deadline_seconds,
            max_reply_bytes=max_reply_bytes or self.config.max_reply_bytes,
            links=self.links,
            headers=headers,
            max_skew=self.config.max_clock_skew_seconds,
            audit=self.audit,
            breakers=self.breakers,
        )
        for reply in replies:
            if reply.status is not NodeStatus.SKIPPED:
                self.health.heard_from(reply.node.id, reply.status)
        return replies


def hub_of(request: Request) -> HubContext:
    """The context of the hub serving ``request`` (set by the app's lifespan), for routers mounted
    on the hub such as the portal's."""
    ctx = request.app.state.hub
    assert isinstance(ctx, HubContext)
    return ctx


def load_hub_key(config: HubConfig) -> SigningKey:
    """The hub's private key, or a ``ConfigError`` naming ``hub.private_key`` when it is not set."""
    if config.private_key is None:
        raise ConfigError(
            f"hub {config.id}: hub.private_key is not set, so the hub cannot sign its requests to nodes",
            hint='pmbridge keys generate --out keys --name hub, then set hub.private_key = "keys/hub.key"',
        )
    return load_signing_key(config.private_key)
