"""The local demo network: synthetic cohorts on three nodes (two EU, one CN) and a hub."""

from pmbridge.demo._build import build_demo, is_built
from pmbridge.demo._keys import ensure_demo_keys
from pmbridge.demo._layout import (
    DEMO_NODES,
    HUB_KEY_NAME,
    DemoNode,
    DemoPaths,
    write_hub_config,
    write_node_config,
)
from pmbridge.demo._processes import Service, Supervisor
from pmbridge.demo._run import run_demo, start_network

__all__ = [
    "DEMO_NODES",
    "HUB_KEY_NAME",
    "DemoNode",
    "DemoPaths",
    "Service",
    "Supervisor",
    "build_demo",
    "ensure_demo_keys",
    "is_built",
    "run_demo",
    "start_network",
    "write_hub_config",
    "write_node_config",
]
