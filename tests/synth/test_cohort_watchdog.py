"""A stalled cohort worker fails the write with a clear error and leaves no file, full or partial."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pmbridge.cli._app import app
from pmbridge.errors import WorkerStalled
from pmbridge.synth import CohortSpec, _cohort, write_cohort
from pmbridge.vocab import DiseaseAnnotation


def stall_after_the_first_range(bounds: tuple[int, int]) -> tuple[int, bytes]:
    """Stands in for the cohort worker: renders the first range, then hangs like a deadlocked one."""
    if bounds[0] > 0:
        time.sleep(3600)
    return _cohort._render_in_worker(bounds)


def test_a_stalled_worker_fails_the_write_and_leaves_no_file(
    tmp_path: Path, annotations: dict[str, DiseaseAnnotation], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Workers look the task up by name, so they run the stand-in.
    monkeypatch.setattr(_cohort, "_render_in_worker", stall_after_the_first_range)
    written: list[int] = []
    with pytest.raises(WorkerStalled) as info:
        write_cohort(
            CohortSpec("eu-test", "eu-north", 40, 1),
            tmp_path / "cohort.jsonl",
            annotations=annotations,
            hpo_release="r",
            workers=2,
            chunk_size=10,
            progress=written.append,
            stall_seconds=1,
        )
    assert written == [10]
    assert info.value.message.startswith("eu-test: generating the synthetic cohort: none of 2 worker")
    assert list(tmp_path.iterdir()) == []


def test_generate_refuses_a_stall_time_that_is_not_positive(tmp_path: Path) -> None:
    args = ["generate", "--cohort", "x", "--region", "cn", "--size", "5", "--seed", "1"]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "x.jsonl"), "--stall-seconds", "0"])
    assert result.exit_code == 2
    assert "stall-seconds must be positive" in result.output
