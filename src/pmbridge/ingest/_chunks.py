"""Check a chunk of candidate phenopackets into Arrow tables: the part of ingest that runs in parallel.

Worker processes return column tables, not model objects: Arrow crosses a process boundary
cheaply, while pickling frozen dataclasses would cost more than checking them.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pmbridge.ingest._check import check_item
from pmbridge.ingest._limits import DEFAULT_LIMITS, IngestLimits
from pmbridge.ingest._report import RecordProblem
from pmbridge.ingest._sources import RawItem
from pmbridge.model import PatientRecord
from pmbridge.store import RecordTables, to_tables

CanonicalHpo = Callable[[str], "str | None"]


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record that goes to quarantine, with its bytes."""

    source: str
    raw: bytes
    problems: list[RecordProblem]


@dataclass(slots=True)
class CheckedChunk:
    """What one chunk gave: loadable tables (in input order), the loaded ids and every problem."""

    tables: RecordTables
    loaded: list[tuple[str, str]] = field(default_factory=list)  # (individual id, source)
    rejected: list[Rejected] = field(default_factory=list)
    problems: list[RecordProblem] = field(default_factory=list)
    size_bytes: int = 0


def check_chunk(
    items: Sequence[RawItem],
    *,
    dataset_id: str,
    canonical_hpo: CanonicalHpo,
    hpo_release: str,
    limits: IngestLimits = DEFAULT_LIMITS,
) -> CheckedChunk:
    """Check every item; good ones become table rows numbered from 0 in input order."""
    records: list[PatientRecord] = []
    loaded: list[tuple[str, str]] = []
    rejected: list[Rejected] = []
    problems: list[RecordProblem] = []
    for item in items:
        record, found = check_item(
            item, dataset_id=dataset_id, canonical_hpo=canonical_hpo, hpo_release=hpo_release, limits=limits
        )
        problems.extend(found)
        if record is None:
            rejected.append(
                Rejected(item.source, item.raw if item.original is None else item.original, found)
            )
        else:
            records.append(record)
            loaded.append((record.individual.id, item.source))
    return CheckedChunk(
        tables=to_tables(records, first_ind=0),
        loaded=loaded,
        rejected=rejected,
        problems=problems,
        size_bytes=sum(len(item.raw) for item in items),
    )


# -- worker-process side: the HPO id map is handed over once, when the pool starts -------------

_WORKER: dict[str, object] = {}


def init_worker(
    dataset_id: str, canonical: dict[str, str], hpo_release: str, limits: IngestLimits = DEFAULT_LIMITS
) -> None:
    """Pool initializer: remember what every chunk needs; leave Ctrl-C to the parent.

    A forked worker inherits its parent's signal handlers (the demo turns SIGTERM into Ctrl-C);
    the pool stops workers with SIGTERM, which must simply end them.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _WORKER.update(dataset_id=dataset_id, canonical=canonical, hpo_release=hpo_release, limits=limits)


def check_chunk_in_worker(items: Sequence[RawItem]) -> CheckedChunk:
    canonical, limits = _WORKER["canonical"], _WORKER["limits"]
    assert isinstance(canonical, dict)
    assert isinstance(limits, IngestLimits)
    return check_chunk(
        items,
        dataset_id=str(_WORKER["dataset_id"]),
        canonical_hpo=canonical.get,
        hpo_release=str(_WORKER["hpo_release"]),
        limits=limits,
    )
