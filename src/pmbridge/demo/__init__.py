"""The local demo network: synthetic cohorts on three nodes (two EU, one CN) and a hub."""

from pmbridge.demo._build import build_demo, is_built
from pmbridge.demo._delphi import DEMO_STUDY_TITLE, seed_delphi_study
from pmbridge.demo._keys import ensure_demo_keys
from pmbridge.demo._layout import (
    DEMO_NODES,
    DEMO_ORGANISER,
    HUB_KEY_NAME,
    DemoNode,
    DemoPaths,
    write_hub_config,
    write_node_config,
)
from pmbridge.demo._ports import check_demo_ports
from pmbridge.demo._processes import Launch, Service, Supervisor
from pmbridge.demo._reference import ensure_reference_data
from pmbridge.demo._run import run_demo, start_network, summary

__all__ = [
    "DEMO_NODES",
    "DEMO_ORGANISER",
    "DEMO_STUDY_TITLE",
    "HUB_KEY_NAME",
    "DemoNode",
    "DemoPaths",
    "Launch",
    "Service",
    "Supervisor",
    "build_demo",
    "check_demo_ports",
    "ensure_demo_keys",
    "ensure_reference_data",
    "is_built",
    "run_demo",
    "seed_delphi_study",
    "start_network",
    "summary",
    "write_hub_config",
    "write_node_config",
]
