"""The quarantine file appears whole or not at all: an error mid-run, a failed rename or a killed
run leave no file (temporary or final) behind, and a later run removes what a killed one left."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pyarrow as pa
import pytest

from pmbridge.ingest import Quarantine, RecordProblem, ingest, remove_stale_temp_files
from pmbridge.model import Dataset
from pmbridge.store import NodeStore
from pmbridge.vocab import HpoIndex

TERMS = {"HP:0001250": "HP:0001250"}
HPO = HpoIndex("test", TERMS, pa.table({"term": list(TERMS), "ancestor": list(TERMS)}))


def case(i: int, term: str = "HP:0001250") -> bytes:
    doc = {"id": f"p{i}", "subject": {"id": f"s{i}"}, "phenotypicFeatures": [{"type": {"id": term}}]}
    return orjson.dumps(doc) + b"\n"


def temp_files(folder: Path) -> list[Path]:
    return sorted(folder.glob(".pmbridge-quarantine-*"))


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def run(folder: Path, source: Path, **options: object) -> None:
    with NodeStore.open(folder / "n.duckdb") as store:
        ingest(
            [source],
            store=store,
            dataset=Dataset("ds", "ds"),
            hpo=HPO,
            quarantine_path=folder / "q.jsonl",
            workers=1,
            batch_size=1,
            **options,  # type: ignore[arg-type]
        )


def test_an_error_mid_run_leaves_no_quarantine_file(tmp_path: Path) -> None:
    source = tmp_path / "cases.jsonl"
    source.write_bytes(case(1, term="HP:ABC") + b"".join(case(i) for i in range(2, 600)))
    calls = 0

    def fail_later(done: int, total: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:  # the first chunk, with its bad record, is already in the quarantine
            raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        run(tmp_path, source, progress=fail_later)
    assert temp_files(tmp_path) == []
    assert not (tmp_path / "q.jsonl").exists()
    with NodeStore.open(tmp_path / "n.duckdb", read_only=True) as store:
        assert store.table_counts()["individuals"] == 0


def test_a_failed_rename_removes_the_temporary_file(tmp_path: Path) -> None:
    (tmp_path / "q.jsonl").mkdir()  # the rename into place cannot succeed
    with Quarantine(tmp_path / "q.jsonl") as quarantine:
        quarantine.put("a.json", b"{}", [RecordProblem("a.json", "$", "bad")])
        with pytest.raises(IsADirectoryError):
            quarantine.commit()
    assert temp_files(tmp_path) == []


def test_a_committed_file_is_whole(tmp_path: Path) -> None:
    with Quarantine(tmp_path / "q.jsonl") as quarantine:
        for i in range(3):
            quarantine.put(f"{i}.json", b"{}", [RecordProblem(f"{i}.json", "$", "bad")])
        assert quarantine.commit() == tmp_path / "q.jsonl"
    assert len((tmp_path / "q.jsonl").read_bytes().splitlines()) == 3
    assert temp_files(tmp_path) == []


def test_a_killed_runs_temp_file_is_removed_by_the_next_run(tmp_path: Path) -> None:
    """SIGKILL leaves an (often empty) temp file: its pid is gone and nobody holds its lock."""
    stale = tmp_path / f".pmbridge-quarantine-{dead_pid()}-abc.tmp"
    stale.write_bytes(b"")
    source = tmp_path / "cases.jsonl"
    source.write_bytes(case(1))
    run(tmp_path, source)
    assert temp_files(tmp_path) == []
    assert not (tmp_path / "q.jsonl").exists()  # nothing was quarantined this time


def test_a_temp_file_whose_pid_was_reused_is_removed_once_old(tmp_path: Path) -> None:
    """The pid in the name now belongs to another live process (here: this one), but nobody holds
    the file's lock and it is older than a minute: a killed run's, so it goes."""
    reused = tmp_path / f".pmbridge-quarantine-{os.getpid()}-old.tmp"
    reused.write_bytes(b"")
    now = time.time()
    assert remove_stale_temp_files(tmp_path, now=now) == []  # fresh: maybe a run just starting
    assert remove_stale_temp_files(tmp_path, now=now + 120) == [reused]
    assert not reused.exists()


def test_a_live_runs_temp_file_is_never_removed(tmp_path: Path) -> None:
    """Even when it looks old and its pid looks dead, a file whose lock is held is a live run's."""
    with Quarantine(tmp_path / "q.jsonl") as live:
        (temp,) = temp_files(tmp_path)
        assert remove_stale_temp_files(tmp_path, now=time.time() + 3600) == []
        assert temp.exists()
        live.discard()
    held = tmp_path / f".pmbridge-quarantine-{dead_pid()}-held.tmp"
    with held.open("wb") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        assert remove_stale_temp_files(tmp_path, now=time.time() + 3600) == []
    assert remove_stale_temp_files(tmp_path) == [held]
