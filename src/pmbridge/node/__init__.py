"""A node: one biobank or hospital answering the network from its own store."""

from pmbridge.node._app import create_node_app
from pmbridge.node._config import NodeConfig, load_node_config, parse_node_config
from pmbridge.node._contacts import ContactEntry, inbox_path, list_contacts
from pmbridge.node._context import NodeContext, open_node
from pmbridge.node._learning_start import start_node_learning
from pmbridge.node._query import QueryPlan, exact_variant, plan_query, store_variant
from pmbridge.node._release import Release, granted_granularity, release
from pmbridge.node._routes_entries import answer_entries
from pmbridge.node._settings import DatasetSettings, NodeFile, NodeLearningSettings, NodeSettings, ReleaseCaps

__all__ = [
    "ContactEntry",
    "DatasetSettings",
    "NodeConfig",
    "NodeContext",
    "NodeFile",
    "NodeLearningSettings",
    "NodeSettings",
    "QueryPlan",
    "Release",
    "ReleaseCaps",
    "answer_entries",
    "create_node_app",
    "exact_variant",
    "granted_granularity",
    "inbox_path",
    "list_contacts",
    "load_node_config",
    "open_node",
    "parse_node_config",
    "plan_query",
    "release",
    "start_node_learning",
    "store_variant",
]
