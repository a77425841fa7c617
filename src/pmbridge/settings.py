"""Every configuration setting of a node and a hub, declared once: name, default and help.

Config files are TOML; docs/configuration.md documents each setting (a test keeps them in step).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["HUB_SETTINGS", "NODE_SETTINGS", "Setting"]


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting: its dotted TOML name, default (None = required) and what it does."""

    name: str
    default: object
    help: str


NODE_SETTINGS: tuple[Setting, ...] = (
    Setting("node.id", None, "Stable identifier of the node in the network, e.g. 'eu-rome'."),
    Setting("node.name", None, "Human-readable name of the institution or biobank."),
    Setting("node.jurisdiction", None, "Legal area of the node's data: 'EU' or 'CN'."),
    Setting("node.country", None, "ISO 3166-1 alpha-2 country code of the node, e.g. 'IT'."),
    Setting("node.store", "store.duckdb", "Path of the node's DuckDB file, relative to the config file."),
    Setting(
        "node.data_dir",
        None,
        "Reference-data directory (HPO release, Chinese labels); see docs/reference-data.md for the "
        "lookup order when unset.",
    ),
    Setting("datasets[].id", None, "Dataset identifier; records are ingested into a dataset."),
    Setting("datasets[].name", None, "Dataset name shown in catalogues."),
    Setting("datasets[].description", "", "Free-text description of the dataset."),
    Setting("datasets[].duo", ["DUO:0000042"], "Data-use conditions as GA4GH DUO term ids."),
    Setting("datasets[].release.public", "boolean", "Most a public (anonymous) requester gets."),
    Setting("datasets[].release.registered", "count", "Most a registered researcher gets."),
    Setting(
        "datasets[].release.controlled", "record", "Most a researcher with a controlled-access grant gets."
    ),
)

HUB_SETTINGS: tuple[Setting, ...] = (
    Setting("hub.id", "pmbridge-hub", "Identifier of the hub, used as the network Beacon's id."),
    Setting("hub.name", "PM Bridge network", "Human-readable name of the network."),
    Setting(
        "hub.deadline_seconds", 5.0, "Per-node deadline of a fan-out; slower nodes are reported as 'timeout'."
    ),
    Setting(
        "hub.max_reply_bytes", 5_000_000, "Largest reply accepted from a node; larger ones are rejected."
    ),
    Setting(
        "hub.state_dir",
        "hub-state",
        "Folder of the hub's own state (audit log, ledgers, knowledge base), relative to the config file.",
    ),
    Setting(
        "hub.data_dir",
        None,
        "Reference-data directory (HPO release, Chinese labels) for the portal and ranking; see "
        "docs/reference-data.md for the lookup order when unset.",
    ),
    Setting("nodes[].id", None, "Node identifier, as in the node's own config."),
    Setting("nodes[].url", None, "Base URL of the node, e.g. 'http://127.0.0.1:8101'."),
    Setting("nodes[].jurisdiction", None, "The node's legal area: 'EU' or 'CN'."),
    Setting("nodes[].country", None, "ISO 3166-1 alpha-2 country code of the node."),
    Setting("nodes[].name", "", "Human-readable node name."),
)
