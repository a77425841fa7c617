"""An ingest run: read, check (in parallel), load in batches inside one transaction, quarantine the rest.

Atomic: Ctrl-C, an exception or a killed process leaves the store exactly as it was.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from pmbridge.errors import IngestError
from pmbridge.ingest._chunks import CheckedChunk, check_chunk, check_chunk_in_worker, init_worker
from pmbridge.ingest._limits import DEFAULT_LIMITS, IngestLimits
from pmbridge.ingest._quarantine import Quarantine
from pmbridge.ingest._report import IngestReport, Level, RecordProblem, VcfLoaded
from pmbridge.ingest._sources import Format, Input, RawItem, SourcePlan, plan_sources, read_items
from pmbridge.model import Dataset
from pmbridge.store import NodeStore, RecordTables
from pmbridge.vocab import HpoIndex
from pmbridge.workers import DEFAULT_STALL_SECONDS, WorkerPool

if TYPE_CHECKING:
    from pmbridge.ingest._vcf_options import VcfOptions

Progress = Callable[[int, int], None]  # (bytes done, total bytes)
BATCH_SIZE = 5_000  # individuals per write to the store
CHUNK_SIZE = 250  # phenopackets per unit of parallel work
DEFAULT_WORKERS = min(4, os.cpu_count() or 1)


def ingest(
    paths: Sequence[Path | str],
    *,
    store: NodeStore,
    dataset: Dataset,
    hpo: HpoIndex,
    quarantine_path: Path,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
    workers: int = DEFAULT_WORKERS,
    limits: IngestLimits = DEFAULT_LIMITS,
    stall_seconds: float = DEFAULT_STALL_SECONDS,
    format: Format | None = None,
    vcf: VcfOptions | None = None,
) -> IngestReport:
    """Load every good record under ``paths`` into ``dataset``; report and quarantine the bad.

    Clinical inputs (Phenopackets, FHIR, OMOP: ``format`` or recognised) load first, then VCFs
    (``vcf``: sample sheet, reference FASTA, assembly), all in one transaction. ``limits``: the
    size of a record, an id and a text (docs/ingest.md).
    """
    started = time.perf_counter()
    plan = plan_sources(paths, format=format)
    _refuse_same_vcf_names(plan)
    report = IngestReport(dataset_id=dataset.id, hpo_release=hpo.release)
    first_seen: dict[str, str] = {}
    done_bytes = 0
    pending: list[RecordTables] = []
    with Quarantine(quarantine_path) as quarantine:
        with (
            store.transaction(),
            checked_chunks(
                plan,
                dataset_id=dataset.id,
                hpo=hpo,
                workers=workers,
                limits=limits,
                stall_seconds=stall_seconds,
            ) as chunks,
        ):
            store.put_datasets([dataset])
            store.sync_closure(hpo.closure, release=hpo.release)
            for chunk, size in chunks:
                done_bytes += size
                if progress is not None:
                    progress(done_bytes, plan.total_bytes)
                _account(chunk, report, quarantine, first_seen)
                pending.append(chunk.tables)
                if sum(t.size for t in pending) >= batch_size:
                    report.replaced += store.write_batch(RecordTables.concat(pending))
                    pending.clear()
            if pending:
                report.replaced += store.write_batch(RecordTables.concat(pending))
            for source in plan.vcfs:
                _load_vcf(
                    source,
                    done_bytes=done_bytes,
                    total_bytes=plan.total_bytes,
                    store=store,
                    dataset=dataset,
                    options=vcf,
                    report=report,
                    quarantine=quarantine,
                    progress=progress,
                )
                done_bytes += source.size
        kept = quarantine.commit()
    report.quarantine_file = None if kept is None else str(kept)
    report.committed = True
    report.seconds = time.perf_counter() - started
    return report


def _refuse_same_vcf_names(plan: SourcePlan) -> None:
    """A VCF is known by its file name within a dataset (a re-ingest replaces its calls), so two
    inputs of one name in one run would silently replace each other's calls."""
    by_name: dict[str, list[str]] = {}
    for source in plan.vcfs:
        by_name.setdefault(Path(source.location).name, []).append(source.location)
    for name, locations in by_name.items():
        if len(locations) > 1:
            raise IngestError(
                f"{len(locations)} VCFs are named {name}: {', '.join(locations)}",
                hint="a VCF is known by its file name within a dataset and the later one would replace "
                "the earlier one's calls; give each file its own name",
            )


def _load_vcf(
    source: Input,
    *,
    done_bytes: int,
    total_bytes: int,
    store: NodeStore,
    dataset: Dataset,
    options: VcfOptions | None,
    report: IngestReport,
    quarantine: Quarantine,
    progress: Progress | None,
) -> None:
    from pmbridge.ingest._vcf_load import load_vcf
    from pmbridge.ingest._vcf_options import VcfOptions

    load_vcf(
        Path(source.location),
        store=store,
        dataset_id=dataset.id,
        options=options or VcfOptions(),
        report=report,
        quarantine=quarantine,
        progress=None if progress is None else (lambda done: progress(done_bytes + done, total_bytes)),
    )
    path = Path(source.location)
    report.vcfs.append(VcfLoaded(str(path), *store.vcf_summary(dataset.id, path.name)))


@contextmanager
def checked_chunks(
    plan: SourcePlan,
    *,
    dataset_id: str,
    hpo: HpoIndex,
    workers: int,
    limits: IngestLimits = DEFAULT_LIMITS,
    stall_seconds: float = DEFAULT_STALL_SECONDS,
) -> Iterator[Iterator[tuple[CheckedChunk, int]]]:
    """Checked chunks in input order with the bytes they cover; ``workers`` > 1 checks in processes."""
    raw = _chunked(read_items(plan))
    if workers <= 1:
        yield (
            (
                check_chunk(
                    items,
                    dataset_id=dataset_id,
                    canonical_hpo=hpo.canonical_id,
                    hpo_release=hpo.release,
                    limits=limits,
                ),
                n,
            )
            for items, n in raw
        )
        return
    sizes: deque[int] = deque()  # bytes per chunk, in submission order

    def chunks() -> Iterator[list[RawItem]]:
        for items, size in raw:
            sizes.append(size)
            yield items

    with WorkerPool(
        check_chunk_in_worker,
        processes=workers,
        stage=f"{dataset_id}: checking records",
        initializer=init_worker,
        initargs=(dataset_id, dict(hpo.current), hpo.release, limits),
        stall_seconds=stall_seconds,
    ) as pool:
        yield ((chunk, sizes.popleft()) for chunk in pool.map_in_order(chunks(), window=2 * workers))


def _chunked(items: Iterable[tuple[RawItem, int]]) -> Iterator[tuple[list[RawItem], int]]:
    chunk: list[RawItem] = []
    size = 0
    for item, n in items:
        size += n
        if item.source:
            chunk.append(item)
        if len(chunk) >= CHUNK_SIZE:
            yield chunk, size
            chunk, size = [], 0
    if chunk or size:
        yield chunk, size


def _account(
    chunk: CheckedChunk, report: IngestReport, quarantine: Quarantine, first_seen: dict[str, str]
) -> None:
    report.read += len(chunk.loaded) + len(chunk.rejected)
    report.add(chunk.problems)
    for rejected in chunk.rejected:
        quarantine.put(rejected.source, rejected.raw, rejected.problems)
    report.quarantined += len(chunk.rejected)
    report.loaded += len(chunk.loaded)
    for individual_id, source in chunk.loaded:
        earlier = first_seen.setdefault(individual_id, source)
        if earlier != source:
            report.add(
                [
                    RecordProblem(
                        source,
                        "$.id",
                        f"individual {individual_id!r} also appears in {earlier}; "
                        "this later record replaces it",
                        Level.WARNING,
                    )
                ]
            )
