"""The demo network's key pairs: one for the hub and one per node, made on the first build, then reused.

Reusing them matters beyond speed: a node whose key changed would no longer match the hub's
registry, and its audit log, signed with the old key, could no longer be verified with the new one.
"""

from __future__ import annotations

from pmbridge.demo._layout import DEMO_NODES, HUB_KEY_NAME, DemoPaths
from pmbridge.signing import (
    VerifyingKey,
    generate_key_pair,
    load_signing_key,
    local_certificates,
    new_supernode_key,
    save_key_pair,
)


def ensure_demo_keys(paths: DemoPaths) -> dict[str, VerifyingKey]:
    """Create any missing key pair (hub, each node) under ``paths.keys_dir``; name -> public key."""
    found: dict[str, VerifyingKey] = {}
    for name in (HUB_KEY_NAME, *(node.id for node in DEMO_NODES)):
        private = paths.private_key(name)
        if private.exists():
            found[name] = load_signing_key(private).verifying_key
            continue
        key = generate_key_pair()
        save_key_pair(key, directory=paths.keys_dir, name=name, overwrite=True)
        found[name] = key.verifying_key
    ensure_learning_keys(paths)
    return found


def ensure_learning_keys(paths: DemoPaths) -> None:
    """Federated learning's transport: each node's SuperNode key and the local CA and certificate
    the demo's SuperLink serves TLS with (made once, then reused)."""
    for node in DEMO_NODES:
        if not paths.supernode_key(node.id).exists():
            new_supernode_key(paths.supernode_key(node.id))
    local_certificates(paths.superlink_tls)
