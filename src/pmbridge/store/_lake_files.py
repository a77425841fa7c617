"""Write a sorted stream of rows as a Delta table's Parquet files: one directory per partition,
row groups of a fixed size with min/max statistics, partition columns kept inside the files.

Keeping ``assembly`` and ``chromosome`` in the files (Delta leaves them out) lets DuckDB and Spark
read a plain list of files with every column and its type, without parsing directory names.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

if TYPE_CHECKING:  # deltalake starts a thread when imported: only where a lake is written
    from deltalake.transaction import AddAction

NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
"""The directory name Delta and Hive give a NULL partition value."""
_NULL_KEY = "\x00"  # stands for NULL when comparing partition values (no assembly or chromosome is it)
_STATS_TEXT_MAX = 64  # longer text has no min/max in the Delta log (a truncated max is no bound)

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class WrittenFile:
    """One Parquet file written under a table's directory, ready to be committed to its Delta log."""

    path: str  # relative to the table's directory
    rows: int
    action: AddAction


class PartWriter:
    """Writes one table's rows, already sorted by its partition columns, into files under ``root``."""

    def __init__(
        self,
        root: Path,
        schema: pa.Schema,
        *,
        partition_by: Sequence[str],
        row_group_rows: int,
        file_row_groups: int,
    ) -> None:
        self.root = root
        self.schema = schema
        self.partition_by = tuple(partition_by)
        self.row_group_rows = row_group_rows
        self.file_rows = row_group_rows * file_row_groups
        self.written: list[WrittenFile] = []
        self._key: tuple[str | None, ...] | None = None
        self._writer: pq.ParquetWriter | None = None
        self._path = ""
        self._pending: list[pa.RecordBatch] = []
        self._pending_rows = 0
        self._file_rows = 0

    def write(self, batch: pa.RecordBatch) -> None:
        """Add ``batch``; a change of partition value closes the file and opens the next one."""
        for start, stop in _runs(batch, self.partition_by):
            part = batch.slice(start, stop - start)
            key = tuple(_value(part.column(name)[0]) for name in self.partition_by)
            if key != self._key:
                self._close()
                self._key = key
            self._pending.append(part)
            self._pending_rows += part.num_rows
            self._flush(final=False)

    def close(self) -> list[WrittenFile]:
        """Finish the last file; a table with no rows gets one empty file, so it still has a schema."""
        if self._key is None:
            self._key = tuple(None for _ in self.partition_by)
            self._open()
        self._close()
        return self.written

    def _flush(self, *, final: bool) -> None:
        while self._pending_rows >= self.row_group_rows or (final and self._pending_rows):
            if self._writer is None:
                self._open()
            take = min(self.row_group_rows, self._pending_rows, self.file_rows - self._file_rows)
            table = pa.Table.from_batches(self._pending, schema=self.schema)
            group, rest = table.slice(0, take), table.slice(take)
            assert self._writer is not None  # opened above
            self._writer.write_table(group.combine_chunks(), row_group_size=self.row_group_rows)
            self._file_rows += take
            self._pending = rest.to_batches()
            self._pending_rows = rest.num_rows
            if self._file_rows >= self.file_rows:
                self._finish_file()

    def _open(self) -> None:
        assert self._key is not None
        folder = "/".join(
            f"{name}={NULL_PARTITION if value is None else quote(value, safe='')}"
            for name, value in zip(self.partition_by, self._key, strict=True)
        )
        self._path = f"{folder}/" if folder else ""
        self._path += f"part-{uuid.uuid4().hex}.zstd.parquet"
        target = self.root / self._path
        target.parent.mkdir(parents=True, exist_ok=True)
        self._writer = pq.ParquetWriter(target, self.schema, compression="zstd", write_statistics=True)
        self._file_rows = 0

    def _close(self) -> None:
        if self._key is not None:
            self._flush(final=True)
        if self._writer is not None:
            self._finish_file()

    def _finish_file(self) -> None:
        from deltalake.transaction import AddAction

        writer, self._writer = self._writer, None
        if writer is None:
            return
        writer.close()
        target = self.root / self._path
        with open(target, "rb") as f:
            os.fsync(f.fileno())  # committed to the Delta log next: the bytes must be on disk first
        assert self._key is not None
        stat = target.stat()
        meta = pq.read_metadata(target)
        action = AddAction(
            path=self._path,
            size=stat.st_size,
            partition_values=dict(zip(self.partition_by, self._key, strict=True)),
            modification_time=stat.st_mtime_ns // 1_000_000,
            data_change=True,
            stats=json.dumps(delta_stats(meta, self.schema)),
        )
        self.written.append(WrittenFile(self._path, meta.num_rows, action))


def _value(scalar: pa.Scalar) -> str | None:
    value = scalar.as_py()
    return None if value is None else str(value)


def _runs(batch: pa.RecordBatch, columns: tuple[str, ...]) -> list[tuple[int, int]]:
    """(start, stop) of each run of equal partition values in a batch sorted by ``columns``."""
    n = batch.num_rows
    if not columns or n <= 1:
        return [(0, n)] if n else []
    changed = None
    for name in columns:
        column = pc.fill_null(pc.cast(batch.column(name), pa.string()), _NULL_KEY)
        differs = pc.not_equal(column.slice(1), column.slice(0, n - 1))
        changed = differs if changed is None else pc.or_(changed, differs)
    assert changed is not None
    cuts = [0, *(int(i) + 1 for i in pc.indices_nonzero(changed).to_pylist()), n]
    return list(itertools.pairwise(cuts))


def delta_stats(meta: pq.FileMetaData, schema: pa.Schema) -> dict[str, object]:
    """The Delta log's statistics of a file: rows, and min, max and NULLs of its flat columns,
    so Delta readers (Spark, delta-rs) skip files too."""
    stats: dict[str, object] = {"numRecords": meta.num_rows}
    mins: dict[str, object] = {}
    maxes: dict[str, object] = {}
    nulls: dict[str, int] = {}
    leaves = {meta.schema.column(i).path: i for i in range(meta.num_columns)}
    for field in schema:
        index = leaves.get(field.name)
        if index is None or not _has_stats(field.type):
            continue
        columns = [meta.row_group(g).column(index).statistics for g in range(meta.num_row_groups)]
        if any(c is None for c in columns):
            continue
        nulls[field.name] = sum(c.null_count for c in columns)
        bounded = [c for c in columns if c.has_min_max]
        if not bounded:
            continue
        low, high = min(c.min for c in bounded), max(c.max for c in bounded)
        if isinstance(high, str) and len(high) > _STATS_TEXT_MAX:
            continue
        mins[field.name], maxes[field.name] = _json(low), _json(high)
    stats.update(minValues=mins, maxValues=maxes, nullCount=nulls)
    return stats


def _has_stats(kind: pa.DataType) -> bool:
    return bool(pa.types.is_integer(kind) or pa.types.is_string(kind) or pa.types.is_date32(kind))


def _json(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value
