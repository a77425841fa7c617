"""Ctrl-C during ``pmbridge generate`` with worker processes: one line, no traceback, no file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform != "linux", reason="process groups")]


def test_ctrl_c_gives_one_clean_line_and_leaves_no_file(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "big.jsonl"
    args = ["generate", "--cohort", "x", "--region", "cn", "--size", "2000000", "--seed", "1"]
    args += ["--out", str(out), "--workers", "2", "--data-dir", str(shared_data)]
    process = subprocess.Popen(
        [sys.executable, "-m", "pmbridge", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal gives it; pytest gets no SIGINT
    )
    deadline = time.monotonic() + 120
    # Interrupt once the first chunk is written: workers are busy with the next ones.
    while not any(p.stat().st_size for p in tmp_path.glob(".big.jsonl.*.partial")):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert f"interrupted: nothing was written to {out}" in " ".join(err.split())  # undo Rich's wrapping
    assert "Traceback" not in err
    assert "KeyboardInterrupt" not in err
    assert list(tmp_path.iterdir()) == []
