"""The hub's side of a deployment run: submit PM Bridge's app (the FAB built from the installed
package, never a caller's) to a SuperLink's Control API with a run config, and wait, bounded, for
the run to finish.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from flwr.cli.cli_client_interceptor import CliClientHttpInterceptor
from flwr.common.constant import Status, SubStatus
from flwr.common.serde import fab_to_proto, user_config_to_proto
from flwr.proto.control_pb2 import ListRunsRequest, StartRunRequest
from flwr.supercore.control.control_http_client import ControlHttpClient
from flwr.supercore.fab import Fab
from flwr.supercore.interceptors import RuntimeVersionHttpInterceptor

from pmbridge.errors import UpstreamError
from pmbridge.flower._fab import AppBundle, pmbridge_bundle

POLL_SECONDS: Final = 0.5
RunConfig = Mapping[str, str | int | float | bool]


@dataclass(frozen=True, slots=True)
class RunOutcome:
    run_id: int
    sub_status: str
    details: str

    @property
    def completed(self) -> bool:
        return self.sub_status == SubStatus.COMPLETED


def _control(address: str) -> ControlHttpClient:
    return ControlHttpClient.from_server_address(
        server_address=address,
        insecure=True,
        root_certificates=None,
        interceptors=[CliClientHttpInterceptor(), RuntimeVersionHttpInterceptor(component_name="flwr CLI")],
    )


def start_run(control: str, config: RunConfig, *, bundle: AppBundle | None = None) -> int:
    """Start a run of ``bundle`` (default: pmbridge's own app) with ``config`` over its defaults."""
    app = bundle or pmbridge_bundle()
    client = _control(control)
    try:
        response = client.StartRun(
            StartRunRequest(
                fab=fab_to_proto(Fab(app.sha256, app.content, {})),
                override_config=user_config_to_proto(dict(config)),
            )
        )
    except Exception as exc:
        raise UpstreamError(f"the SuperLink at {control} refused the run: {exc}", hint="see its log") from exc
    finally:
        client.close()
    if not response.HasField("run_id"):
        raise UpstreamError(f"the SuperLink at {control} started no run", hint="see its log")
    return int(response.run_id)


def wait_for_run(control: str, run_id: int, *, seconds: float) -> RunOutcome:
    """The run's final status once it has finished; UpstreamError after ``seconds``."""
    client = _control(control)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            runs = client.ListRuns(ListRunsRequest(run_id=run_id)).run_dict
            run = runs.get(run_id)
            if run is not None and run.status.status == Status.FINISHED:
                return RunOutcome(run_id, run.status.sub_status, run.status.details)
            time.sleep(POLL_SECONDS)
    finally:
        client.close()
    raise UpstreamError(
        f"run {run_id} did not finish within {seconds:g} s", hint="see the SuperLink and SuperNode logs"
    )
