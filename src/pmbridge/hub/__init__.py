"""The hub: node registry, concurrent deadline-bound fan-out, merging, and the network Beacon."""

from pmbridge.hub._app import create_hub_app
from pmbridge.hub._fanout import NodeReply, NodeStatus, fan_out
from pmbridge.hub._merge import NetworkAnswer, NodeOutcome, NodeSet, merge_replies
from pmbridge.hub._registry import HubConfig, NodeEntry, load_hub_config, parse_hub_config

__all__ = [
    "HubConfig",
    "NetworkAnswer",
    "NodeEntry",
    "NodeOutcome",
    "NodeReply",
    "NodeSet",
    "NodeStatus",
    "create_hub_app",
    "fan_out",
    "load_hub_config",
    "merge_replies",
    "parse_hub_config",
]
