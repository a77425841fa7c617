"""Genotypes of a batch of VCF records to carriers with their zygosity, in a few array operations.

Each record's calls are cyvcf2's ``genotype.array()``: per sample the allele indices (-1 missing,
-2 past the sample's ploidy) and a phase flag. A haploid call of an ALT is hemizygous, two copies
homozygous, one copy beside a called allele heterozygous, one copy beside a missing allele unknown.
Only the first two alleles of a polyploid call are read (human germline calls have at most two).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pmbridge.model import Zygosity

UNKNOWN, HET, HOM, HEMI = 0, 1, 2, 3
ZYGOSITY_BY_CODE = np.array(
    [
        Zygosity.UNKNOWN.value,
        Zygosity.HETEROZYGOUS.value,
        Zygosity.HOMOZYGOUS.value,
        Zygosity.HEMIZYGOUS.value,
    ],
    dtype=object,
)
"""GENO id of each zygosity code."""


@dataclass(frozen=True, slots=True)
class BatchCalls:
    """Per record its AN (called alleles); per carrier call its allele row, sample column,
    zygosity code and copies of the ALT, ordered by allele row, then sample."""

    an: npt.NDArray[np.int64]
    allele: npt.NDArray[np.int64]
    sample: npt.NDArray[np.int64]
    zygosity: npt.NDArray[np.int8]
    copies: npt.NDArray[np.int8]


def stack_alleles(genotypes: Sequence[npt.NDArray[np.int16]]) -> npt.NDArray[np.int16]:
    """(records, samples, alleles) allele indices of a batch, at least two alleles, -2 where a
    sample has fewer; the phase column dropped.

    >>> stack_alleles([np.array([[1, 0]], np.int16), np.array([[0, 1, 1]], np.int16)]).tolist()
    [[[1, -2]], [[0, 1]]]
    """
    try:
        # concatenate, not stack: stack reshapes every record's array first, which costs more than
        # the copy; every array holds one row per sample, so the rows fold back by record.
        stacked = np.concatenate(genotypes).reshape(len(genotypes), -1, genotypes[0].shape[1])[:, :, :-1]
    except ValueError:  # records of different ploidy
        widths = {g.shape[1] for g in genotypes}
        alleles = max(widths) - 1
        stacked = np.stack(
            [
                np.pad(g[:, :-1], ((0, 0), (0, alleles - g.shape[1] + 1)), constant_values=-2)
                for g in genotypes
            ]
        )
    if stacked.shape[2] == 1:
        stacked = np.concatenate([stacked, np.full_like(stacked, -2)], axis=2)
    return stacked


def highest_alleles(alleles: npt.NDArray[np.int16]) -> npt.NDArray[np.int16]:
    """Per record the highest allele index any sample calls (-1 when none is called): checked
    against the record's ALT count for the whole batch at once, where a per-record numpy call
    cost more than reading the record.

    >>> highest_alleles(stack_alleles([np.array([[0, 3, 0], [1, 1, 1]], np.int16)])).tolist()
    [3]
    >>> highest_alleles(np.full((2, 1, 2), -1, np.int16)).tolist()
    [-1, -1]
    """
    highest: npt.NDArray[np.int16] = alleles.max(axis=(1, 2), initial=-1)
    return highest


def batch_calls(alleles: npt.NDArray[np.int16], allele_rows: npt.NDArray[np.int64]) -> BatchCalls:
    """The calls of a batch: ``alleles`` from :func:`stack_alleles`, ``allele_rows[r, k]`` the allele
    row of record r's ALT k+1 (-1 when that ALT is not stored).

    >>> gt = [np.array([[0, 1, 0], [1, 1, 0], [1, -2, 0], [-1, 1, 0], [0, 0, 0]], dtype=np.int16)]
    >>> calls = batch_calls(stack_alleles(gt), np.array([[0]]))
    >>> calls.an.tolist(), calls.sample.tolist(), calls.zygosity.tolist(), calls.copies.tolist()
    ([8], [0, 1, 2, 3], [1, 2, 3, 0], [1, 2, 1, 1])
    """
    # Contiguous and flat: a carrier is one flat index (record * samples + sample), found in one pass.
    first, second = np.ascontiguousarray(alleles[:, :, 0]), np.ascontiguousarray(alleles[:, :, 1])
    samples = first.shape[1]
    an = (np.count_nonzero(first >= 0, axis=1) + np.count_nonzero(second >= 0, axis=1)).astype(np.int64)
    flat_first, flat_second = first.ravel(), second.ravel()
    parts: list[
        tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int8], npt.NDArray[np.int8]]
    ] = []
    for k in range(1, allele_rows.shape[1] + 1):
        stored = allele_rows[:, k - 1]
        one_k, two_k = flat_first == k, flat_second == k
        hit = np.flatnonzero(one_k | two_k)
        record = hit // samples
        rows = stored[record]
        if not (keep := rows >= 0).all():
            hit, record, rows = hit[keep], record[keep], rows[keep]
        n = one_k[hit].astype(np.int8) + two_k[hit]
        one, two = flat_first[hit], flat_second[hit]
        zygosity = np.where(
            two == -2, HEMI, np.where(n == 2, HOM, np.where((one == -1) | (two == -1), UNKNOWN, HET))
        )
        parts.append((rows, hit - record * samples, zygosity.astype(np.int8), n))
    if not parts:
        empty = np.zeros(0, np.int64)
        return BatchCalls(an, empty, empty, empty.astype(np.int8), empty.astype(np.int8))
    rows, sample, zygosity, n = (np.concatenate(column) for column in zip(*parts, strict=True))
    if len(parts) > 1:  # one ALT's carriers come in allele-row order already; several are merged
        order = np.argsort(rows, kind="stable")
        rows, sample, zygosity, n = rows[order], sample[order], zygosity[order], n[order]
    return BatchCalls(an, rows, sample, zygosity, n)
