"""The hub: node registry, concurrent deadline-bound fan-out, merging, and the network Beacon."""

from pmbridge.hub._access_parties import Steward
from pmbridge.hub._access_settings import AccessTable
from pmbridge.hub._access_visas import passport_grants
from pmbridge.hub._app import create_hub_app
from pmbridge.hub._broker import BROKER_PUBLIC_KEY, demo_token, load_broker_key
from pmbridge.hub._consensus_settings import ConsensusTable
from pmbridge.hub._context import HubContext, hub_of
from pmbridge.hub._fanout import NodeReply, NodeStatus, fan_out
from pmbridge.hub._links import NodeLinks
from pmbridge.hub._merge import NetworkAnswer, NodeOutcome, NodeSet, merge_replies
from pmbridge.hub._registry import HubConfig, NodeEntry, load_hub_config, parse_hub_config
from pmbridge.hub._release_settings import HubReleaseSettings
from pmbridge.hub._request_limits import RateLimitSettings, client_address
from pmbridge.hub._settings import (
    HubFile,
    HubLearningSettings,
    HubSettings,
    NodeEntrySettings,
    RateLimitTable,
)

__all__ = [
    "BROKER_PUBLIC_KEY",
    "AccessTable",
    "ConsensusTable",
    "HubConfig",
    "HubContext",
    "HubFile",
    "HubLearningSettings",
    "HubReleaseSettings",
    "HubSettings",
    "NetworkAnswer",
    "NodeEntry",
    "NodeEntrySettings",
    "NodeLinks",
    "NodeOutcome",
    "NodeReply",
    "NodeSet",
    "NodeStatus",
    "RateLimitSettings",
    "RateLimitTable",
    "Steward",
    "client_address",
    "create_hub_app",
    "demo_token",
    "fan_out",
    "hub_of",
    "load_broker_key",
    "load_hub_config",
    "merge_replies",
    "parse_hub_config",
    "passport_grants",
]
