"""VCF ingest: each sample's calls, normalised, into the variants of the individual it is linked to.

Called inside the ingest run's transaction, after the clinical records: an IngestError (truncated
file, wrong sample sheet, individuals not in the dataset) leaves nothing written; a bad line is
quarantined with ``file:line`` and why, and the rest loads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import numpy.typing as npt

from pmbridge.errors import IngestError
from pmbridge.ingest._fasta import FastaReference
from pmbridge.ingest._limits import DEFAULT_LIMITS
from pmbridge.ingest._quarantine import Quarantine
from pmbridge.ingest._report import IngestReport, Level, RecordProblem
from pmbridge.ingest._vcf_alleles import BadRecord, ReferenceMismatch, record_alleles
from pmbridge.ingest._vcf_annotation import AltAnnotation, Annotator, first_ann
from pmbridge.ingest._vcf_batch import CallBatch
from pmbridge.ingest._vcf_header import vcf_assembly
from pmbridge.ingest._vcf_normalise import Allele, Reference
from pmbridge.ingest._vcf_options import VcfOptions
from pmbridge.ingest._vcf_reader import OpenVcf, VcfRecord, open_vcf
from pmbridge.ingest._vcf_reference import WindowedReference
from pmbridge.ingest._vcf_sheet import link_samples, read_sample_sheet
from pmbridge.model import Interpretation
from pmbridge.store import NodeStore

__all__ = ["BATCH_ALLELES", "VcfOptions", "load_vcf"]

BATCH_ALLELES = 50_000
"""Alleles per write to the store: bounds memory whatever the file's size."""
BATCH_CELLS = 4_000_000
"""Genotypes (records x samples) per write: bounds the genotype arrays of a many-sample VCF."""
PROGRESS_EVERY = 10_000


def load_vcf(
    path: Path,
    *,
    store: NodeStore,
    dataset_id: str,
    options: VcfOptions,
    report: IngestReport,
    quarantine: Quarantine,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Load the genotypes of the VCF at ``path`` into ``dataset_id``'s individuals (docs/ingest.md#vcf).

    A VCF is known by its file name: ingesting it again replaces what it wrote before. ``progress``
    is called with the bytes of the file read so far. Call inside ``store.transaction()``.
    """
    with ExitStack() as stack:
        vcf = stack.enter_context(open_vcf(path))
        assembly = vcf_assembly(vcf.header, option=options.assembly, path=path)
        inds = _sample_inds(vcf, path, store=store, dataset_id=dataset_id, options=options)
        reference: Reference | None = None
        if options.fasta is not None:
            fasta = FastaReference(options.fasta)
            stack.callback(fasta.close)
            reference = WindowedReference(fasta)
        else:
            report.add([RecordProblem(str(path), "$", _NO_FASTA, Level.WARNING)])
        if replaced := store.clear_vcf(dataset_id, path.name):
            report.add([RecordProblem(str(path), "$", _replaced(replaced, path.name), Level.WARNING)])
        loader = _Loader(vcf, path, store=store, reference=reference, inds=inds, report=report,
                         quarantine=quarantine)  # fmt: skip
        loader.run(CallBatch(dataset_id, path.name, assembly), progress)


_LAST_POSITION = 2**31 - 1  # htslib's largest VCF position


def _too_long(ref: str, alts: Sequence[str]) -> str | None:
    longest = max(len(ref), *(len(a) for a in alts)) if alts else len(ref)
    if longest <= DEFAULT_LIMITS.max_text_chars:
        return None
    return (
        f"an allele of {longest:,} bases is over the limit of {DEFAULT_LIMITS.max_text_chars:,}; "
        "write a variant this long as a symbolic allele (<DEL>, <INS>, <DUP>) with END or SVLEN"
    )


def _impossible(
    chrom: str, pos: int, lengths: dict[str, int], called: npt.NDArray[np.int16], alts: int
) -> str | None:
    """Why a record's position or genotypes cannot be right, or None."""
    if pos > (length := lengths.get(chrom, _LAST_POSITION)):
        where = f"the end of contig {chrom} ({length:,} bases in the header)"
        if chrom not in lengths:
            where = "the largest position a VCF can hold"
        return f"POS {pos:,} is beyond {where}; correct the position"
    if (highest := int(called[:, :-1].max(initial=-1))) > alts:  # the last column is the phasing
        return (
            f"a genotype names allele {highest}, but the record has {alts} ALT allele(s); "
            "correct the GT or list the missing ALT"
        )
    return None


def _replaced(calls: int, name: str) -> str:
    return (
        f"replaces the {calls:,} calls that an earlier ingest of a VCF named {name} wrote into this "
        "dataset (a VCF is known by its file name); if that was another file, rename this one and "
        "ingest both again"
    )


_NO_FASTA = (
    "no reference FASTA given: alleles are split and trimmed but indels are not left-aligned, so one "
    "written differently elsewhere may not match; give the FASTA of the VCF's assembly to normalise"
)


def _sample_inds(
    vcf: OpenVcf, path: Path, *, store: NodeStore, dataset_id: str, options: VcfOptions
) -> npt.NDArray[np.int64]:
    samples = list(vcf.reader.samples)
    if not samples:
        raise IngestError(
            f"{path} has no sample columns: it holds sites, not anyone's genotypes",
            hint="ingest a VCF with a FORMAT/GT column per sample",
        )
    sheet = read_sample_sheet(options.sample_sheet) if options.sample_sheet is not None else None
    individuals = link_samples(samples, sheet, vcf=path, sheet_path=options.sample_sheet)
    found = store.individual_inds(dataset_id, individuals)
    absent = [i for i in individuals if i not in found]
    if absent:
        shown = ", ".join(repr(i) for i in absent[:10]) + (
            f" and {len(absent) - 10} more" if len(absent) > 10 else ""
        )
        raise IngestError(
            f"{path}: {len(absent)} individual(s) linked to its samples are not in dataset "
            f"{dataset_id!r}: {shown}",
            hint="ingest their clinical records (phenopackets, FHIR, OMOP) first or in the same run, "
            "and check the sample sheet's individual_id column",
        )
    return np.array([found[i] for i in individuals], dtype=np.int64)


class _Loader:
    def __init__(
        self,
        vcf: OpenVcf,
        path: Path,
        *,
        store: NodeStore,
        reference: Reference | None,
        inds: npt.NDArray[np.int64],
        report: IngestReport,
        quarantine: Quarantine,
    ) -> None:
        self.vcf, self.path, self.store, self.reference = vcf, path, store, reference
        self.inds, self.report, self.quarantine = inds, report, quarantine
        self.annotator = Annotator(vcf.info)
        self.not_stored = 0
        self.no_calls = np.full((len(inds), 3), -1, dtype=np.int16)
        # No position up to the shortest contig's length can be past a contig's end.
        self.shortest = min(vcf.contig_lengths.values(), default=_LAST_POSITION)

    def run(self, batch: CallBatch, progress: Callable[[int], None] | None) -> None:
        self._flush(self._read(batch, progress))
        if progress is not None:
            progress(self.vcf.bytes_read())
        if self.not_stored:
            self.report.add(
                [RecordProblem(str(self.path), "ALT", _not_stored(self.not_stored), Level.WARNING)]
            )

    def _read(self, batch: CallBatch, progress: Callable[[int], None] | None) -> CallBatch:
        """Read every record, writing full batches; returns the last, unwritten one. The loop is the
        hot path: single-base substitutions (most records) are handled inline, everything else
        goes through :func:`record_alleles`."""
        records: Iterator[VcfRecord] = iter(self.vcf.reader)
        annotate = None if self.annotator.empty else self.annotator.annotate
        ann_first = self.annotator.ann_first
        interpretation = self.annotator.interpretation if self.annotator.has_interpretation else None
        reference, bases, lengths, shortest = (
            self.reference,
            _SNV_BASES,
            self.vcf.contig_lengths,
            self.shortest,
        )
        most_records = max(1, min(BATCH_ALLELES, BATCH_CELLS // max(1, len(self.inds))))
        genotypes, first_row, rows = batch.genotypes, batch.first_row, batch.rows
        no_calls = self.no_calls
        index = -1
        while True:
            try:
                record = next(records)
            except StopIteration:
                break
            except Exception as error:  # cyvcf2 raises a bare Exception for what htslib cannot parse
                raise self._unreadable(index + 1, error) from error
            index += 1
            # ``start`` is htslib's 64-bit position; cyvcf2's POS wraps at 2**32.
            chrom, pos, ref, alts = record.CHROM, record.start + 1, record.REF, record.ALT
            if (
                len(alts) == 1
                and (alt := alts[0]) in bases
                and ref in bases
                and ref != alt
                and (reference is None or reference.fetch(chrom, pos - 1, pos) == ref)
            ):
                alleles: list[Allele | None] | None = None  # a substitution: stored as written
            else:
                try:
                    alleles = self._alleles(index, chrom, pos, ref, alts)
                except BadRecord as problem:
                    self._quarantine(record, index, str(problem))
                    continue
            r = len(genotypes)
            called = genotype.array() if (genotype := record.genotype) is not None else no_calls
            # One cheap test a record (the phasing column is 0 or 1); the precise one when it trips.
            if (pos > shortest or called.max() > len(alts)) and (
                wrong := _impossible(chrom, pos, lengths, called, len(alts))
            ):
                self._quarantine(record, index, wrong)
                continue
            genotypes.append(called)
            info = record.INFO.get
            meaning = interpretation(info).value if interpretation is not None else _NOT_PROVIDED
            if alleles is None:
                one = first_ann(value) if ann_first and type(value := info("ANN")) is str else None
                if one is None:  # the common case above: snpEff's first annotation names the gene
                    one = annotate(info, ref, alts)[0] if annotate is not None else _NO_ANNOTATION
                first_row.append(len(rows))
                rows.append((chrom, pos, ref, alt, one.gene, one.hgvs, meaning, r))
            else:
                found = annotate(info, ref, alts) if annotate is not None else None
                self._add(batch, alleles, found, meaning)
            if r + 1 >= most_records or len(rows) >= BATCH_ALLELES:
                batch = self._flush(batch)
                genotypes, first_row, rows = batch.genotypes, batch.first_row, batch.rows
            if progress is not None and not index % PROGRESS_EVERY:
                progress(self.vcf.bytes_read())
        return batch

    def _alleles(
        self, index: int, chrom: str, pos: int, ref: str, alts: Sequence[str]
    ) -> list[Allele | None]:
        """The stored alleles of a record that is not a plain substitution; BadRecord to quarantine
        the line, IngestError when its REF contradicts the FASTA."""
        if too_long := _too_long(ref, alts):
            raise BadRecord(too_long)
        try:
            return record_alleles(chrom, pos, ref, alts, reference=self.reference)
        except ReferenceMismatch as problem:
            raise self._wrong_genome(index, problem) from None

    def _add(
        self, batch: CallBatch, alleles: list[Allele | None], found: list[AltAnnotation] | None, meaning: str
    ) -> None:
        """The record's stored alleles as rows of ``batch`` (its genotypes are already in)."""
        r = len(batch.genotypes) - 1
        first = -1
        for k, allele in enumerate(alleles):
            if allele is None:
                self.not_stored += 1
                continue
            row = len(batch.rows)
            if k == 0:
                first = row
            else:
                batch.more_rows.append((r, k, row))
            gene, hgvs = found[k] if found is not None else _NO_ANNOTATION
            batch.rows.append((allele.chrom, allele.pos, allele.ref, allele.alt, gene, hgvs, meaning, r))
        batch.first_row.append(first)

    def _flush(self, batch: CallBatch) -> CallBatch:
        if batch.rows:
            self.store.write_vcf_calls(*batch.tables(self.inds))
        return CallBatch(batch.dataset_id, batch.source, batch.assembly)

    def _wrong_genome(self, index: int, problem: BadRecord) -> IngestError:
        return IngestError(
            f"{self.path}: {self.vcf.where(index)}: {problem}",
            hint="a REF that contradicts the FASTA puts every position of the file in doubt (a VCF called "
            "against another assembly can match by chance at a quarter of its SNVs), so nothing was "
            "ingested; give the FASTA of the assembly the VCF was called against (`bcftools norm -c w` "
            "lists every mismatch)",
        )

    def _unreadable(self, index: int, error: Exception) -> IngestError:
        return IngestError(
            f"{self.path}: {self.vcf.where(index)} could not be read ({error})",
            hint="the file is damaged or not valid VCF at that line (htslib's message is above); "
            "nothing was ingested",
        )

    def _quarantine(self, record: VcfRecord, index: int, reason: str) -> None:
        where = self.vcf.where(index)
        source = f"{self.path}:{where.removeprefix('line ')}"
        problem = RecordProblem(source, where, reason)
        self.report.add([problem])
        self.quarantine.put(source, str(record).encode(), [problem])
        self.report.quarantined += 1


_SNV_BASES = frozenset("ACGT")  # lower case takes the general path, which keeps it as written
_NO_ANNOTATION = AltAnnotation()
_NOT_PROVIDED = Interpretation.NOT_PROVIDED.value


def _not_stored(count: int) -> str:
    return (
        f"{count} symbolic (<DEL>, <CNV>…), spanning-deletion '*' or missing '.' ALT allele(s) not loaded: "
        "the store holds sequence variants only; their samples' other alleles loaded"
    )
