"""A batch of a VCF's records: its stored alleles, their genotypes, and the store's Arrow tables.

Per allele one row (site, gene, HGVS); per record its genotype array; genotype checks, snpEff
first annotations, carriers, zygosity and counts are worked out for the whole batch at once when
it is written, so memory is bounded by the batch whatever the file's size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import itemgetter
from typing import cast

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from pmbridge.ingest._vcf_annotation import first_anns
from pmbridge.ingest._vcf_genotypes import HEMI, HOM, ZYGOSITY_BY_CODE, batch_calls
from pmbridge.store import ALLELE_COUNTS, SCHEMAS, VCF_ORIGIN

ALLELE_COLUMNS = ("chromosome", "position", "reference", "alternate", "gene", "hgvs", "interpretation")


@dataclass(slots=True)
class CallBatch:
    """Records gathered until :meth:`tables`; ``first_row[r]`` is the allele row of record r's first
    ALT (-1: not stored), ``more_rows`` holds (record, ALT index, row) of its other ALTs,
    ``alt_counts`` (record, ALT count) of the records whose ALT count is not one. With ``raw_ann``
    a row's HGVS is its record's raw ANN value ('' for none), read by :func:`first_anns`, or None
    for a row whose (row, gene, HGVS) is in ``annotated``.
    """

    dataset_id: str
    source: str
    assembly: str
    rows: list[tuple[object, ...]] = field(default_factory=list)  # ALLELE_COLUMNS, then the record
    genotypes: list[npt.NDArray[np.int16]] = field(default_factory=list)
    first_row: list[int] = field(default_factory=list)
    more_rows: list[tuple[int, int, int]] = field(default_factory=list)
    alt_counts: list[tuple[int, int]] = field(default_factory=list)
    raw_ann: bool = False
    annotated: list[tuple[int, str | None, tuple[str, ...]]] = field(default_factory=list)

    @property
    def records(self) -> int:
        return len(self.genotypes)

    def alts(self) -> npt.NDArray[np.int64]:
        """The ALT count of each record."""
        counts = np.ones(self.records, dtype=np.int64)
        for record, count in self.alt_counts:
            counts[record] = count
        return counts

    def without(self, removed: set[int]) -> CallBatch:
        """The batch less the records ``removed`` (quarantined after they were gathered), renumbered."""
        kept = [r for r in range(self.records) if r not in removed]
        record = {old: new for new, old in enumerate(kept)}
        out = CallBatch(self.dataset_id, self.source, self.assembly, raw_ann=self.raw_ann)
        row: dict[int, int] = {}
        for old, values in enumerate(self.rows):
            if (r := record.get(cast(int, values[-1]))) is not None:
                row[old] = len(out.rows)
                out.rows.append((*values[:-1], r))
        out.genotypes = [self.genotypes[r] for r in kept]
        out.first_row = [row.get(self.first_row[r], -1) for r in kept]
        out.more_rows = [(record[r], k, row[old]) for r, k, old in self.more_rows if r in record]
        out.alt_counts = [(record[r], count) for r, count in self.alt_counts if r in record]
        out.annotated = [(row[old], gene, hgvs) for old, gene, hgvs in self.annotated if old in row]
        return out

    def tables(
        self, inds: npt.NDArray[np.int64], alleles: npt.NDArray[np.int16]
    ) -> tuple[pa.Table, pa.Table]:
        """(variant rows, allele counts) of the batch in the store's schemas; ``inds[s]`` is the
        individual of sample column s, ``alleles`` the batch's genotypes (``stack_alleles``). A
        carrier's allele columns are dictionary-encoded over the batch's alleles: no string is
        copied per carrier."""
        n = len(self.rows)
        # Column by column: zip(*rows) would make an iterator per row, and so many new objects set
        # off the garbage collector's full passes, which cost more than the transposition itself.
        columns = [list(map(itemgetter(i), self.rows)) for i in range(len(ALLELE_COLUMNS) + 1)]
        width = 1 + max((k for _, k, _ in self.more_rows), default=0)
        rows = np.full((self.records, width), -1, dtype=np.int64)
        rows[:, 0] = self.first_row
        for record, k, row in self.more_rows:
            rows[record, k] = row
        calls = batch_calls(alleles, rows)
        if self.raw_ann:
            columns[4], columns[5] = self._annotations(columns[5])
        alleles_of = {
            name: values if isinstance(values, pa.Array) else pa.array(values, _TYPES[name])
            for name, values in zip(ALLELE_COLUMNS, columns, strict=False)
        }
        carrier_allele = pa.array(calls.allele.astype(np.int32))
        carriers = len(calls.allele)
        variants = pa.table(
            {
                "ind": pa.array(inds[calls.sample], pa.int64()),
                "assembly": _repeated(self.assembly, carriers),
                **{
                    name: pa.DictionaryArray.from_arrays(carrier_allele, alleles_of[name])
                    for name in ALLELE_COLUMNS[:6]
                },
                "zygosity": pa.DictionaryArray.from_arrays(pa.array(calls.zygosity), _ZYGOSITIES),
                "interpretation": pa.DictionaryArray.from_arrays(
                    carrier_allele, alleles_of["interpretation"]
                ),
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
                **{name: alleles_of[name] for name in ALLELE_COLUMNS[:4]},
                "ac": pa.array(ac),
                "an": pa.array(an),
                "af": pa.array(np.divide(ac, an, out=np.zeros(n), where=an > 0), mask=an == 0),
                "hom": pa.array(np.bincount(calls.allele[calls.zygosity == HOM], minlength=n)),
                "hemi": pa.array(np.bincount(calls.allele[calls.zygosity == HEMI], minlength=n)),
            },
            schema=ALLELE_COUNTS,
        )
        return variants, counts

    def _annotations(self, raw: list[object]) -> tuple[pa.Array, pa.Array]:
        """The gene and HGVS columns: the raw ANN values read, the rows in ``annotated`` set."""
        genes, hgvs = first_anns(raw)  # type: ignore[arg-type]
        if not self.annotated:
            return genes, hgvs
        given = np.zeros(len(raw), dtype=bool)
        given_genes: list[str | None] = [None] * len(raw)
        given_hgvs: list[tuple[str, ...] | None] = [None] * len(raw)
        for row, gene, expressions in self.annotated:
            given[row], given_genes[row], given_hgvs[row] = True, gene, expressions
        return (
            pc.if_else(given, pa.array(given_genes, _TYPES["gene"]), genes),
            pc.if_else(given, pa.array(given_hgvs, _TYPES["hgvs"]), hgvs),
        )


_TYPES = {name: SCHEMAS["variants"].field(name).type for name in ALLELE_COLUMNS}
_ZYGOSITIES = pa.array(ZYGOSITY_BY_CODE, pa.string())


def _repeated(value: str, count: int) -> pa.DictionaryArray:
    """``value`` ``count`` times, as a one-word dictionary."""
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(count, np.int8)), pa.array([value]))
