"""Publish a node's DuckDB store as a lake, append batches to it, and vacuum files no reader needs.

Every change commits each table's Delta log first and the lake's snapshot last: until the snapshot
is replaced no reader sees any of it, so a crash in between leaves readers on the old snapshot.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, TypeAlias

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from pmbridge.errors import StoreError
from pmbridge.store._gene_loci import GENE_LOCI_TABLE, widen_gene_loci
from pmbridge.store._lake import (
    FILE_ROW_GROUPS,
    ROW_GROUP_ROWS,
    SNAPSHOT,
    STAGING,
    LakeSnapshot,
    LakeTable,
    Layout,
    layout_of,
    read_snapshot,
    write_snapshot,
    writer_lock,
)
from pmbridge.store._lake_files import PartWriter
from pmbridge.store._store import NodeStore

if TYPE_CHECKING:  # deltalake starts a thread when imported: only where a lake is written
    from deltalake import DeltaTable

LakeProgress = Callable[[str, int, int], None]
"""Called as rows are written: (table, rows written so far, rows in the table)."""
Rows: TypeAlias = pa.Table | pa.RecordBatchReader
BATCH_ROWS = 64 * 1024
"""Rows per Arrow batch streamed out of DuckDB: memory stays flat whatever the table's size."""


def publish(
    store: NodeStore,
    lake: Path,
    *,
    progress: LakeProgress | None = None,
    row_group_rows: int = ROW_GROUP_ROWS,
    file_row_groups: int = FILE_ROW_GROUPS,
    discard_appends: bool = False,
) -> LakeSnapshot:
    """Write every table of ``store`` into ``lake``, replacing what the lake held (a new Delta
    version of each table), and make it readers' new snapshot in one step.

    Rows appended to the lake since its last publish (``append``, ``pmbridge store append-vcf``)
    are not in ``store``: publishing would drop them, so it is refused unless ``discard_appends``.
    """
    con = store.connection
    names = [
        str(r[0])
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() "
            "AND table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY table_name"
        ).fetchall()
    ]
    with writer_lock(lake):
        version = _current_version(lake, discard_appends=discard_appends)
        tables: dict[str, LakeTable] = {}
        for name in names:
            with con.cursor() as cursor:
                total = _count(cursor, name)
                columns = tuple(str(c) for c in cursor.sql(f'SELECT * FROM "{name}" LIMIT 0').columns)
                layout = layout_of(name, columns)
                reader = cursor.sql(f'SELECT * FROM "{name}"{_order(layout)}').to_arrow_reader(BATCH_ROWS)
                tables[name] = _write_table(
                    lake,
                    name,
                    reader,
                    layout,
                    mode="overwrite",
                    on_rows=None if progress is None else _reporter(progress, name, total),
                    sizes=(row_group_rows, file_row_groups),
                )
        snapshot = LakeSnapshot(lake=lake, version=version + 1, tables=MappingProxyType(tables))
        write_snapshot(snapshot)
    return snapshot


def append(
    lake: Path,
    batch: Mapping[str, Rows],
    *,
    row_group_rows: int = ROW_GROUP_ROWS,
    file_row_groups: int = FILE_ROW_GROUPS,
) -> LakeSnapshot:
    """Add ``batch``'s rows (per table name) to the lake; readers see all of them or none.

    Rows are added as given: ``ind`` values must name individuals the lake holds or that come in
    the same batch (new individuals above the lake's largest ``ind``, with their
    ``phenotype_ancestors``). Replacing a person's record is a re-publish of the DuckDB store.
    Appended variant calls widen ``gene_loci`` (unless the batch brings rows for it too).
    """
    sizes = (row_group_rows, file_row_groups)
    read_snapshot(lake, check_files=False)  # no lake: say so before taking (and making) its lock
    with writer_lock(lake), duckdb.connect() as con:
        before = read_snapshot(lake)
        tables = dict(before.tables)
        staged = {name: _stage(con, name, rows, lake, before.table(name)) for name, rows in batch.items()}
        if "variants" in staged and "gene_loci" in before.tables and "gene_loci" not in batch:
            # A gene filter reads only its span: the span must widen with the calls appended.
            con.execute(GENE_LOCI_TABLE)
            widen_gene_loci(con, "incoming_variants")
            con.execute("ALTER TABLE gene_loci RENAME TO incoming_gene_loci")
            staged["gene_loci"] = _file_schema(lake, before.table("gene_loci"))
        for name, schema in sorted(staged.items()):
            held = before.table(name)
            if not _count(con, f"incoming_{name}"):
                continue  # no new file, no new Delta version
            _repair(lake, name, held)
            layout = layout_of(name, tuple(schema.names))
            reader = con.sql(f"SELECT * FROM incoming_{name}{_order(layout)}").to_arrow_reader(BATCH_ROWS)
            added = _write_table(
                lake, name, _cast(reader, schema), layout, mode="append", on_rows=None, sizes=sizes
            )
            tables[name] = LakeTable(added.delta_version, held.files + added.files, held.rows + added.rows)
        snapshot = LakeSnapshot(
            lake=lake, version=before.version + 1, tables=MappingProxyType(tables), appends=before.appends + 1
        )
        write_snapshot(snapshot)
    return snapshot


def _stage(con: duckdb.DuckDBPyConnection, name: str, rows: Rows, lake: Path, held: LakeTable) -> pa.Schema:
    """Copy ``rows`` into table ``incoming_<name>`` of ``con``, in the lake table's columns; its schema."""
    schema = _file_schema(lake, held)
    given = set(rows.schema.names)
    missing = [c for c in schema.names if c not in given]
    extra = sorted(given - set(schema.names))
    if missing or extra:
        raise StoreError(
            f"rows appended to lake table {name!r} do not fit it: missing {missing}, unknown {extra}",
            hint=f"give every column of {name} ({', '.join(schema.names)}) and no other",
        )
    con.register("given", rows)
    select = ", ".join(f'"{c}"' for c in schema.names)
    con.execute(f"CREATE TABLE incoming_{name} AS SELECT {select} FROM given")
    con.unregister("given")
    return schema


def _file_schema(lake: Path, held: LakeTable) -> pa.Schema:
    """The Arrow schema of a lake table's files (every file of a table has the same one)."""
    return pq.read_schema(lake / held.files[0])


def vacuum(lake: Path, *, keep_hours: int) -> list[str]:
    """Delete the files that no snapshot of the last ``keep_hours`` hours lists; returns them.

    A reader keeps the files of the snapshot it opened while its queries run: keep longer than
    the longest query. Files of a write that crashed before its snapshot go too.
    """
    from deltalake import DeltaTable

    if keep_hours < 0:
        raise StoreError(f"keep_hours = {keep_hours} is negative", hint="keep at least 0 hours")
    removed: list[str] = []
    read_snapshot(lake, check_files=False)  # no lake: say so before taking (and making) its lock
    with writer_lock(lake):
        snapshot = read_snapshot(lake)
        for name, held in sorted(snapshot.tables.items()):
            _repair(lake, name, held)
            table = DeltaTable(str(lake / name))
            removed += table.vacuum(
                retention_hours=keep_hours, dry_run=False, enforce_retention_duration=False, full=True
            )
        cutoff = time.time() - keep_hours * 3600
        for leftover in lake.glob(f"{SNAPSHOT}.*.tmp"):  # a crash between writing and renaming
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink(missing_ok=True)
                removed.append(str(leftover))
        for run in sorted((lake / STAGING).glob("*")):  # a killed append-vcf run's own folder
            if run.stat().st_mtime < cutoff:
                shutil.rmtree(run, ignore_errors=True)
                removed.append(str(run))
    return removed


def _write_table(
    lake: Path,
    name: str,
    reader: pa.RecordBatchReader,
    layout: Layout,
    *,
    mode: str,
    on_rows: Callable[[int], None] | None,
    sizes: tuple[int, int],
) -> LakeTable:
    """Write ``reader``'s rows (sorted by ``layout``) as new files of table ``name`` and commit them."""
    from deltalake import DeltaTable
    from deltalake import Schema as DeltaSchema
    from deltalake.transaction import AddAction, RemoveAction, create_table_with_add_actions

    root = lake / name
    writer = PartWriter(
        root,
        reader.schema,
        partition_by=layout.partition_by,
        row_group_rows=sizes[0],
        file_row_groups=sizes[1],
    )
    done = 0
    for batch in reader:
        writer.write(batch)
        done += batch.num_rows
        if on_rows is not None:
            on_rows(done)
    written = writer.close()
    actions = [w.action for w in written]
    schema = DeltaSchema.from_arrow(reader.schema)
    partition_by = list(layout.partition_by)
    if DeltaTable.is_deltatable(str(root)):
        table = DeltaTable(str(root))
        table.create_write_transaction(
            list[AddAction | RemoveAction](actions), mode=mode, schema=schema, partition_by=partition_by
        )
    else:
        create_table_with_add_actions(str(root), schema, actions, mode="error", partition_by=partition_by)
    version = DeltaTable(str(root)).version()
    return LakeTable(version, tuple(f"{name}/{w.path}" for w in written), sum(w.rows for w in written))


def _repair(lake: Path, name: str, held: LakeTable) -> None:
    """Set a Delta table back to the files the snapshot lists when a write crashed after its Delta
    commit and before the snapshot: the next snapshot must not pick up half a batch."""
    from deltalake import DeltaTable

    table = DeltaTable(str(lake / name))
    _refuse_deletion_vectors(table, name)
    prefix = f"{name}/"
    listed = {f.removeprefix(prefix) for f in held.files}
    current = set(pa.table(table.get_add_actions()).column("path").to_pylist())
    if current == listed:
        return
    if table.version() <= held.delta_version:
        raise StoreError(
            f"the lake table {name!r} does not hold the files its snapshot lists",
            hint="another tool changed the lake; publish the store again",
        )
    table.restore(held.delta_version)


def _refuse_deletion_vectors(table: DeltaTable, name: str) -> None:
    """Readers read whole Parquet files: rows another Delta writer marked deleted in a deletion
    vector would come back. A publish replaces every file, and with them the vectors."""
    if "deletionVectors" not in (table.protocol().reader_features or []):
        return
    if pa.RecordBatchReader.from_stream(table.deletion_vectors()).read_all().num_rows:
        raise StoreError(
            f"the lake table {name!r} has rows deleted by deletion vectors, which PM Bridge's readers "
            "do not apply",
            hint="do not delete rows with another Delta writer; publish the store again instead",
        )


def _cast(reader: pa.RecordBatchReader, schema: pa.Schema) -> pa.RecordBatchReader:
    """``reader``'s batches in the table's exact types, so every file of a table has one schema."""
    batches = (
        pa.Table.from_batches([b]).cast(schema).combine_chunks().to_batches()[0] for b in reader if b.num_rows
    )
    return pa.RecordBatchReader.from_batches(schema, batches)


def _order(layout: Layout) -> str:
    keys = (*layout.partition_by, *layout.sort_by)
    return " ORDER BY " + ", ".join(f'"{k}" NULLS FIRST' for k in keys) if keys else ""


def _count(cursor: duckdb.DuckDBPyConnection, table: str) -> int:
    rows = cursor.execute(f'SELECT count(*) FROM "{table}"').fetchall()
    return int(rows[0][0])


def _current_version(lake: Path, *, discard_appends: bool) -> int:
    """The snapshot version to build on: 0 for a new lake; a lake of a newer format is refused, and
    so is one holding appends the store file lacks, unless they are to be discarded."""
    if not (lake / SNAPSHOT).exists():
        return 0
    try:
        held = read_snapshot(lake, check_files=False)
    except StoreError as exc:
        if exc.code == "schema_too_new":
            raise
        return int(time.time())  # an unreadable snapshot: publishing replaces it, with a fresh number
    if held.appends and not discard_appends:
        raise StoreError(
            f"the lake at {lake} holds {held.appends} append(s) since its last publish (e.g. VCFs added "
            "with `pmbridge store append-vcf`) that the store file lacks: publishing would drop them",
            hint="ingest those inputs into the store file first and publish with --discard-appends, "
            "or keep appending; --discard-appends drops them on purpose",
        )
    return held.version


def _reporter(progress: LakeProgress, name: str, total: int) -> Callable[[int], None]:
    return lambda done: progress(name, done, total)
