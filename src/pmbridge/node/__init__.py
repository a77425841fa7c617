"""A node: one biobank or hospital answering the network from its own store."""

from pmbridge.node._app import create_node_app
from pmbridge.node._config import NodeConfig, load_node_config, parse_node_config
from pmbridge.node._context import NodeContext, open_node
from pmbridge.node._release import CountRelease, release_counts
from pmbridge.node._routes_individuals import answer_individuals

__all__ = [
    "CountRelease",
    "NodeConfig",
    "NodeContext",
    "answer_individuals",
    "create_node_app",
    "load_node_config",
    "open_node",
    "parse_node_config",
    "release_counts",
]
