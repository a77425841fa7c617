"""Start nodes and the hub as separate local processes, learn their URLs, and stop them cleanly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from pmbridge.errors import UpstreamError

START_TIMEOUT_S = 120.0
"""How long services started together may take, all of them: a node loads the HPO on start
(some 15 s on a loaded 2-core machine), and nodes start side by side."""
STOP_TIMEOUT_S = 10.0
LOG_TAIL_LINES = 8


@dataclass(slots=True)
class Service:
    """One running ``pmbridge … serve`` process."""

    name: str
    process: subprocess.Popen[bytes]
    url: str
    log: Path


@dataclass(frozen=True, slots=True)
class Launch:
    """A service to start: its name, ``pmbridge`` arguments, and port (0: any free port)."""

    name: str
    args: list[str]
    port: int = 0


@dataclass(frozen=True, slots=True)
class _Starting:
    launch: Launch
    process: subprocess.Popen[bytes]
    ready: Path
    log: Path


@dataclass(slots=True)
class Supervisor:
    """Owns child processes; leaving the ``with`` block (or Ctrl-C) stops every one of them."""

    run_dir: Path
    services: dict[str, Service] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    """Set in every child's environment, over this process's own."""

    def start(self, name: str, args: list[str], *, port: int = 0, host: str = "127.0.0.1") -> Service:
        """Run ``pmbridge ARGS --host H --port P --ready-file F`` and wait until it listens."""
        return self.start_all([Launch(name, args, port)], host=host)[name]

    def start_all(
        self, launches: list[Launch], *, host: str = "127.0.0.1", timeout: float = START_TIMEOUT_S
    ) -> dict[str, Service]:
        """Start every service at once, then wait until each listens (``timeout`` for them all).

        When one exits or the time runs out, the others of this call are stopped too and the
        error names the service and its log.
        """
        self.run_dir.mkdir(parents=True, exist_ok=True)
        starting: list[_Starting] = []
        try:
            for launch in launches:
                starting.append(self._launch(launch, host))
            return self._await(starting, deadline=time.monotonic() + timeout, timeout=timeout)
        except BaseException:
            for pending in starting:
                if pending.launch.name not in self.services:
                    _terminate(pending.process, kill=True)
            raise

    def _launch(self, launch: Launch, host: str) -> _Starting:
        name, args, port = launch.name, launch.args, launch.port
        ready = self.run_dir / f"{name}.ready.json"
        ready.unlink(missing_ok=True)
        log = self.run_dir / f"{name}.log"
        command = [sys.executable, "-m", "pmbridge", *args, "--host", host, "--port", str(port)]
        command += ["--ready-file", str(ready)]
        with log.open("wb") as sink:
            environment = {**os.environ, **self.env} if self.env else None
            process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=environment)
        return _Starting(launch, process, ready, log)

    def _await(self, starting: list[_Starting], *, deadline: float, timeout: float) -> dict[str, Service]:
        started: dict[str, Service] = {}
        while len(started) < len(starting):
            for pending in starting:
                name = pending.launch.name
                if name in started:
                    continue
                if pending.ready.exists():
                    url = str(json.loads(pending.ready.read_text())["url"])
                    started[name] = self.services[name] = Service(name, pending.process, url, pending.log)
                elif pending.process.poll() is not None:
                    raise UpstreamError(
                        f"{name} exited with status {pending.process.returncode} while starting"
                        + _log_tail(pending.log),
                        hint=f"see its log: {pending.log}",
                    )
            if len(started) < len(starting) and time.monotonic() > deadline:
                late = [p for p in starting if p.launch.name not in started]
                raise UpstreamError(
                    f"{', '.join(p.launch.name for p in late)} did not start within {timeout:g} s",
                    hint="see " + ", ".join(str(p.log) for p in late),
                )
            time.sleep(0.05)
        return started

    def stop(self, name: str, *, kill: bool = False) -> None:
        """Stop one service (SIGTERM, then SIGKILL after a grace period; ``kill`` skips the grace)."""
        service = self.services.pop(name)
        _terminate(service.process, kill=kill)

    def stop_all(self) -> None:
        for name in list(self.services):
            self.stop(name)

    def failed(self) -> list[Service]:
        """Services whose process has exited on its own."""
        return [s for s in self.services.values() if s.process.poll() is not None]

    def __enter__(self) -> Supervisor:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop_all()


def _log_tail(log: Path) -> str:
    """The last lines of a log, to show with an error (the whole log may be long)."""
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()[-LOG_TAIL_LINES:]
    except OSError:
        return ""
    return "; its log ends:\n  " + "\n  ".join(lines) if lines else ""


def _terminate(process: subprocess.Popen[bytes], *, kill: bool) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_S)
