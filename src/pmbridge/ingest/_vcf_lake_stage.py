"""One VCF staged for a lake: its calls and allele counts written as sorted Parquet part files inside
the lake's table directories, unlisted until the run commits them all (``append_files``).

:func:`stage_vcf` is one task of a parallel run (a process of a local pool, or a Spark task). It
reads the lake's current snapshot, never writes it, and returns only small metadata: file paths,
counts and problems, never rows.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pmbridge.errors import IngestError, PMBridgeError
from pmbridge.ingest._quarantine import Quarantine
from pmbridge.ingest._report import IngestReport, RecordProblem
from pmbridge.ingest._vcf_options import VcfOptions
from pmbridge.store import NodeStore, open_lake, read_snapshot
from pmbridge.store._lake import FILE_ROW_GROUPS, ROW_GROUP_ROWS, STAGING, LakeSnapshot, layout_of
from pmbridge.store._lake_append import remove_staged, table_schema
from pmbridge.store._lake_files import PartWriter

STAGED_TABLES = ("variants", "allele_counts")
FLUSH_ROWS = 4 * ROW_GROUP_ROWS
"""Rows of a table held before they are sorted and written: fewer, larger files than one per batch,
memory still bounded (about 50 MB of variant rows)."""


@dataclass(frozen=True, slots=True)
class VcfStageTask:
    """What one task needs: plain, picklable values only (it travels to a Spark executor)."""

    vcf: str
    lake: str
    run_id: str
    index: int
    dataset_id: str
    snapshot_version: int
    options: VcfOptions = field(default_factory=VcfOptions)


@dataclass(frozen=True, slots=True)
class StageFailure:
    """Why a task staged nothing: the error's code, message and hint."""

    code: str
    message: str
    hint: str


@dataclass(frozen=True, slots=True)
class VcfStaged:
    """What a task hands back: its files (absolute paths, per table), its VCF's (alleles, calls,
    carriers), the records read, its problems, and its quarantine file; or ``failure``."""

    vcf: str
    files: dict[str, list[str]] = field(default_factory=dict)
    summary: tuple[int, int, int] = (0, 0, 0)
    records: int = 0
    problems: list[RecordProblem] = field(default_factory=list)
    quarantined: int = 0
    quarantine_file: str | None = None
    seconds: float = 0.0
    failure: StageFailure | None = None

    def all_files(self) -> list[str]:
        return [f for files in self.files.values() for f in files]


def stage_vcf(task: VcfStageTask) -> VcfStaged:
    """Stage one VCF (a task of a run): on an error, its files are removed and the error returned,
    so the run can name the file and append nothing."""
    started = time.perf_counter()
    lake, vcf = Path(task.lake), Path(task.vcf)
    report = IngestReport(task.dataset_id, "")
    staging: LakeStaging | None = None
    from pmbridge.ingest._vcf_load import load_vcf  # cyvcf2: imported where a VCF is read

    try:
        with open_lake(lake) as reader:
            snapshot = read_snapshot(lake, check_files=False)
            if snapshot.version != task.snapshot_version:
                raise IngestError(
                    f"the lake at {lake} moved to snapshot {snapshot.version} while {vcf.name} was staged",
                    hint="run the append again when no publish is running",
                )
            staging = LakeStaging(lake, snapshot, reader, vcf=vcf)
            folder = lake / STAGING / task.run_id
            with Quarantine(folder / f"{task.index}.quarantine.jsonl") as quarantine:
                records = load_vcf(
                    vcf,
                    store=staging,
                    dataset_id=task.dataset_id,
                    options=task.options,
                    report=report,
                    quarantine=quarantine,
                )
                staging.finish()
                kept = quarantine.commit()
    except (PMBridgeError, OSError) as error:
        if staging is not None:
            staging.discard()
        failure = (
            StageFailure(error.code, error.message, error.hint)
            if isinstance(error, PMBridgeError)
            else StageFailure("ingest_error", f"{vcf}: {error}", "check the path and its permissions")
        )
        return VcfStaged(str(vcf), failure=failure, seconds=time.perf_counter() - started)
    except BaseException:
        if staging is not None:
            staging.discard()
        raise
    return VcfStaged(
        str(vcf),
        files={name: list(paths) for name, paths in staging.files.items()},
        summary=staging.vcf_summary(task.dataset_id, vcf.name),
        records=records,
        problems=list(report.problems),
        quarantined=report.quarantined,
        quarantine_file=None if kept is None else str(kept),
        seconds=time.perf_counter() - started,
    )


class LakeStaging:
    """A :class:`~pmbridge.ingest._vcf_target.VcfTarget` over a lake: people are looked up in the
    snapshot (through ``reader``, a store over it), calls are written as part files in the lake's
    table directories, sorted and partitioned like the lake's own, in the tables' exact schemas."""

    def __init__(self, lake: Path, snapshot: LakeSnapshot, reader: NodeStore, *, vcf: Path) -> None:
        self.lake, self.snapshot, self.reader, self.vcf = lake, snapshot, reader, vcf
        self.schemas = {name: table_schema(lake, snapshot, name) for name in STAGED_TABLES}
        self.files: dict[str, list[str]] = {name: [] for name in STAGED_TABLES}
        self._pending: dict[str, list[pa.Table]] = {name: [] for name in STAGED_TABLES}
        self._pending_rows = dict.fromkeys(STAGED_TABLES, 0)
        self._alleles = self._calls = 0
        self._carriers: set[int] = set()

    def individual_inds(self, dataset_id: str, ids: Sequence[str]) -> dict[str, int]:
        return self.reader.individual_inds(dataset_id, ids)

    def clear_vcf(self, dataset_id: str, source: str) -> int:
        """Refuse a VCF the lake already holds: replacing its calls is not an append."""
        _, calls, _ = self.reader.vcf_summary(dataset_id, source)
        held = self.reader.connection.execute(
            "SELECT count(*) FROM allele_counts WHERE dataset_id = ? AND source = ?", [dataset_id, source]
        ).fetchall()[0][0]
        if calls or held:
            raise IngestError(
                f"{self.vcf}: the lake at {self.lake} already holds a VCF named {source} in dataset "
                f"{dataset_id!r} ({calls:,} calls); an append never replaces calls",
                hint="to replace them, ingest the VCF into the node's DuckDB file (`pmbridge ingest`) and "
                "`pmbridge store publish` it again; if it is another file, give it its own name",
            )
        return 0

    def write_vcf_calls(self, calls: pa.Table, counts: pa.Table) -> None:
        self._calls += calls.num_rows
        self._alleles += counts.num_rows
        self._carriers.update(np.unique(calls.column("ind").to_numpy()).tolist())
        for name, rows in (("variants", calls), ("allele_counts", counts)):
            if rows.num_rows:
                self._pending[name].append(_decoded(rows, self.schemas[name]))
                self._pending_rows[name] += rows.num_rows
                if self._pending_rows[name] >= FLUSH_ROWS:
                    self._write(name)

    def vcf_summary(self, dataset_id: str, source: str) -> tuple[int, int, int]:
        return self._alleles, self._calls, len(self._carriers)

    def finish(self) -> None:
        """Write what is held: every staged row is in a file, fsynced, when this returns."""
        for name in STAGED_TABLES:
            self._write(name)

    def discard(self) -> None:
        """Remove the files written so far (a failed VCF stages nothing)."""
        remove_staged([f for files in self.files.values() for f in files])
        for name in STAGED_TABLES:
            self.files[name].clear()
            self._pending[name].clear()

    def _write(self, name: str) -> None:
        pending = self._pending[name]
        if not pending:
            return
        schema = self.schemas[name]
        rows = pa.concat_tables(pending)
        pending.clear()
        self._pending_rows[name] = 0
        layout = layout_of(name, tuple(schema.names))
        # NULLs first, as a publish's ORDER BY … NULLS FIRST lays them out.
        keys = [(k, "ascending", "at_start") for k in (*layout.partition_by, *layout.sort_by)]
        rows = rows.take(pc.sort_indices(rows, sort_keys=keys))
        root = self.lake / name
        writer = PartWriter(
            root,
            schema,
            partition_by=layout.partition_by,
            row_group_rows=ROW_GROUP_ROWS,
            file_row_groups=FILE_ROW_GROUPS,
        )
        for batch in rows.to_batches(max_chunksize=ROW_GROUP_ROWS):
            writer.write(batch)
        self.files[name] += [str(root / written.path) for written in writer.close()]


def _decoded(rows: pa.Table, schema: pa.Schema) -> pa.Table:
    """``rows`` in ``schema``'s columns and exact types, dictionary-encoded columns decoded (a
    Parquet file of the lake holds plain columns, like every other file of its table)."""
    columns = []
    for target in schema:
        column = rows.column(target.name)
        if pa.types.is_dictionary(column.type):
            column = pa.chunked_array(
                [chunk.dictionary.take(chunk.indices) for chunk in column.chunks],
                type=column.type.value_type,
            )
        columns.append(column.cast(target.type) if column.type != target.type else column)
    return pa.Table.from_arrays(columns, schema=schema)
