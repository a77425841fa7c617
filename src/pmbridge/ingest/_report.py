"""The report of an ingest run: every problem with file, JSON path and reason, in one pass."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class Level(StrEnum):
    ERROR = "error"  # the record was quarantined
    WARNING = "warning"  # the record loaded, with this noted


@dataclass(frozen=True, slots=True)
class RecordProblem:
    source: str
    path: str
    reason: str
    level: Level = Level.ERROR

    def __str__(self) -> str:
        return f"{self.level.value}: {self.source} {self.path}: {self.reason}"


@dataclass(frozen=True, slots=True)
class VcfLoaded:
    """What one VCF of the run holds once loaded: alleles (after splitting), calls and carriers."""

    file: str
    alleles: int
    calls: int
    carriers: int

    def __str__(self) -> str:
        return f"{self.file}: {self.alleles:,} alleles, {self.calls:,} calls of {self.carriers:,} people"


@dataclass(slots=True)
class IngestReport:
    """Counts and problems of one run; ``committed`` is False when nothing was written."""

    dataset_id: str
    hpo_release: str
    read: int = 0
    loaded: int = 0
    replaced: int = 0
    quarantined: int = 0
    problems: list[RecordProblem] = field(default_factory=list)
    quarantine_file: str | None = None
    vcfs: list[VcfLoaded] = field(default_factory=list)
    committed: bool = False
    seconds: float = 0.0

    def add(self, problems: Iterable[RecordProblem]) -> None:
        self.problems.extend(problems)

    @property
    def errors(self) -> list[RecordProblem]:
        return [p for p in self.problems if p.level is Level.ERROR]

    @property
    def warnings(self) -> list[RecordProblem]:
        return [p for p in self.problems if p.level is Level.WARNING]

    def to_dict(self) -> dict[str, object]:
        return {
            "dataset": self.dataset_id,
            "hpoRelease": self.hpo_release,
            "read": self.read,
            "loaded": self.loaded,
            "replaced": self.replaced,
            "quarantined": self.quarantined,
            "quarantineFile": self.quarantine_file,
            "vcfs": [
                {"file": v.file, "alleles": v.alleles, "calls": v.calls, "carriers": v.carriers}
                for v in self.vcfs
            ],
            "committed": self.committed,
            "seconds": round(self.seconds, 3),
            "problems": [
                {"level": p.level.value, "source": p.source, "path": p.path, "reason": p.reason}
                for p in self.problems
            ],
        }
