"""Many VCFs into a node's lake as one atomic append: each VCF staged by its own task (a local process
pool or a Spark job), then every staged file committed under one new snapshot, or none of them.

On a cluster, tasks write their files into the lake from the executors, so the lake must be on
storage that the driver and every executor see at the same path (docs/scale.md).
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from pmbridge.errors import IngestError, PMBridgeError
from pmbridge.ingest._report import IngestReport, VcfLoaded
from pmbridge.ingest._vcf_lake_runners import VcfRunner
from pmbridge.ingest._vcf_lake_stage import VcfStaged, VcfStageTask
from pmbridge.ingest._vcf_options import VcfOptions
from pmbridge.store import LakeSnapshot, read_snapshot
from pmbridge.store._lake import STAGING
from pmbridge.store._lake_append import append_files, remove_staged

VcfProgress = Callable[[int, int], None]
"""Called as VCFs finish staging: (VCFs staged, VCFs in the run)."""


def ingest_vcfs_to_lake(
    vcfs: Sequence[Path | str],
    *,
    lake: Path,
    dataset_id: str,
    runner: VcfRunner,
    options: VcfOptions | None = None,
    quarantine_path: Path | None = None,
    progress: VcfProgress | None = None,
) -> tuple[IngestReport, LakeSnapshot]:
    """Append the calls of ``vcfs`` to ``dataset_id``'s individuals in the lake at ``lake``.

    Each VCF's samples link to individuals the lake's current snapshot holds (``options``: sample
    sheet, FASTA, assembly, as for ``pmbridge ingest``; one sheet serves every VCF of the run, each
    taking the rows of its own samples). Every VCF stages, or nothing is appended
    and the error names the file. A VCF whose name the lake already holds in the dataset is
    refused: replacing calls goes through the DuckDB file and a publish. Bad lines are quarantined
    into ``quarantine_path`` (default: beside the lake). Returns the report and the new snapshot.
    """
    started = time.perf_counter()
    paths = [Path(v) for v in vcfs]
    _refuse_before_starting(paths)
    before = read_snapshot(lake)
    run_id = uuid.uuid4().hex
    tasks = [
        VcfStageTask(
            str(p.absolute()),
            str(lake.absolute()),
            run_id,
            i,
            dataset_id,
            before.version,
            replace(options or VcfOptions(), sheet_for_many=True),
        )
        for i, p in enumerate(paths)
    ]
    staged: list[VcfStaged] = []
    committed = False
    try:
        staged = runner.run(tasks, progress)
        _refuse_failures(staged, lake)
        files: dict[str, list[str]] = {}
        for result in staged:
            for table, names in result.files.items():
                files.setdefault(table, []).extend(names)
        snapshot = append_files(lake, files, expect_version=before.version)
        committed = True
        report = _report(staged, dataset_id)
        kept = _gather_quarantine(staged, quarantine_path or _beside(lake))
    finally:
        if not committed:
            _remove_unlisted([f for result in staged for f in result.all_files()], lake)
        shutil.rmtree(lake / STAGING / run_id, ignore_errors=True)
    report.quarantine_file = None if kept is None else str(kept)
    report.committed = True
    report.seconds = time.perf_counter() - started
    return report, snapshot


def _remove_unlisted(files: list[str], lake: Path) -> None:
    """Remove a failed run's staged files, unless the snapshot lists them: a failure after the
    snapshot was replaced (syncing its folder, say) leaves the run appended, and its files in use."""
    try:
        listed = {
            str(lake.absolute() / f)
            for t in read_snapshot(lake, check_files=False).tables.values()
            for f in t.files
        }
    except PMBridgeError:
        return  # no snapshot to check against: leave the files to vacuum
    remove_staged([f for f in files if f not in listed])


def _refuse_before_starting(paths: list[Path]) -> None:
    """Fail on what a task would only find later: no VCF, a missing file, two VCFs of one name (a
    VCF is known by its file name within a dataset)."""
    if not paths:
        raise IngestError("no VCF given", hint="name one or more VCF files to append")
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise IngestError(f"no such VCF file: {', '.join(missing)}", hint="check the paths")
    by_name: dict[str, list[str]] = {}
    for path in paths:
        by_name.setdefault(path.name, []).append(str(path))
    for name, same in by_name.items():
        if len(same) > 1:
            raise IngestError(
                f"{len(same)} VCFs are named {name}: {', '.join(same)}",
                hint="a VCF is known by its file name within a dataset; give each file its own name",
            )


def _refuse_failures(staged: list[VcfStaged], lake: Path) -> None:
    failed = [r for r in staged if r.failure is not None]
    if not failed:
        return
    first = failed[0].failure
    assert first is not None  # filtered above
    others = ""
    if len(failed) > 1:
        others = f"; {len(failed) - 1} more VCF(s) failed too: " + ", ".join(
            Path(r.vcf).name for r in failed[1:]
        )
    message = first.message if failed[0].vcf in first.message else f"{failed[0].vcf}: {first.message}"
    raise IngestError(f"{message}{others}; nothing was appended to the lake at {lake}", hint=first.hint)


def _report(staged: list[VcfStaged], dataset_id: str) -> IngestReport:
    report = IngestReport(dataset_id, "")
    for result in staged:
        report.add(result.problems)
        report.read += result.records
        report.quarantined += result.quarantined
        report.vcfs.append(VcfLoaded(result.vcf, *result.summary))
    return report


def _gather_quarantine(staged: list[VcfStaged], path: Path) -> Path | None:
    """The tasks' quarantine files, in VCF order, as one file at ``path`` (written aside, then renamed)."""
    parts = [Path(r.quarantine_file) for r in staged if r.quarantine_file is not None]
    if not parts:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with open(temporary, "wb") as out:
        for part in parts:
            with open(part, "rb") as source:
                shutil.copyfileobj(source, out)
    temporary.replace(path)
    return path


def _beside(lake: Path) -> Path:
    return lake.absolute().with_name(
        f"{lake.absolute().name}.quarantine-{time.strftime('%Y%m%dT%H%M%S')}.jsonl"
    )
