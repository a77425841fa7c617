"""A batch of a VCF's records: its stored alleles, their genotypes, and the store's Arrow tables.

Per allele one row (site, gene, HGVS); per record its genotype array; carriers, zygosity and
counts are worked out for the whole batch at once when it is written, so memory is bounded by the
batch whatever the file's size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import itemgetter

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from pmbridge.ingest._vcf_genotypes import HEMI, HOM, ZYGOSITY_BY_CODE, batch_calls
from pmbridge.store import ALLELE_COUNTS, SCHEMAS, VCF_ORIGIN

ALLELE_COLUMNS = ("chromosome", "position", "reference", "alternate", "gene", "hgvs", "interpretation")


@dataclass(slots=True)
class CallBatch:
    """Records gathered until :meth:`tables`; ``first_row[r]`` is the allele row of record r's first
    ALT (-1: not stored), ``more_rows`` holds (record, ALT index, row) of its other ALTs."""

    dataset_id: str
    source: str
    assembly: str
    rows: list[tuple[object, ...]] = field(default_factory=list)  # ALLELE_COLUMNS, then the record
    genotypes: list[npt.NDArray[np.int16]] = field(default_factory=list)
    first_row: list[int] = field(default_factory=list)
    more_rows: list[tuple[int, int, int]] = field(default_factory=list)

    @property
    def records(self) -> int:
        return len(self.genotypes)

    def tables(self, inds: npt.NDArray[np.int64]) -> tuple[pa.Table, pa.Table]:
        """(variant rows, allele counts) of the batch in the store's schemas; ``inds[s]`` is the
        individual of sample column s. A carrier's allele columns are dictionary-encoded over the
        batch's alleles: no string is copied per carrier."""
        n = len(self.rows)
        # Column by column: zip(*rows) would make an iterator per row, and so many new objects set
        # off the garbage collector's full passes, which cost more than the transposition itself.
        columns = [list(map(itemgetter(i), self.rows)) for i in range(len(ALLELE_COLUMNS) + 1)]
        width = 1 + max((k for _, k, _ in self.more_rows), default=0)
        rows = np.full((self.records, width), -1, dtype=np.int64)
        rows[:, 0] = self.first_row
        for record, k, row in self.more_rows:
            rows[record, k] = row
        calls = batch_calls(self.genotypes, rows)
        alleles = {
            name: pa.array(values, SCHEMAS["variants"].field(name).type)
            for name, values in zip(ALLELE_COLUMNS, columns, strict=False)
        }
        carrier_allele = pa.array(calls.allele.astype(np.int32))
        carriers = len(calls.allele)
        variants = pa.table(
            {
                "ind": pa.array(inds[calls.sample], pa.int64()),
                "assembly": _repeated(self.assembly, carriers),
                **{
                    name: pa.DictionaryArray.from_arrays(carrier_allele, alleles[name])
                    for name in ALLELE_COLUMNS[:6]
                },
                "zygosity": pa.DictionaryArray.from_arrays(pa.array(calls.zygosity), _ZYGOSITIES),
                "interpretation": pa.DictionaryArray.from_arrays(carrier_allele, alleles["interpretation"]),
                "origin": _repeated(VCF_ORIGIN, carriers),
                "source": _repeated(self.source, carriers),
            }
        )
        ac = np.bincount(calls.allele, weights=calls.copies, minlength=n).astype(np.int64)
        an = calls.an[np.asarray(columns[-1], dtype=np.int64)] if n else np.zeros(0, np.int64)
        counts = pa.table(
            {
                "dataset_id": pa.repeat(pa.scalar(self.dataset_id), n),
                "source": pa.repeat(pa.scalar(self.source), n),
                "assembly": pa.repeat(pa.scalar(self.assembly), n),
                **{name: alleles[name] for name in ALLELE_COLUMNS[:4]},
                "ac": pa.array(ac),
                "an": pa.array(an),
                "af": pa.array(np.divide(ac, an, out=np.zeros(n), where=an > 0), mask=an == 0),
                "hom": pa.array(np.bincount(calls.allele[calls.zygosity == HOM], minlength=n)),
                "hemi": pa.array(np.bincount(calls.allele[calls.zygosity == HEMI], minlength=n)),
            },
            schema=ALLELE_COUNTS,
        )
        return variants, counts


_ZYGOSITIES = pa.array(ZYGOSITY_BY_CODE, pa.string())


def _repeated(value: str, count: int) -> pa.DictionaryArray:
    """``value`` ``count`` times, as a one-word dictionary."""
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(count, np.int8)), pa.array([value]))
