"""PM Bridge on Flower: the one pinned Flower app's machinery (a node's rounds, the hub's rounds,
the app bundle and its pin, the runner that refuses any other app), the hub's training record, and
local SuperLink/SuperNode processes. The app's two components live where they belong: the ServerApp
in :mod:`pmbridge.hub`, the ClientApp in :mod:`pmbridge.node`.

Imports flwr and :mod:`pmbridge.learning`; never the hub, node, portal or CLI packages.
"""

from pmbridge.flower._client_app import DataLoader, SpecReader, make_client_app, run_spec
from pmbridge.flower._control import ControlLink, RunOutcome, register_nodes, start_run, wait_for_run
from pmbridge.flower._fab import (
    APP_DIR,
    AppBundle,
    build_bundle,
    fab_sha256,
    installed_component,
    pmbridge_bundle,
)
from pmbridge.flower._node_round import NodeData
from pmbridge.flower._pinning import APP_PIN_RULE, AppAllowList
from pmbridge.flower._processes import (
    LOOPBACK,
    Service,
    SuperLink,
    start_superlink,
    start_supernode,
    stop_all,
)
from pmbridge.flower._progress import ProgressLog, Reporter, read_lines
from pmbridge.flower._server_app import LogOpener, json_logs, make_server_app
from pmbridge.flower._trainings import (
    NETWORK,
    TRAININGS_FILE,
    RoundRow,
    Training,
    TrainingRecord,
    TrainingState,
)

__all__ = [
    "APP_DIR",
    "APP_PIN_RULE",
    "LOOPBACK",
    "NETWORK",
    "TRAININGS_FILE",
    "AppAllowList",
    "AppBundle",
    "ControlLink",
    "DataLoader",
    "LogOpener",
    "NodeData",
    "ProgressLog",
    "Reporter",
    "RoundRow",
    "RunOutcome",
    "Service",
    "SpecReader",
    "SuperLink",
    "Training",
    "TrainingRecord",
    "TrainingState",
    "build_bundle",
    "fab_sha256",
    "installed_component",
    "json_logs",
    "make_client_app",
    "make_server_app",
    "pmbridge_bundle",
    "read_lines",
    "register_nodes",
    "run_spec",
    "start_run",
    "start_superlink",
    "start_supernode",
    "stop_all",
    "wait_for_run",
]
