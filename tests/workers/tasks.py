"""Task functions that the worker-pool tests hand to workers (importable there by name)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def double(n: int) -> int:
    return 2 * n


def stall_on_one(n: int) -> int:
    """Item 1 never finishes, as a deadlocked worker would not."""
    if n == 1:
        time.sleep(3600)
    return n


def fail_on_two(n: int) -> int:
    if n == 2:
        raise ValueError(f"bad item {n}")
    return n


def die_on_one(n: int) -> int:
    if n == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    return n


def fork_server_threads(_: int) -> int:
    """How many threads the process this worker was forked from runs."""
    return len(list(Path(f"/proc/{os.getppid()}/task").iterdir()))


def refuse_setup(reason: str) -> None:
    raise ValueError(reason)


def hang_in_setup(_: str) -> None:
    time.sleep(3600)
