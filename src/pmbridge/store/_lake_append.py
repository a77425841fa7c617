"""Commit Parquet files that were written elsewhere (e.g. by Spark executors) to a lake, as one snapshot.

A parallel ingest writes each task's files straight into the lake's table directories; only this
commit, under the writer lock, makes them part of the Delta tables and of the readers' snapshot.
Until then they are unlisted files, which a failed run leaves for ``vacuum`` to remove.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING
from urllib.parse import unquote

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from pmbridge.errors import StoreError
from pmbridge.store._gene_loci import GENE_LOCI_TABLE, widen_gene_loci
from pmbridge.store._lake import (
    FILE_ROW_GROUPS,
    ROW_GROUP_ROWS,
    LakeSnapshot,
    LakeTable,
    layout_of,
    read_snapshot,
    write_snapshot,
    writer_lock,
)
from pmbridge.store._lake_files import NULL_PARTITION, delta_stats
from pmbridge.store._lake_write import BATCH_ROWS, _cast, _file_schema, _order, _repair, _write_table

if TYPE_CHECKING:  # deltalake starts a thread when imported: only where a lake is written
    from deltalake.transaction import AddAction

_RERUN = "run the append again: it stages against the lake's current snapshot"


def table_schema(lake: Path, snapshot: LakeSnapshot, table: str) -> pa.Schema:
    """The Arrow schema every file of ``table`` has: files staged for it must be written in it."""
    return _file_schema(lake, snapshot.table(table))


def append_files(
    lake: Path, staged: Mapping[str, Sequence[Path | str]], *, expect_version: int | None = None
) -> LakeSnapshot:
    """Make ``staged`` (per table, Parquet files already written inside ``lake/<table>/``, in the
    table's schema and partition directories) part of the lake in one new snapshot.

    Same order and crash rules as :func:`~pmbridge.store._lake_write.append`: Delta commits first,
    the snapshot last. ``expect_version``: the snapshot the files were staged against (their
    ``ind`` values and the absence of their sources were checked on it); a lake that moved on
    since is refused, since a publish in between may have renumbered individuals. Appended
    variant calls widen ``gene_loci``.
    """
    from deltalake import DeltaTable
    from deltalake import Schema as DeltaSchema
    from deltalake.transaction import AddAction, RemoveAction

    read_snapshot(lake, check_files=False)  # no lake: say so before taking (and making) its lock
    with writer_lock(lake), duckdb.connect() as con:
        before = read_snapshot(lake)
        if expect_version is not None and before.version != expect_version:
            raise StoreError(
                f"the lake at {lake} moved from snapshot {expect_version} to {before.version} while "
                "files were staged for it; nothing was appended",
                hint=_RERUN,
            )
        received = {
            name: _received(lake, name, paths, before.table(name)) for name, paths in staged.items() if paths
        }
        tables = dict(before.tables)
        for name, files in sorted(received.items()):
            held = before.table(name)
            _repair(lake, name, held)
            schema = _file_schema(lake, held)
            root = lake / name
            DeltaTable(str(root)).create_write_transaction(
                list[AddAction | RemoveAction]([f.action for f in files]),
                mode="append",
                schema=DeltaSchema.from_arrow(schema),
                partition_by=list(layout_of(name, tuple(schema.names)).partition_by),
            )
            tables[name] = LakeTable(
                DeltaTable(str(root)).version(),
                held.files + tuple(f"{name}/{f.action.path}" for f in files),
                held.rows + sum(f.rows for f in files),
            )
        if "variants" in received and "gene_loci" in before.tables and "gene_loci" not in staged:
            tables["gene_loci"] = _widen_loci(con, lake, before, received["variants"])
        snapshot = LakeSnapshot(
            lake=lake, version=before.version + 1, tables=MappingProxyType(tables), appends=before.appends + 1
        )
        write_snapshot(snapshot)
    return snapshot


@dataclass(frozen=True, slots=True)
class _Received:
    """A staged file, checked, as the Delta log will name it."""

    action: AddAction
    rows: int


def _received(lake: Path, name: str, paths: Sequence[Path | str], held: LakeTable) -> list[_Received]:
    """Each staged file of table ``name`` checked (inside the table's directory, present, in its
    schema and partition directories) and described as a Delta add action."""
    from deltalake.transaction import AddAction

    root = (lake / name).resolve()
    schema = _file_schema(lake, held)
    partition_by = layout_of(name, tuple(schema.names)).partition_by
    listed = frozenset(held.files)
    out: list[_Received] = []
    for given in paths:
        path = Path(given).resolve()
        if not path.is_relative_to(root) or path == root:
            raise StoreError(
                f"{given} is not inside the lake table's directory {root}",
                hint="stage files with the lake's VCF staging (pmbridge store append-vcf), which writes "
                "them in place",
            )
        if not path.is_file():
            raise StoreError(
                f"the staged file {given} is missing",
                hint=f"a vacuum with a short --keep-hours may have removed it; {_RERUN}",
            )
        meta = pq.read_metadata(path)
        if not meta.schema.to_arrow_schema().equals(schema, check_metadata=False):
            raise StoreError(
                f"the staged file {given} does not have the columns of lake table {name!r}",
                hint=f"write it in the table's schema ({', '.join(schema.names)}); {_RERUN}",
            )
        relative = path.relative_to(root).as_posix()
        if f"{name}/{relative}" in listed:
            raise StoreError(
                f"the staged file {given} is already part of lake table {name!r}",
                hint="an append was committed already (a retried run?); nothing was added twice",
            )
        stat = path.stat()
        action = AddAction(
            path=relative,
            size=stat.st_size,
            partition_values=_partition_values(relative, partition_by, given),
            modification_time=stat.st_mtime_ns // 1_000_000,
            data_change=True,
            stats=json.dumps(delta_stats(meta, schema)),
        )
        out.append(_Received(action, meta.num_rows))
    return out


def _partition_values(
    relative: str, partition_by: tuple[str, ...], given: Path | str
) -> dict[str, str | None]:
    """The partition values a file's directories name (``assembly=GRCh38/chromosome=chr1/…``)."""
    folders = relative.split("/")[:-1]
    values: dict[str, str | None] = {}
    for folder in folders:
        key, _, value = folder.partition("=")
        values[key] = None if value == NULL_PARTITION else unquote(value)
    if list(values) != list(partition_by):
        raise StoreError(
            f"the staged file {given} is not in the table's partition directories "
            f"({'/'.join(f'{k}=…' for k in partition_by) or 'none'})",
            hint="stage files with the lake's VCF staging (pmbridge store append-vcf)",
        )
    return values


def _widen_loci(
    con: duckdb.DuckDBPyConnection, lake: Path, before: LakeSnapshot, calls: list[_Received]
) -> LakeTable:
    """Append the spans of the appended calls to ``gene_loci``: a gene filter reads its span only."""
    files = ", ".join("'" + str(lake / "variants" / c.action.path).replace("'", "''") + "'" for c in calls)
    con.execute(
        f"CREATE VIEW incoming_variants AS SELECT * FROM read_parquet([{files}], "
        "hive_partitioning = false, binary_as_string = true)"
    )
    con.execute(GENE_LOCI_TABLE)
    widen_gene_loci(con, "incoming_variants")
    held = before.table("gene_loci")
    if not con.execute("SELECT count(*) FROM gene_loci").fetchall()[0][0]:
        return held  # no gene among the calls: no new file, no new Delta version
    _repair(lake, "gene_loci", held)
    schema = _file_schema(lake, held)
    layout = layout_of("gene_loci", tuple(schema.names))
    reader = con.sql(f"SELECT * FROM gene_loci{_order(layout)}").to_arrow_reader(BATCH_ROWS)
    added = _write_table(
        lake,
        "gene_loci",
        _cast(reader, schema),
        layout,
        mode="append",
        on_rows=None,
        sizes=(ROW_GROUP_ROWS, FILE_ROW_GROUPS),
    )
    return LakeTable(added.delta_version, held.files + added.files, held.rows + added.rows)


def remove_staged(paths: Sequence[Path | str]) -> None:
    """Delete staged files of a run that will not be committed (best effort: vacuum removes any left)."""
    for path in paths:
        with contextlib.suppress(OSError):
            os.unlink(path)
