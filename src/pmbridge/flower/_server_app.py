"""PM Bridge's ServerApp: beside the hub, it runs a vetted training over the connected nodes and
reports its progress and result (by default as JSON lines to the paths the hub put in the run config)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

from flwr.app import Context, UserConfigValue
from flwr.serverapp import Grid, ServerApp

from pmbridge.errors import PMBridgeError, QueryError
from pmbridge.flower import _wire as w
from pmbridge.flower._client_app import SpecReader, run_config, run_spec
from pmbridge.flower._hub_rounds import run_training, wait_for_nodes
from pmbridge.flower._progress import ProgressLog, Reporter

DEFAULT_MIN_COUNT = 5
"""The hub's own threshold for sizes it reports (each node has already applied its own)."""


def _path(config: Mapping[str, UserConfigValue], key: str) -> Path | None:
    value = config.get(key)
    return Path(value) if isinstance(value, str) and value else None


def _float(config: Mapping[str, UserConfigValue], key: str, default: float) -> float:
    value = config.get(key, default)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else default


def registered_nodes(config: Mapping[str, UserConfigValue]) -> dict[int, str] | None:
    """The run config's SuperNodes registered by key (Flower node id → node); None when the hub
    registered none (a SuperLink without SuperNode authentication, on one machine)."""
    raw = config.get(w.NODE_IDS)
    if not isinstance(raw, str) or not raw:
        return None
    try:
        return {int(node_id): str(name) for node_id, name in json.loads(raw).items()}
    except (ValueError, AttributeError) as exc:
        raise QueryError(
            f"the run's {w.NODE_IDS} is not a JSON object of node ids ({exc})",
            hint="start trainings through the hub",
        ) from None


LogOpener = Callable[[Mapping[str, UserConfigValue]], tuple[Reporter, Reporter]]
"""The run config → (progress, result) reporters."""


def json_logs(config: Mapping[str, UserConfigValue]) -> tuple[Reporter, Reporter]:
    """JSON-lines files at the run config's ``progress-path`` and ``result-path``."""
    return ProgressLog(_path(config, w.PROGRESS_PATH)), ProgressLog(_path(config, w.RESULT_PATH))


def train_on_grid(
    grid: Grid,
    config: Mapping[str, UserConfigValue],
    run_id: int,
    *,
    read_spec: SpecReader = run_spec,
    open_logs: LogOpener = json_logs,
) -> None:
    """One training over ``grid`` as ``config`` (the run config) asks, reported to ``open_logs``."""
    spec, run = read_spec(config, run_id)
    progress, result = open_logs(config)
    try:
        registered = registered_nodes(config)
        nodes = wait_for_nodes(
            grid,
            count=int(_float(config, w.MIN_NODES, 2)),
            expected=int(_float(config, w.EXPECTED_NODES, 0)),
            seconds=_float(config, w.CONNECT_TIMEOUT, 120.0),
            registered=registered,
        )
        progress.write("started", run=run, nodes=len(nodes), rounds=spec.rounds, task=spec.task)
        model, metrics = run_training(
            grid,
            spec,
            nodes=nodes,
            timeout=_float(config, w.ROUND_TIMEOUT, 600.0),
            progress=progress,
            min_count=DEFAULT_MIN_COUNT,
            min_nodes=int(_float(config, w.MIN_NODES, 2)),
            registered=registered,
        )
        shown = {} if model is None else {"kind": spec.model, "array": model.tolist()}
        result.write("result", run=run, model=shown, metrics=metrics)
        progress.write("finished", run=run)
    except Exception as exc:
        progress.write(
            "failed", run=run, error=str(exc) if isinstance(exc, PMBridgeError) else type(exc).__name__
        )
        raise


def make_server_app(
    *,
    fixed: Mapping[str, UserConfigValue] | None = None,
    read_spec: SpecReader = run_spec,
    open_logs: LogOpener = json_logs,
) -> ServerApp:
    """The ServerApp, with ``fixed`` run config over Flower's (for the simulation), the spec read by
    ``read_spec`` and reports to ``open_logs`` (the hub's own record, say)."""
    server = ServerApp()

    @server.main()
    def _main(grid: Grid, context: Context) -> None:
        config = run_config(context, fixed)
        train_on_grid(grid, config, context.run_id, read_spec=read_spec, open_logs=open_logs)

    return server
