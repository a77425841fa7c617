"""Where a VCF's calls go: the four things :func:`load_vcf` asks of a store, as a Protocol.

The node's DuckDB file (:class:`~pmbridge.store.NodeStore`) is one such target; a lake staging
area (:class:`~pmbridge.ingest._vcf_lake_stage.LakeStaging`) is another, so one reader and one
set of checks serve both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import pyarrow as pa


class VcfTarget(Protocol):
    """What a VCF load reads from and writes to; ``NodeStore`` satisfies it as it is."""

    def individual_inds(self, dataset_id: str, ids: Sequence[str]) -> dict[str, int]:
        """The internal ``ind`` of each of ``ids`` held in ``dataset_id`` (absent when not held)."""
        ...

    def clear_vcf(self, dataset_id: str, source: str) -> int:
        """Make way for the VCF named ``source``: remove (or refuse) what an earlier load wrote;
        returns the variant rows removed."""
        ...

    def write_vcf_calls(self, calls: pa.Table, counts: pa.Table) -> None:
        """Take one batch of variant rows and their allele counts (columns may be dictionary-encoded)."""
        ...

    def vcf_summary(self, dataset_id: str, source: str) -> tuple[int, int, int]:
        """(alleles, calls, carriers) the VCF named ``source`` holds in ``dataset_id``."""
        ...
