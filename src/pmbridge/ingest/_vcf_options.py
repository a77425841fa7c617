"""What a VCF ingest is told besides the file: the sample sheet, the reference FASTA, the assembly."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class VcfOptions:
    """``sample_sheet``: CSV/TSV ``sample_id,individual_id`` (None: the VCF's sample names are the
    individuals' ids); ``fasta``: the reference to left-align against (None: split and trim only);
    ``assembly``: GRCh37/GRCh38 or an alias (None: read from the VCF header); ``sheet_for_many``:
    the sheet serves a run of many VCFs (a lake append), so rows naming another VCF's samples are
    expected, not an error (every sample of each VCF must still be in it)."""

    sample_sheet: Path | None = None
    fasta: Path | None = None
    assembly: str | None = None
    sheet_for_many: bool = False
