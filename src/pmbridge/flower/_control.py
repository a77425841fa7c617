"""The hub's side of a deployment run, on the SuperLink's Control API (over TLS where the SuperLink
serves it): register the nodes' SuperNode keys, so that only they connect and each Flower node id
names one registered node; submit PM Bridge's app (the FAB built from the installed package, never
a caller's) with a run config; and wait, bounded, for the run to finish.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from flwr.cli.cli_client_interceptor import CliClientHttpInterceptor
from flwr.common.constant import Status, SubStatus
from flwr.common.serde import fab_to_proto, user_config_to_proto
from flwr.proto.control_pb2 import (
    ListNodesRequest,
    ListRunsRequest,
    RegisterNodeRequest,
    StartRunRequest,
    UnregisterNodeRequest,
)
from flwr.supercore.control.control_http_client import ControlHttpClient
from flwr.supercore.fab import Fab
from flwr.supercore.interceptors import RuntimeVersionHttpInterceptor

from pmbridge.errors import ConfigError, PMBridgeError, UpstreamError
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


@dataclass(frozen=True, slots=True)
class ControlLink:
    """Where the hub reaches its SuperLink's Control API: ``host:port``, and the CA of the SuperLink's
    TLS certificate (None: plain HTTP, which the settings accept on the loopback only)."""

    address: str
    ca: Path | None = None

    def __str__(self) -> str:
        return self.address


def _control(link: ControlLink) -> ControlHttpClient:
    try:
        ca = None if link.ca is None else link.ca.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"cannot read the SuperLink's CA certificate {link.ca}: {exc}",
            hint="set learning.root_certificates to the CA that signed the SuperLink's certificate",
        ) from None
    return ControlHttpClient.from_server_address(
        server_address=link.address,
        insecure=ca is None,
        root_certificates=ca,
        interceptors=[CliClientHttpInterceptor(), RuntimeVersionHttpInterceptor(component_name="flwr CLI")],
    )


def _refused(control: ControlLink, what: str, exc: Exception) -> UpstreamError:
    """The SuperLink's failure, with the fix where the cause is known."""
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
        hint = (
            "the SuperLink's certificate does not verify against learning.root_certificates: set it to "
            "the PEM of the CA that signed the SuperLink's certificate (and use the name or address the "
            "certificate was issued for in learning.control)"
        )
    elif "disconnected without sending a response" in text and control.ca is None:
        hint = "the SuperLink may serve TLS: set learning.root_certificates to its CA's PEM"
    else:
        hint = "check that the SuperLink runs at learning.control, and see its log"
    return UpstreamError(f"the SuperLink at {control} {what}: {exc}", hint=hint)


def register_nodes(control: ControlLink, keys: Mapping[str, bytes]) -> dict[int, str]:
    """Register each node's SuperNode public key (PEM) at the SuperLink, once (a key registered
    before is kept; one no longer in ``keys`` is unregistered, so a replaced or removed node's key
    stops connecting), and return which Flower node id is which node. The SuperLink must authenticate
    SuperNodes (``--enable-supernode-auth``), so that only these keys connect."""
    client = _control(control)
    try:
        known = _registered(client)
        for key, (node_id, _name) in known.items():  # a key the registry no longer lists
            if key not in keys.values():
                client.UnregisterNode(UnregisterNodeRequest(node_id=node_id))
        for name, key in keys.items():
            if key not in known:
                client.RegisterNode(RegisterNodeRequest(public_key=key, name=name))
        known = _registered(client)
    except PMBridgeError:
        raise
    except Exception as exc:
        raise _refused(control, "did not register the nodes' keys", exc) from exc
    finally:
        client.close()
    # By key only: the name Flower stores is a label, not who the key belongs to.
    found = {name: known[key][0] for name, key in keys.items() if key in known}
    missing = sorted(set(keys) - set(found))
    if missing:
        raise UpstreamError(
            f"the SuperLink at {control} lists no SuperNode for {', '.join(missing)}",
            hint="see the SuperLink's log",
        )
    return {node_id: name for name, node_id in found.items()}


def _registered(client: ControlHttpClient) -> dict[bytes, tuple[int, str]]:
    """Registered keys (PEM) → (Flower node id, the name it was registered with)."""
    return {
        bytes(info.public_key): (int(info.node_id), info.name)
        for info in client.ListNodes(ListNodesRequest()).nodes_info
        if not info.HasField("unregistered_at")
    }


def start_run(control: ControlLink, config: RunConfig, *, bundle: AppBundle | None = None) -> int:
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
        raise _refused(control, "refused the run", exc) from exc
    finally:
        client.close()
    if not response.HasField("run_id"):
        raise UpstreamError(f"the SuperLink at {control} started no run", hint="see its log")
    return int(response.run_id)


def wait_for_run(control: ControlLink, run_id: int, *, seconds: float) -> RunOutcome:
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
