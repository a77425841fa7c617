"""A run killed (SIGKILL) or interrupted (Ctrl-C) mid-way leaves the store exactly as before."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pmbridge.store import NodeStore

pytestmark = pytest.mark.slow


def big_input(shared_data: Path, path: Path, n: int) -> None:
    doc = json.loads((shared_data / "examples" / "phenopackets" / "PMID_12446365_OP.json").read_text())
    with path.open("w") as out:
        for i in range(n):
            doc["id"] = doc["subject"]["id"] = f"bulk-{i}"
            out.write(json.dumps(doc) + "\n")


def ingest_command(store: Path, *inputs: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pmbridge",
        "ingest",
        "--store",
        str(store),
        "--dataset",
        "ds",
        "--quiet",
        *map(str, inputs),
    ]


def snapshot(store: Path) -> dict[str, int]:
    with NodeStore.open(store, read_only=True) as s:
        return s.table_counts()


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_an_interrupted_run_changes_nothing(shared_data: Path, tmp_path: Path, sig: signal.Signals) -> None:
    store = tmp_path / "n.duckdb"
    subprocess.run(ingest_command(store, shared_data / "examples" / "phenopackets"), check=True, timeout=120)
    before = snapshot(store)
    big = tmp_path / "big.jsonl"
    big_input(shared_data, big, 150_000)
    process = subprocess.Popen(ingest_command(store, big), stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    # The run creates its quarantine temp file just before its transaction starts.
    while not list(tmp_path.glob(".pmbridge-quarantine-*")) and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(1.5)  # well into loading batches (the whole input takes far longer)
    assert process.poll() is None, "the run finished before it could be interrupted; make the input bigger"
    process.send_signal(sig)
    process.wait(timeout=60)
    assert process.returncode != 0
    assert snapshot(store) == before
    assert not list(tmp_path.glob("n.quarantine*"))
    if sig is signal.SIGINT:  # Ctrl-C stops the workers too: none is left running (or respawned)
        time.sleep(0.5)
        assert not _running_with(str(big)), "worker processes outlived the interrupted run"
    # A later run cleans up whatever temp file a killed run left behind.
    subprocess.run(ingest_command(store, shared_data / "examples" / "phenopackets"), check=True, timeout=120)
    assert not list(tmp_path.glob(".pmbridge-quarantine-*"))
    assert snapshot(store) == before


def _running_with(argument: str) -> list[int]:
    """Processes whose command line holds ``argument`` (zombies excluded)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if (proc / "stat").read_text().split(") ", 1)[1].startswith("Z"):
                continue
            if argument.encode() in (proc / "cmdline").read_bytes():
                found.append(int(proc.name))
        except (OSError, IndexError):
            continue
    return found
