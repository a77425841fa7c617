"""Keys for tests that build node and hub configs in process: real keys, verification left on.

One hub key for the session; each node gets its own key pair, saved (mode 600) under the folder
its config lives in, and its own audit log, so two contexts on one folder never share a log.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from pathlib import Path

from pmbridge.hub import HubConfig, HubReleaseSettings, NodeEntry
from pmbridge.node import NodeContext
from pmbridge.signing import (
    SignedRequests,
    SigningKey,
    VerifyingKey,
    generate_key_pair,
    load_signing_key,
    save_key_pair,
)
from tests.release import EXACT_HUB

HUB_KEY = generate_key_pair()


def node_key(root: Path, name: str) -> SigningKey:
    """The key pair of node ``name`` under ``root/keys`` (made on first use, then reused)."""
    private = root / "keys" / f"{name}.key"
    if private.exists():
        return load_signing_key(private)
    key = generate_key_pair()
    save_key_pair(key, directory=root / "keys", name=name, overwrite=True)
    return key


def trusted(config: Mapping[str, object], root: Path, *, node_id: str | None = None) -> dict[str, object]:
    """``config`` (a node TOML as a dict, relative to ``root``) with its trust settings filled in:
    its own key, the session hub's public key and its own audit log; ``node_id`` renames the node."""
    doc = copy.deepcopy(dict(config))
    node = dict(doc["node"])  # type: ignore[call-overload]
    name = node_id or str(node["id"])
    node_key(root, name)
    node.update(
        id=name,
        private_key=f"keys/{name}.key",
        hub_public_key=HUB_KEY.verifying_key.text,
        audit_log=f"audit-{name}.jsonl",
    )
    doc["node"] = node
    return doc


def hub_key_file(root: Path) -> Path:
    """The session hub key saved as ``root/keys/hub.key``, for a hub config to name."""
    private = root / "keys" / "hub.key"
    if not private.exists():
        save_key_pair(HUB_KEY, directory=root / "keys", name="hub", overwrite=True)
    return private


def hub_config(
    entries: Sequence[NodeEntry],
    root: Path,
    *,
    id: str = "org.example.hub",
    name: str = "Network",
    deadline: float = 5.0,
    max_reply_bytes: int = 5_000_000,
    release: HubReleaseSettings = EXACT_HUB,
) -> HubConfig:
    """A hub signing with the session hub key (saved under ``root``), its state in ``root``;
    ``release`` defaults to passing every number through exactly (tests/release.py)."""
    return HubConfig(
        id,
        name,
        deadline,
        max_reply_bytes,
        tuple(entries),
        state_dir=root / "hub-state",
        private_key=hub_key_file(root),
        release=release,
    )


def node_public_key(contexts: Mapping[str, NodeContext], node: str) -> VerifyingKey | None:
    """The public key of an in-process node, as the hub's registry lists it (None: no such node)."""
    return contexts[node].key.verifying_key if node in contexts else None


def as_hub(node_id: str) -> SignedRequests:
    """``auth=`` for a client that talks to node ``node_id`` directly, signing as the hub does."""
    return SignedRequests(HUB_KEY, audience=node_id)
