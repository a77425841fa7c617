"""The worker pool: results in order, no fork of the threaded caller, and never a silent hang."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pmbridge.errors import ConfigError, WorkerFailed, WorkerStalled
from pmbridge.workers import START_METHOD, WorkerPool
from tests.workers import tasks

ROOT = Path(__file__).resolve().parents[2]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_results_come_back_in_input_order() -> None:
    with WorkerPool(tasks.double, processes=2, stage="doubling") as pool:
        assert list(pool.map_in_order(range(20), window=3)) == [2 * n for n in range(20)]
        assert list(pool.map_in_order([])) == []


def test_workers_start_from_a_fork_server_that_runs_no_other_thread() -> None:
    assert START_METHOD == "forkserver"
    with WorkerPool(tasks.fork_server_threads, processes=2, stage="threads") as pool:
        assert pool.start_method == "forkserver"
        if sys.platform == "linux":
            assert list(pool.map_in_order(range(2))) == [1, 1]


def test_a_stalled_worker_becomes_an_error_and_every_worker_is_stopped() -> None:
    stalling = WorkerPool(tasks.stall_on_one, processes=2, stage="eu-test: stalling", stall_seconds=1)
    with pytest.raises(WorkerStalled) as info, stalling as pool:  # noqa: PT012
        pids = pool.pids
        list(pool.map_in_order(range(4)))
    assert info.value.code == "worker_stalled"
    assert info.value.message.startswith("eu-test: stalling: none of 2 worker processes finished")
    assert "--stall-seconds" in info.value.hint
    assert not any(_alive(pid) for pid in pids)


def test_a_worker_that_dies_becomes_an_error_not_a_hang() -> None:
    dying = WorkerPool(tasks.die_on_one, processes=2, stage="eu-test: dying")
    with pytest.raises(WorkerFailed, match="killed by signal 9") as info, dying as pool:
        list(pool.map_in_order(range(4)))
    assert info.value.code == "worker_failed"
    assert "out of memory" in info.value.hint


def test_an_error_raised_in_a_worker_reaches_the_caller() -> None:
    failing = WorkerPool(tasks.fail_on_two, processes=2, stage="failing")
    with failing as pool, pytest.raises(ValueError, match="bad item 2"):
        list(pool.map_in_order(range(4)))


def test_a_worker_set_up_that_fails_or_hangs_fails_the_start() -> None:
    refusing = WorkerPool(
        tasks.double, processes=2, stage="s", initializer=tasks.refuse_setup, initargs=("no data",)
    )
    with pytest.raises(ValueError, match="no data"), refusing:
        pass
    hanging = WorkerPool(
        tasks.double,
        processes=2,
        stage="eu-test",
        initializer=tasks.hang_in_setup,
        initargs=("x",),
        start_seconds=1,
    )
    with pytest.raises(WorkerStalled, match=r"^eu-test \(starting\): none of 2"), hanging:
        pass


def test_nonsense_sizes_are_refused_with_a_fix() -> None:
    with pytest.raises(ConfigError, match="processes >= 1") as info:
        WorkerPool(tasks.double, processes=0, stage="s")
    assert "--workers" in info.value.hint


CTRL_C = textwrap.dedent(
    """
    import os, signal, sys, time
    from pmbridge.workers import WorkerPool

    pool = WorkerPool(time.sleep, processes=2, stage="sleeping")
    try:
        with pool:
            pids = pool.pids
            for _ in pool.map_in_order([0.0, 60.0, 60.0]):
                os.killpg(0, signal.SIGINT)  # Ctrl-C in a terminal reaches the whole group
                time.sleep(60)
    except KeyboardInterrupt:
        gone = not any(os.path.exists(f"/proc/{pid}") for pid in pids)
        print("interrupted; workers gone:", gone)
    """
)


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_ctrl_c_stops_the_workers_without_a_traceback_from_them() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CTRL_C],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,  # the SIGINT must not reach pytest
        check=False,
    )
    assert done.stdout.strip() == "interrupted; workers gone: True", done.stderr
    assert "Traceback" not in done.stderr
    assert "KeyboardInterrupt" not in done.stderr
