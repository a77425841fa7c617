"""The node's task runner: it takes the SuperNode's ClientApp tasks (``--isolation process``),
refuses any whose Flower app is not on the node's allow-list, and runs PM Bridge's own ClientApp,
imported from the installed package, for the rest. A FAB is never installed or imported here.

It stands where Flower's ``flower-superexec`` + ``flwr-clientapp`` pair would, and speaks the same
Runtime API to the SuperNode, so the SuperNode itself is Flower's, unmodified.
"""

from __future__ import annotations

import argparse
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from flwr.app import Context, Error, Message
from flwr.clientapp import ClientApp
from flwr.common.constant import ErrorCode, SubStatus
from flwr.proto.runtime_pb2 import AcquireTaskRequest
from flwr.proto.task_pb2 import Task
from flwr.supercore.constant import TaskType
from flwr.supercore.heartbeat import HeartbeatSender, make_task_heartbeat_fn_http
from flwr.supercore.interceptors import (
    RuntimeTokenHttpInterceptor,
    RuntimeVersionHttpInterceptor,
    SuperExecAuthHttpInterceptor,
)
from flwr.supercore.retry import make_simple_http_retry_invoker
from flwr.supercore.runtime import RuntimeHttpClient
from flwr.supernode.runtime.run_clientapp import pull_task_input, push_message, push_task_output

from pmbridge.errors import ConfigError, PMBridgeError, PolicyRefused
from pmbridge.flower._fab import installed_component
from pmbridge.flower._pinning import AppAllowList

LOG: Final = logging.getLogger("pmbridge.flower.runner")
POLL_SECONDS: Final = 0.2
RETRY_SECONDS: Final = 60.0
ACQUIRE_TASK: Final = "/flwr.proto.Runtime/AcquireTask"
Interceptor = RuntimeVersionHttpInterceptor | RuntimeTokenHttpInterceptor | SuperExecAuthHttpInterceptor


def _client(
    address: str, *, component: str, token: str | None = None, auth_secret: bytes | None = None
) -> RuntimeHttpClient:
    interceptors: list[Interceptor] = [RuntimeVersionHttpInterceptor(component_name=component)]
    if token is not None:
        interceptors.append(RuntimeTokenHttpInterceptor(token))
    if auth_secret is not None:
        # With the SuperNode's --superexec-auth-secret-file, only a holder of the secret can take
        # its tasks: no other local process (Flower's own flwr-clientapp) can run a FAB instead.
        interceptors.append(
            SuperExecAuthHttpInterceptor(master_secret=auth_secret, protected_methods={ACQUIRE_TASK})
        )
    retry = make_simple_http_retry_invoker()
    retry.max_time = RETRY_SECONDS  # Flower's default retries forever; a runner without its SuperNode ends
    return RuntimeHttpClient.from_server_address(
        server_address=address,
        insecure=True,
        root_certificates=None,
        interceptors=interceptors,
        retry_invoker=retry,
    )


def _client_app() -> ClientApp:
    # The ClientApp the installed app names (the node wires its admission around pmbridge's own),
    # imported when the first pinned run arrives: it pulls in the store and the numerics.
    app = installed_component("clientapp")
    if not isinstance(app, ClientApp):
        raise ConfigError(
            f"the installed Flower app's clientapp is a {type(app).__name__}, not a ClientApp",
            hint="reinstall pmbridge",
        )
    return app


def run_task(address: str, token: str, *, allow: AppAllowList) -> str:
    """Run one acquired ClientApp task to its end; return its final status (a Flower SubStatus)."""
    client = _client(address, component="flwr-clientapp", token=token)
    heartbeat = HeartbeatSender(make_task_heartbeat_fn_http(client))
    heartbeat.start()
    context: Context | None = None
    status, details = SubStatus.FAILED, "the task did not finish"
    try:
        message, context, _run, fab = pull_task_input(client)
        try:
            allow.check_fab(fab.hash_str, fab.content)
        except PolicyRefused as refusal:
            LOG.error("refused a run: %s", refusal)
            reply = Message(Error(code=ErrorCode.INVALID_FAB, reason=str(refusal)), reply_to=message)
            details = f"{refusal.code}: {refusal}"
        else:
            try:
                reply = _client_app()(message=message, context=context)
                status, details = SubStatus.COMPLETED, ""
            except Exception as exc:  # the reply must say the node failed, or the hub waits out its timeout
                LOG.exception("the ClientApp failed")
                reason = _reason(exc)
                reply = Message(
                    Error(code=ErrorCode.CLIENT_APP_RAISED_EXCEPTION, reason=reason), reply_to=message
                )
                details = reason
        push_message(client, reply, context)
    finally:
        heartbeat.stop()
        push_task_output(client=client, context=context, sub_status=status, details=details)
        client.close()
    return status


def _reason(exc: Exception) -> str:
    """What the hub may read of a failure: PM Bridge's own errors say what to fix (they are written
    for callers); anything else only its type, since its text may hold the node's paths or values."""
    if isinstance(exc, PMBridgeError):
        return f"{exc.code}: {exc}"
    name = type(exc).__name__
    return f"the node's ClientApp failed ({name}); its operator finds the cause in the runner's log"


def serve(
    address: str, *, allow: AppAllowList, stop: threading.Event, auth_secret: bytes | None = None
) -> None:
    """Take and run the SuperNode's ClientApp tasks one at a time until ``stop`` is set."""
    client = _client(address, component="SuperExec", auth_secret=auth_secret)
    try:
        while not stop.is_set():
            acquired = client.AcquireTask(AcquireTaskRequest(supported_task_types=[TaskType.CLIENT_APP]))
            if acquired.HasField("task") and acquired.token:
                _run_logged(address, acquired.token, acquired.task, allow=allow)
                continue
            stop.wait(POLL_SECONDS)
    finally:
        client.close()


def _run_logged(address: str, token: str, task: Task, *, allow: AppAllowList) -> None:
    LOG.info("task %d of run %d (app %s)", task.task_id, task.run_id, task.fab_hash[:12])
    try:
        status = run_task(address, token, allow=allow)
    except Exception:  # a broken connection ends this task, not the node's runner
        LOG.exception("task %d could not be run", task.task_id)
        return
    LOG.info("task %d: %s", task.task_id, status)


def _watch_parent(pid: int, stop: threading.Event) -> None:
    while not stop.wait(1.0):
        if os.getppid() != pid:
            stop.set()


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m pmbridge.flower.runner --runtime-api-address HOST:PORT [--allow SHA256 ...]``."""
    parser = argparse.ArgumentParser(prog="pmbridge-flower-runner", description=__doc__)
    parser.add_argument("--runtime-api-address", required=True, help="the SuperNode's Runtime API, host:port")
    parser.add_argument("--allow", action="append", default=[], help="another allowed app's sha256")
    parser.add_argument("--parent-pid", type=int, default=None, help="stop when this parent process ends")
    parser.add_argument(
        "--auth-secret-file", type=Path, default=None, help="the SuperNode's SuperExec auth secret"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per poll would drown the refusals
    allow = AppAllowList.of(args.allow)
    LOG.info("runs only Flower apps %s", ", ".join(sorted(allow.hashes)))
    stop = threading.Event()
    if args.parent_pid is not None:
        threading.Thread(target=_watch_parent, args=(args.parent_pid, stop), daemon=True).start()
    secret = args.auth_secret_file.read_bytes() if args.auth_secret_file is not None else None
    try:
        serve(args.runtime_api_address, allow=allow, stop=stop, auth_secret=secret)
    except KeyboardInterrupt:
        stop.set()
