"""An ingest run: read, check, load in batches inside one transaction, quarantine the rest.

Atomic: Ctrl-C, an exception or a killed process leaves the store exactly as it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from pmbridge.ingest._check import check_item
from pmbridge.ingest._quarantine import Quarantine
from pmbridge.ingest._report import IngestReport, Level, RecordProblem
from pmbridge.ingest._sources import plan_sources, read_items
from pmbridge.model import Dataset, PatientRecord
from pmbridge.store import NodeStore
from pmbridge.vocab import HpoIndex

Progress = Callable[[int, int], None]  # (bytes done, total bytes)
BATCH_SIZE = 5_000


def ingest(
    paths: Sequence[Path],
    *,
    store: NodeStore,
    dataset: Dataset,
    hpo: HpoIndex,
    quarantine_path: Path,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
) -> IngestReport:
    """Load every good phenopacket under ``paths`` into ``dataset``; report and quarantine the bad."""
    started = time.perf_counter()
    plan = plan_sources(paths)
    report = IngestReport(dataset_id=dataset.id, hpo_release=hpo.release)
    first_seen: dict[str, str] = {}
    done_bytes = 0
    batch: list[PatientRecord] = []
    with Quarantine(quarantine_path) as quarantine:
        with store.transaction():
            store.put_datasets([dataset])
            store.sync_closure(hpo.closure, release=hpo.release)
            for item, size in read_items(plan):
                done_bytes += size
                if progress is not None:
                    progress(done_bytes, plan.total_bytes)
                if not item.source:
                    continue
                report.read += 1
                record, problems = check_item(
                    item, dataset_id=dataset.id, canonical_hpo=hpo.canonical_id, hpo_release=hpo.release
                )
                report.add(problems)
                if record is None:
                    quarantine.put(item.source, item.raw, problems)
                    report.quarantined += 1
                    continue
                _note_duplicate(record, item.source, first_seen, report)
                batch.append(record)
                report.loaded += 1
                if len(batch) >= batch_size:
                    report.replaced += store.write_records(batch)
                    batch.clear()
            if batch:
                report.replaced += store.write_records(batch)
        kept = quarantine.commit()
    report.quarantine_file = None if kept is None else str(kept)
    report.committed = True
    report.seconds = time.perf_counter() - started
    return report


def _note_duplicate(
    record: PatientRecord, source: str, first_seen: dict[str, str], report: IngestReport
) -> None:
    key = record.individual.id
    earlier = first_seen.setdefault(key, source)
    if earlier != source:
        report.add(
            [
                RecordProblem(
                    source,
                    "$.subject.id",
                    f"individual {key!r} also appears in {earlier}; this later record replaces it",
                    Level.WARNING,
                )
            ]
        )
