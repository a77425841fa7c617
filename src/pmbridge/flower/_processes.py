"""Flower's SuperLink and SuperNodes, and the node's pinned task runner, as local processes on
127.0.0.1 with ephemeral ports: for the deployment tests, benchmarks and a one-machine demo.

Every wait is bounded, every process writes to its own log file, and :func:`stop_all` ends what
was started (terminate, then kill) so that a failed start leaves nothing behind.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import tomli_w

from pmbridge.errors import UpstreamError
from pmbridge.signing import ServerCertificate

LOOPBACK: Final = "127.0.0.1"
START_SECONDS: Final = 60.0
STOP_SECONDS: Final = 10.0
NodeConfig = Mapping[str, str | int | float | bool]


@dataclass(frozen=True, slots=True)
class Service:
    """One started process and the file its output goes to."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def tail(self, chars: int = 4000) -> str:
        """The end of the process's log, for error messages."""
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return ""


@dataclass(frozen=True, slots=True)
class SuperLink:
    service: Service
    fleet: str
    control: str
    ca: Path | None = None
    """The CA of its TLS certificate (None: plain HTTP)."""


def free_port() -> int:
    """A TCP port on the loopback that is free now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def flower_env(home: Path) -> dict[str, str]:
    """The environment for Flower's processes: this interpreter's scripts first on PATH (Flower
    starts ``flower-superexec`` and ``flwr-serverapp`` by name) and a private ``FLWR_HOME``."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["FLWR_HOME"] = str(home)
    env["FLWR_TELEMETRY_ENABLED"] = "0"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _script(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def start(name: str, argv: Sequence[str], *, workdir: Path, env: Mapping[str, str]) -> Service:
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            list(argv),
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=workdir,
            env=dict(env),
            start_new_session=True,
        )
    return Service(name, process, log)


def wait_for_port(service: Service, port: int, *, seconds: float = START_SECONDS) -> None:
    """Return once ``port`` on the loopback accepts connections; raise if the process dies first
    or ``seconds`` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise UpstreamError(
                f"{service.name} exited with status {service.process.returncode} while starting:\n"
                + service.tail(),
                hint=f"see {service.log}",
            )
        try:
            with socket.create_connection((LOOPBACK, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise UpstreamError(
        f"{service.name} did not listen on {LOOPBACK}:{port} within {seconds:g} s:\n{service.tail()}",
        hint=f"see {service.log}; a slow machine may need a longer start time",
    )


def start_superlink(
    workdir: Path, *, env: Mapping[str, str], tls: ServerCertificate | None = None
) -> SuperLink:
    """A SuperLink on the loopback with its ServerApps as subprocesses (in-memory state).

    With ``tls``, it serves HTTPS with that certificate and accepts only SuperNodes whose keys were
    registered on its Control API (``--enable-supernode-auth``; the hub registers its nodes' keys);
    without, plain HTTP and any SuperNode (tests of the pinning only). Flower 1.42 serves the Fleet,
    Control and Runtime APIs on one port."""
    port = free_port()
    security = (
        [
            "--ssl-certfile", str(tls.certificate),
            "--ssl-keyfile", str(tls.key),
            "--ssl-ca-certfile", str(tls.ca),
            "--enable-supernode-auth",
        ]
        if tls is not None
        else ["--insecure"]
    )  # fmt: skip
    service = start(
        "superlink",
        [
            _script("flower-superlink"),
            *security,
            "--host", LOOPBACK,
            "--port", str(port),
            "--disable-runtime-dependency-installation",
        ],
        workdir=workdir,
        env=env,
    )  # fmt: skip
    _started([service], port)
    address = f"{LOOPBACK}:{port}"
    return SuperLink(service, address, address, None if tls is None else tls.ca)


def start_supernode(
    workdir: Path,
    *,
    name: str,
    superlink: str,
    node_config: NodeConfig,
    allow: Sequence[str],
    env: Mapping[str, str],
    root_certificates: str | None = None,
    auth_key: Path | None = None,
    max_wait: float | None = START_SECONDS,
) -> tuple[Service, Service]:
    """A SuperNode in ``process`` isolation connecting out to the SuperLink's Fleet API at
    ``superlink`` (TLS against ``root_certificates``, plain only when None), and the pinned runner
    that executes its tasks; a fresh SuperExec auth secret (owner-only file) lets only that runner
    take the SuperNode's tasks. ``auth_key``: the node's SuperNode key (OpenSSH, elliptic curve),
    which the SuperLink must have registered when it authenticates SuperNodes. ``max_wait``: how
    long the SuperNode keeps trying to reach the SuperLink (None: for ever, as a node in
    production does)."""
    runtime = free_port()
    secret = workdir / f"{name}-superexec.secret"
    secret.touch(mode=0o600)
    secret.write_bytes(secrets.token_bytes(32))
    config = workdir / f"{name}-node-config.toml"
    config.write_text(tomli_w.dumps(dict(node_config)), encoding="utf-8")
    node = start(
        name,
        [
            _script("flower-supernode"),
            *(["--root-certificates", root_certificates] if root_certificates else ["--insecure"]),
            "--superlink", superlink,
            *(["--auth-supernode-private-key", str(auth_key)] if auth_key is not None else []),
            "--isolation", "process",
            "--host", LOOPBACK,
            "--port", str(runtime),
            "--node-config", str(config),
            *(["--max-wait-time", str(max_wait)] if max_wait is not None else []),
            "--superexec-auth-secret-file", str(secret),
        ],
        workdir=workdir,
        env=env,
    )  # fmt: skip
    _started([node], runtime)
    allowed = [arg for h in allow for arg in ("--allow", h)]
    runner = start(
        f"{name}-runner",
        [
            sys.executable, "-m", "pmbridge.flower.runner",
            "--runtime-api-address", f"{LOOPBACK}:{runtime}",
            "--parent-pid", str(os.getpid()),
            "--auth-secret-file", str(secret),
            *allowed,
        ],
        workdir=workdir,
        env=env,
    )  # fmt: skip
    return node, runner


def _started(services: Sequence[Service], port: int) -> None:
    """Wait for the last of ``services`` to listen on ``port``; on failure stop them all first."""
    try:
        wait_for_port(services[-1], port)
    except BaseException:
        stop_all(services)
        raise


def stop_all(services: Sequence[Service], *, seconds: float = STOP_SECONDS) -> None:
    """Terminate each service's process group, then kill what is still alive after ``seconds``."""
    for service in services:
        _signal(service, terminate=True)
    deadline = time.monotonic() + seconds
    for service in services:
        try:
            service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal(service, terminate=False)
            service.process.wait(timeout=seconds)


def _signal(service: Service, *, terminate: bool) -> None:
    # Each service leads its own session, so its children (Flower's superexec, serverapp) go too.
    try:
        pgid = os.getpgid(service.process.pid)
    except ProcessLookupError:
        return
    try:
        os.killpg(pgid, 15 if terminate else 9)
    except ProcessLookupError:
        return
