"""A node's Flower SuperNode and its pinned runner, started from the node's own config
(``pmbridge node learn``): it connects out to the hub's SuperLink and runs only the app the node's
pmbridge ships (plus ``learning.allowed_apps``), its ClientApp reading this config."""

from __future__ import annotations

from pathlib import Path

from pmbridge.errors import ConfigError
from pmbridge.flower import Service, start_supernode
from pmbridge.flower._processes import flower_env
from pmbridge.node._config import load_node_config
from pmbridge.node._learning_client import CONFIG_KEY
from pmbridge.signing import is_loopback, supernode_public_line


def start_node_learning(config_path: Path, *, superlink: str | None = None) -> list[Service]:
    """Start the node's SuperNode and runner (logs in ``flower/`` beside its store); ``superlink``
    overrides ``learning.superlink`` (the demo's SuperLink listens on a port chosen at start)."""
    config = load_node_config(config_path)
    learning = config.learning
    if not learning.enabled:
        raise ConfigError(
            f"node {config.id} does not take part in federated learning",
            hint="set [learning] enabled = true in its config (docs/learning.md)",
        )
    address = superlink or learning.superlink
    if learning.root_certificates is None and not is_loopback(address):
        raise ConfigError(
            f"node {config.id}: the SuperLink at {address} is not on this machine, and plain HTTP would "
            "carry the training's updates unencrypted",
            hint="set learning.root_certificates to the PEM of the CA that signed the SuperLink's TLS "
            "certificate",
        )
    if learning.root_certificates is not None and learning.supernode_key is None:
        raise ConfigError(
            f"node {config.id}: a SuperLink served with TLS admits only SuperNodes whose key its hub "
            "registered, and learning.supernode_key is not set",
            hint="create one with `pmbridge node learn --config … --new-key` and send the line it prints "
            "to the hub's operator",
        )
    key = None if learning.supernode_key is None else Path(learning.supernode_key)
    if key is not None:
        supernode_public_line(key)  # a missing or unreadable key is named here, not in Flower's log
    work = config.store.parent / "flower"
    work.mkdir(parents=True, exist_ok=True)
    node, runner = start_supernode(
        work,
        name=config.id,
        superlink=address,
        node_config={"name": config.id, CONFIG_KEY: str(config_path.resolve())},
        allow=list(learning.allowed_apps),
        env=flower_env(work / "home"),
        root_certificates=learning.root_certificates,
        auth_key=key,
        max_wait=None,
    )
    return [node, runner]
