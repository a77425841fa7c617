"""What a running hub holds: its registry, its links to the nodes (one HTTP client for fan-out,
which signs every request with the hub's key), the key itself, the hub's audit log and its gate."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fastapi import Request

from pmbridge.audit import AuditLog
from pmbridge.beacon import AdmissionGate
from pmbridge.errors import ConfigError
from pmbridge.hub._access_desk import AccessDesk
from pmbridge.hub._access_loop import AccessLoop
from pmbridge.hub._fanout import NodeReply, fan_out
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
        reply cap, skew window and audit log."""
        return await fan_out(
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
        )


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
