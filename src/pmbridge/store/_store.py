"""A node's store: one DuckDB file holding its datasets, patient records and the HPO closure."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Concatenate, ParamSpec, TypeVar

import duckdb
import pyarrow as pa

from pmbridge.errors import StoreError
from pmbridge.model import (
    AccessLevel,
    Dataset,
    Dimension,
    GeneFilter,
    Granularity,
    IndividualQuery,
    Jurisdiction,
    PatientRecord,
    Variable,
)
from pmbridge.store import _vcf_calls as _vcf
from pmbridge.store._analysis_frame import analysis_frame_sql, frame_schema
from pmbridge.store._answers import AnswerCache, Counted
from pmbridge.store._closure import (
    RESORT_SHARE,
    rebuild_closure,
    sort_phenotype_ancestors,
)
from pmbridge.store._cohorts import (
    Members,
    allele_sql,
    counted_members_sql,
    members_by_sql,
    people_sql,
    read_counted_members,
    read_members_by,
    read_people,
)
from pmbridge.store._compile import CompiledQuery, count_by_dataset
from pmbridge.store._engine import DuckDBEngine, Engine
from pmbridge.store._entries import count_entries
from pmbridge.store._gene_loci import GeneSpan, read_spans, widen_gene_loci
from pmbridge.store._pages import Row, read_page
from pmbridge.store._query import EntryQuery
from pmbridge.store._rows import RecordTables, to_tables
from pmbridge.store._schema import LATEST_VERSION, migrate, schema_version
from pmbridge.store._store_writes import RECORD_TABLES, insert_batch

P = ParamSpec("P")
R = TypeVar("R")


def _one_snapshot(method: Callable[Concatenate[NodeStore, P], R]) -> Callable[Concatenate[NodeStore, P], R]:
    """Run a read on one snapshot of the data: its statements (and the lookups that tune them)
    all go through one pinned engine, so another thread's write or a lake's new snapshot cannot
    fall between them. A read inside a read shares the outer one's engine."""

    def read(self: NodeStore, /, *args: P.args, **kwargs: P.kwargs) -> R:
        if getattr(self._local, "engine", None) is not None:
            return method(self, *args, **kwargs)
        self._fresh()
        with self._engine.pinned() as engine:
            self._local.engine = engine
            try:
                return method(self, *args, **kwargs)
            finally:
                self._local.engine = None

    functools.update_wrapper(read, method)  # the read keeps its name and docstring
    return read


SPANS_KEPT = 4096
"""Gene spans remembered at most (a lookup of ``gene_loci`` is cheap; unbounded memory is not)."""
DATA_VERSION = "data_version"
"""The ``meta`` key counting the writes a store file has seen (every ingest moves it on)."""


class NodeStore:
    """Open a DuckDB file with :meth:`open`; every write happens inside :meth:`transaction`.

    A read-only store can also stand over any :class:`Engine` (a lake read by DuckDB or Spark):
    ``changed`` then says, before each read, whether the data moved on since the last one.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection | None,
        *,
        path: Path,
        read_only: bool,
        engine: Engine | None = None,
        changed: Callable[[], bool] | None = None,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        if con is None and (engine is None or not read_only):
            raise ValueError("a store without a DuckDB connection must be read-only over an engine")
        self._duck = con
        self._engine: Engine = engine if engine is not None else DuckDBEngine(_required(con))
        self._changed = changed
        self._on_close = on_close
        self._local = threading.local()  # the engine pinned by the read this thread is in
        self.path = path
        self.read_only = read_only
        self._contents: dict[str, tuple[int, bool]] | None = None
        self._names: tuple[frozenset[str | None], frozenset[str | None], int] | None = None
        self._answers = AnswerCache()
        self._spans: dict[tuple[int, str], GeneSpan | None] = {}
        self._appended = 0  # phenotype_ancestors rows appended out of order since it was last sorted
        self._version = int(self.meta(DATA_VERSION) or 0)

    @classmethod
    def open(cls, path: Path, *, read_only: bool = False) -> NodeStore:
        """Open (creating and migrating when writable) the store at ``path``."""
        if read_only and not path.exists():
            raise StoreError(
                f"no node store at {path}",
                hint="create it with `pmbridge ingest --store PATH FILES…` or check the path",
            )
        try:
            con = duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            raise StoreError(
                f"cannot open node store {path}: {exc}",
                hint="another process (a running node or ingest) may hold it; stop it and retry",
            ) from exc
        if read_only:
            found = schema_version(con)
            if found != LATEST_VERSION:
                con.close()
                raise StoreError(
                    f"{path} has schema version {found}, this PM Bridge needs {LATEST_VERSION}",
                    hint="open it once read-write (e.g. `pmbridge ingest`) to migrate it",
                )
        else:
            migrate(con, path=str(path))
        return cls(con, path=path, read_only=read_only)

    def close(self) -> None:
        if self._duck is not None:
            self._duck.close()
        if self._on_close is not None:
            self._on_close()

    def __enter__(self) -> NodeStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The raw DuckDB connection, for writes, benchmarks and analyses registered in code."""
        if self._duck is None:
            raise StoreError(
                f"the store at {self.path} is read through the {self._engine.dialect} engine and "
                "has no DuckDB connection",
                hint="open the node's DuckDB file (or the lake with engine = 'duckdb') for this",
            )
        return self._duck

    @property
    def engine(self) -> Engine:
        """The engine every read of this store goes through."""
        return self._engine

    @property
    def _con(self) -> duckdb.DuckDBPyConnection:
        return self.connection

    @property
    def _reads(self) -> Engine:
        """The engine of the read this thread is in (see :func:`_one_snapshot`)."""
        engine: Engine | None = getattr(self._local, "engine", None)
        return engine if engine is not None else self._engine

    def _fresh(self) -> None:
        """Forget what was read before when the data under a read-only store moved on (a lake's
        new snapshot); called before every read."""
        if self._changed is not None and self._changed():
            self._forget()
            self._names = None
            self._contents = None

    @property
    def version(self) -> int:
        """A number that changes with every write through this store (each batch, dataset and closure
        written, each commit and rollback) and is kept in the file, so every ingest moves it on.

        What was read at one version holds for as long as the version stands; that is what lets
        :meth:`counted` remember answers. Writes made through :attr:`connection` are not seen.
        """
        return self._version

    def _wrote(self) -> None:
        """Move the version on and forget every remembered answer.

        Inside a transaction the stored number moves with the writes (and back on rollback); the
        one in memory only ever grows, so no version is ever given to two different contents.
        """
        self._forget()
        if not self.read_only:
            self._con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [DATA_VERSION, str(self._version)])

    def _forget(self) -> None:
        self._version += 1
        self._answers.clear()
        self._spans.clear()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together; any exception (Ctrl-C included) rolls them back."""
        self._con.begin()
        try:
            yield
        except BaseException:
            self._con.rollback()
            self._appended = 0
            self._forget()  # answers read during the transaction may have seen its writes
            raise
        if self._appended and self._appended >= RESORT_SHARE * _scalar(
            self._con, "SELECT count(*) FROM phenotype_ancestors"
        ):
            sort_phenotype_ancestors(self._con)  # a large ingest: worth one sort; a small one is not
        self._appended = 0
        self._con.commit()
        # Cursors (other connections) saw none of the writes before the commit: answers they read
        # inside the transaction are stale now.
        self._forget()

    @_one_snapshot
    def meta(self, key: str) -> str | None:
        rows = self._reads.rows(CompiledQuery("SELECT value FROM meta WHERE key = ?", (key,)))
        return str(rows[0][0]) if rows else None

    @property
    def hpo_release(self) -> str | None:
        """The HPO release the closure table was built from."""
        return self.meta("hpo_release")

    def sync_closure(self, pairs: pa.Table | Iterable[tuple[str, str]], *, release: str) -> bool:
        """Rebuild the HPO closure when ``release`` differs from the stored one; True if rebuilt."""
        if self.hpo_release == release:
            return False
        rebuild_closure(self._con, pairs, release=release)
        self._appended = 0  # rebuilt in order
        self._wrote()
        return True

    def put_datasets(self, datasets: Sequence[Dataset]) -> None:
        for ds in datasets:
            self._con.execute(
                "INSERT OR REPLACE INTO datasets VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    ds.id,
                    ds.name,
                    ds.description,
                    list(ds.duo_codes),
                    ds.jurisdiction.value,
                    ds.max_granularity(AccessLevel.PUBLIC).value,
                    ds.max_granularity(AccessLevel.REGISTERED).value,
                    ds.max_granularity(AccessLevel.CONTROLLED).value,
                ],
            )
        self._wrote()

    @_one_snapshot
    def datasets(self) -> list[Dataset]:
        rows = self._reads.rows(CompiledQuery("SELECT * FROM datasets ORDER BY id", ()))
        return [
            Dataset(
                id=r[0],
                name=r[1],
                description=r[2],
                duo_codes=tuple(r[3]),
                jurisdiction=Jurisdiction(r[4]),
                release_caps={
                    AccessLevel.PUBLIC: Granularity(r[5]),
                    AccessLevel.REGISTERED: Granularity(r[6]),
                    AccessLevel.CONTROLLED: Granularity(r[7]),
                },
            )
            for r in rows
        ]

    def write_records(self, records: Sequence[PatientRecord]) -> int:
        """Insert ``records``, replacing any stored individual with the same (dataset, id).

        Returns how many stored individuals were replaced. Call inside :meth:`transaction`.
        """
        return self.write_batch(to_tables(records, first_ind=0))

    def write_batch(self, batch: RecordTables) -> int:
        """Insert a batch whose ``ind`` column numbers its individuals locally (any distinct ints).

        Within the batch the last record of an individual wins; a stored individual with the same
        (dataset, id) is replaced. Returns how many stored individuals were replaced.
        """
        try:
            replaced, appended = insert_batch(self._con, batch)
        except BaseException:
            self._forget()  # part of the batch may be in; the stored number moves on at the rollback
            raise
        self._appended += appended
        self._wrote()
        return replaced

    def individual_inds(self, dataset_id: str, ids: Sequence[str]) -> dict[str, int]:
        """The internal ``ind`` of each of ``ids`` stored in ``dataset_id`` (absent when not stored)."""
        return _vcf.individual_inds(self._con, dataset_id, ids)

    def clear_vcf(self, dataset_id: str, source: str) -> int:
        """Remove what an earlier ingest of the VCF named ``source`` wrote into ``dataset_id``
        (its variant rows and allele counts); returns the variant rows removed."""
        removed = _vcf.clear_source(self._con, dataset_id, source)
        self._wrote()
        return removed

    def vcf_summary(self, dataset_id: str, source: str) -> tuple[int, int, int]:
        """(alleles, calls, carriers) the VCF named ``source`` holds in ``dataset_id``."""
        return _vcf.source_summary(self._con, dataset_id, source)

    def write_vcf_calls(self, calls: pa.Table, counts: pa.Table) -> None:
        """Append a VCF's variant rows (the ``variants`` schema, origin ``vcf``, ``ind`` the store's)
        and allele counts (:data:`ALLELE_COUNTS`); any column may come dictionary-encoded. Call
        inside :meth:`transaction`."""
        _vcf.insert_calls(self._con, calls, counts)
        self._con.register("incoming_calls", calls)
        try:
            widen_gene_loci(self._con, "incoming_calls")
        finally:
            self._con.unregister("incoming_calls")
        self._wrote()

    @_one_snapshot
    def count_individuals(self, query: IndividualQuery) -> dict[str, int]:
        """Individuals matching ``query`` per dataset (datasets with none are absent)."""
        genes = tuple(f.symbol for f in query.filters if isinstance(f, GeneFilter))
        spans = tuple(s for s in self._gene_spans(genes).values() if s is not None)
        rows = self._reads.rows(count_by_dataset(query, spans=spans))
        return {str(ds): int(n) for ds, n in rows}

    def count_entries(self, query: EntryQuery) -> dict[str, int]:
        """Entries of ``query.entry`` matching ``query`` per dataset (datasets with none are absent)."""
        return dict(self.counted(query).counts)

    def members(self, query: EntryQuery) -> Members:
        """The individuals (internal ids) behind ``query``'s entries per dataset; never sent out."""
        members = self.counted(query, members=True).members
        return dict(members) if members is not None else {}

    def counted(self, query: EntryQuery, *, members: bool = False) -> Counted:
        """:meth:`count_entries` and, with ``members``, :meth:`members` of ``query``, read together.

        One statement answers both, and the
        answer is remembered for as long as the store's :attr:`version` stands: the same question
        over the same data is read once. Paging (``skip``, ``limit``) does not change a count.
        """
        self._fresh()  # a lake's new snapshot moves the version on before the answers are looked up
        version = self._version
        question = replace(query, skip=0, limit=0)
        for key in ((version, question, True), (version, question, members)):
            found = self._answers.get(key)
            if found is not None:
                return found  # no cursor, no transaction: the remembered answer is the read
        answer = self._count(query, members=members)
        if version == self._version:  # a write in the meantime may have been half seen
            self._answers.put((version, question, members), answer)
        return answer

    @_one_snapshot
    def _count(self, query: EntryQuery, *, members: bool) -> Counted:
        tuned = self._tuned(query)
        engine = self._reads
        if members:
            counts, ids = read_counted_members(engine, counted_members_sql(tuned))
            answer = Counted.of(counts, ids)
        else:
            rows = engine.rows(count_entries(tuned))
            answer = Counted.of({str(ds): int(n) for ds, n in rows}, None)
        return answer

    @_one_snapshot
    def people(self, query: EntryQuery) -> dict[str, frozenset[str]]:
        """``dataset/id`` of the individuals behind ``query``'s entries per dataset (export counters)."""
        return read_people(self._reads, people_sql(self._tuned(query)))

    @_one_snapshot
    def members_by(
        self, query: EntryQuery, dimension: Dimension, *, categories: Sequence[str] = ()
    ) -> Mapping[str, Members]:
        """The individuals matching ``query`` per dataset and cell (sex, age band, HPO category)."""
        compiled = members_by_sql(self._tuned(query), dimension, categories=categories)
        return read_members_by(self._reads, compiled)

    @_one_snapshot
    def allele_counts(self, query: EntryQuery) -> dict[str, tuple[dict[str, int], int]]:
        """Per dataset: calls of the matching variants by zygosity, and the people genotyped."""
        zygosities, genotyped = allele_sql(self._tuned(query))
        found: dict[str, tuple[dict[str, int], int]] = {}
        for ds, zygosity, n in self._reads.rows(zygosities):
            found.setdefault(str(ds), ({}, 0))[0][str(zygosity)] = int(n)
        for ds, n in self._reads.rows(genotyped):
            found[str(ds)] = (found.get(str(ds), ({}, 0))[0], int(n))
        return found

    @_one_snapshot
    def analysis_frame(self, query: EntryQuery, variables: Sequence[Variable]) -> pa.Table:
        """One row per individual matching ``query`` (an individuals query), ordered by ``ind``:
        ``ind`` (int64), ``dataset_id`` (string), then one float64 column per variable, named by
        ``variable.name``, with the value :data:`pmbridge.model.MEANINGS` gives and NULL where missing.

        The rows are the node's own: never send them out; release only what disclosure control allows.
        """
        table = self._reads.arrow(analysis_frame_sql(self._tuned(query), variables))
        schema = frame_schema(variables)
        return table.rename_columns(schema.names).cast(schema)

    @_one_snapshot
    def page(self, query: EntryQuery, *, dataset: str) -> list[Row]:
        """Records ``query.skip`` to ``query.skip + query.limit`` of ``dataset`` for ``query``."""
        return read_page(self._reads, self._tuned(query), dataset=dataset)

    def _tuned(self, query: EntryQuery) -> EntryQuery:
        """``query`` with its variant names cut to the spellings this store holds, and scans bounded.

        Asking for twenty spellings of GRCh38 costs a comparison per row; a store usually holds
        one, and when every stored value is wanted the condition is dropped altogether.
        """
        variant = query.variant
        genes = tuple(f.symbol for f in query.filters if isinstance(f, GeneFilter))
        genes += (variant.gene,) if variant.gene is not None else ()
        if variant.empty and not genes:
            return query
        if not variant.empty:
            assemblies, chromosomes, longest = self._variant_names()
            variant = replace(
                variant,
                assemblies=_held(variant.assemblies, assemblies),
                chromosomes=_held(variant.chromosomes, chromosomes),
                longest_reference=longest,
            )
        spans = tuple(s for s in self._gene_spans(genes).values() if s is not None)
        return replace(query, variant=replace(variant, gene_spans=spans))

    def _gene_spans(self, genes: Sequence[str]) -> dict[str, GeneSpan | None]:
        """Where ``genes``' calls lie (see :mod:`._gene_loci`), remembered while the version stands."""
        version = self._version
        missing = sorted({g for g in genes if (version, g) not in self._spans})
        if len(self._spans) + len(missing) > SPANS_KEPT:
            self._spans.clear()  # any names a caller sends: the memory stays bounded
        if missing:
            for gene, span in read_spans(self._reads, missing).items():
                self._spans[(version, gene)] = span
        return {g: self._spans.get((version, g)) for g in genes}

    def _variant_names(self) -> tuple[frozenset[str | None], frozenset[str | None], int]:
        """The assembly and chromosome spellings stored, and the longest reference allele."""
        if self._names is not None:
            return self._names
        run = self._reads.rows
        assemblies = run(CompiledQuery("SELECT DISTINCT assembly FROM variants", ()))
        chromosomes = run(CompiledQuery("SELECT DISTINCT chromosome FROM variants", ()))
        longest = run(CompiledQuery("SELECT coalesce(max(length(reference)), 1) FROM variants", ()))
        names = (
            frozenset(row[0] for row in assemblies),
            frozenset(row[0] for row in chromosomes),
            int(longest[0][0]),
        )
        if self.read_only:
            self._names = names
        return names

    @_one_snapshot
    def dataset_contents(self) -> dict[str, tuple[int, bool]]:
        """(individuals, whether any variant call has a position) per dataset, for collection records.

        Cached on a read-only store, whose contents cannot change while it is open.
        """
        if self._contents is not None:
            return self._contents
        sizes = self._reads.rows(
            CompiledQuery("SELECT dataset_id, count(*) FROM individuals GROUP BY dataset_id", ())
        )
        genotyped = self._reads.rows(
            CompiledQuery(
                "SELECT DISTINCT i.dataset_id FROM individuals i "
                "WHERE i.ind IN (SELECT v.ind FROM variants v WHERE v.position IS NOT NULL)",
                (),
            )
        )
        with_variants = {str(row[0]) for row in genotyped}
        contents = {str(ds): (int(n), str(ds) in with_variants) for ds, n in sizes}
        if self.read_only:
            self._contents = contents
        return contents

    @_one_snapshot
    def table_counts(self) -> dict[str, int]:
        """Row counts of every record table, for status pages and tests."""
        return {
            t: int(self._reads.rows(CompiledQuery(f"SELECT count(*) FROM {t}", ()))[0][0])
            for t in RECORD_TABLES
        }


def _held(wanted: tuple[str, ...], stored: frozenset[str | None]) -> tuple[str, ...]:
    """The spellings in ``wanted`` that are stored; none when all stored values are wanted.

    >>> _held(("GRCh38", "hg38"), frozenset({"hg38"}))
    ()
    >>> _held(("15", "chr15"), frozenset({"chr15", "chr2"}))
    ('chr15',)
    >>> _held(("15",), frozenset({"chr2"}))
    ('15',)
    """
    if not wanted:
        return ()
    kept = tuple(w for w in wanted if w in stored)
    if not kept:
        return wanted  # nothing stored under these names: the condition keeps matching nothing
    if None not in stored and stored <= set(kept):
        return ()
    return kept


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> int:
    rows = con.execute(sql, list(params)).fetchall()
    return int(rows[0][0]) if rows else 0


def _required(con: duckdb.DuckDBPyConnection | None) -> duckdb.DuckDBPyConnection:
    if con is None:  # pragma: no cover - __init__ checks first
        raise ValueError("no DuckDB connection")
    return con
