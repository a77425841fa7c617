"""Start nodes and the hub as separate local processes, learn their URLs, and stop them cleanly."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from pmbridge.errors import UpstreamError

START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 10.0


@dataclass(slots=True)
class Service:
    """One running ``pmbridge … serve`` process."""

    name: str
    process: subprocess.Popen[bytes]
    url: str
    log: Path


@dataclass(slots=True)
class Supervisor:
    """Owns child processes; leaving the ``with`` block (or Ctrl-C) stops every one of them."""

    run_dir: Path
    services: dict[str, Service] = field(default_factory=dict)

    def start(self, name: str, args: list[str], *, port: int = 0, host: str = "127.0.0.1") -> Service:
        """Run ``pmbridge ARGS --host H --port P --ready-file F`` and wait until it listens."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        ready = self.run_dir / f"{name}.ready.json"
        ready.unlink(missing_ok=True)
        log = self.run_dir / f"{name}.log"
        command = [sys.executable, "-m", "pmbridge", *args, "--host", host, "--port", str(port)]
        command += ["--ready-file", str(ready)]
        with log.open("wb") as sink:
            process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while not ready.exists():
            if process.poll() is not None:
                raise UpstreamError(
                    f"{name} exited with status {process.returncode} while starting",
                    hint=f"see its log: {log}",
                )
            if time.monotonic() > deadline:
                process.kill()
                raise UpstreamError(f"{name} did not start within {START_TIMEOUT_S:g} s", hint=f"see {log}")
            time.sleep(0.05)
        url = str(json.loads(ready.read_text())["url"])
        service = Service(name, process, url, log)
        self.services[name] = service
        return service

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


def _terminate(process: subprocess.Popen[bytes], *, kill: bool) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_S)
