"""VCF ingest: each sample's calls, normalised, into the variants of the individual it is linked to.

Called inside the ingest run's transaction, after the clinical records: an IngestError (truncated
file, wrong sample sheet, individuals not in the dataset) leaves nothing written; a bad line is
quarantined with ``file:line`` and why, and the rest loads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from operator import itemgetter
from pathlib import Path

import numpy as np
import numpy.typing as npt

from pmbridge.errors import IngestError
from pmbridge.ingest._fasta import FastaReference
from pmbridge.ingest._limits import DEFAULT_LIMITS
from pmbridge.ingest._quarantine import Quarantine
from pmbridge.ingest._report import IngestReport, Level, RecordProblem
from pmbridge.ingest._vcf_alleles import BadRecord, ReferenceMismatch, record_alleles
from pmbridge.ingest._vcf_annotation import AltAnnotation, Annotator, InfoGetter, ann_annotations
from pmbridge.ingest._vcf_batch import CallBatch
from pmbridge.ingest._vcf_genotypes import highest_alleles, stack_alleles
from pmbridge.ingest._vcf_header import vcf_assembly
from pmbridge.ingest._vcf_normalise import Allele
from pmbridge.ingest._vcf_options import VcfOptions
from pmbridge.ingest._vcf_reader import OpenVcf, RecordTexts, VcfRecord, open_vcf
from pmbridge.ingest._vcf_reference import WindowedReference
from pmbridge.ingest._vcf_sheet import link_samples, read_sample_sheet
from pmbridge.ingest._vcf_target import VcfTarget
from pmbridge.model import Interpretation

__all__ = ["BATCH_ALLELES", "VcfOptions", "load_vcf"]

BATCH_ALLELES = 50_000
"""Alleles per write to the store: bounds memory whatever the file's size."""
BATCH_CELLS = 4_000_000
"""Genotypes (records x samples) per write: bounds the genotype arrays of a many-sample VCF."""
PROGRESS_EVERY = 10_000


def load_vcf(
    path: Path,
    *,
    store: VcfTarget,
    dataset_id: str,
    options: VcfOptions,
    report: IngestReport,
    quarantine: Quarantine,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Load the genotypes of the VCF at ``path`` into ``dataset_id``'s individuals (docs/ingest.md#vcf);
    returns the records read.

    A VCF is known by its file name: ingesting it again replaces what it wrote before. ``progress``
    is called with the bytes of the file read so far. ``store`` is the node's store (call inside
    ``store.transaction()``) or another :class:`VcfTarget`, e.g. a lake's staging area.
    """
    with ExitStack() as stack:
        vcf = stack.enter_context(open_vcf(path))
        assembly = vcf_assembly(vcf.header, option=options.assembly, path=path)
        inds = _sample_inds(vcf, path, store=store, dataset_id=dataset_id, options=options)
        reference: WindowedReference | None = None
        if options.fasta is not None:
            fasta = FastaReference(options.fasta)
            stack.callback(fasta.close)
            reference = WindowedReference(fasta)
        else:
            report.add([RecordProblem(str(path), "$", _NO_FASTA, Level.WARNING)])
        if replaced := store.clear_vcf(dataset_id, path.name):
            report.add([RecordProblem(str(path), "$", _replaced(replaced, path.name), Level.WARNING)])
        texts = RecordTexts(path)
        stack.callback(texts.close)
        loader = _Loader(vcf, path, store=store, reference=reference, inds=inds, report=report,
                         quarantine=quarantine, texts=texts)  # fmt: skip
        loader.run(CallBatch(dataset_id, path.name, assembly), progress)
        return loader.read


_LAST_POSITION = 2**31 - 1  # htslib's largest VCF position
_LONGEST = DEFAULT_LIMITS.max_text_chars


def _too_long(ref: str, alts: Sequence[str]) -> str | None:
    if len(ref) <= _LONGEST and (len(alts) != 1 or len(alts[0]) <= _LONGEST):
        return None  # the common case, kept short
    longest = max(len(ref), max(map(len, alts), default=0))
    if longest <= _LONGEST:
        return None
    return (
        f"an allele of {longest:,} bases is over the limit of {DEFAULT_LIMITS.max_text_chars:,}; "
        "write a variant this long as a symbolic allele (<DEL>, <INS>, <DUP>) with END or SVLEN"
    )


def _beyond(chrom: str, pos: int, lengths: dict[str, int]) -> str | None:
    """Why a record's position cannot be right, or None."""
    if pos > (length := lengths.get(chrom, _LAST_POSITION)):
        where = f"the end of contig {chrom} ({length:,} bases in the header)"
        if chrom not in lengths:
            where = "the largest position a VCF can hold"
        return f"POS {pos:,} is beyond {where}; correct the position"
    return None


def _unknown_allele(highest: int, alts: int) -> str:
    """Why a record whose genotypes name allele ``highest`` of ``alts`` ALTs cannot be right."""
    return (
        f"a genotype names allele {highest}, but the record has {alts} ALT allele(s); "
        "correct the GT or list the missing ALT"
    )


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
    vcf: OpenVcf, path: Path, *, store: VcfTarget, dataset_id: str, options: VcfOptions
) -> npt.NDArray[np.int64]:
    samples = list(vcf.reader.samples)
    if not samples:
        raise IngestError(
            f"{path} has no sample columns: it holds sites, not anyone's genotypes",
            hint="ingest a VCF with a FORMAT/GT column per sample",
        )
    sheet = read_sample_sheet(options.sample_sheet) if options.sample_sheet is not None else None
    individuals = link_samples(
        samples, sheet, vcf=path, sheet_path=options.sample_sheet, for_many=options.sheet_for_many
    )
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
        store: VcfTarget,
        reference: WindowedReference | None,
        inds: npt.NDArray[np.int64],
        report: IngestReport,
        quarantine: Quarantine,
        texts: RecordTexts,
    ) -> None:
        self.vcf, self.path, self.store, self.reference = vcf, path, store, reference
        self.inds, self.report, self.quarantine, self.texts = inds, report, quarantine, texts
        self.annotator = Annotator(vcf.info)
        # With ANN the only annotation, a one-ALT record's is its first ANN entry naming a gene
        # (or none): read for a whole batch at once (first_anns).
        self.raw_ann = self.annotator.ann_first and self.annotator.keys == ("ANN",)
        self.not_stored = 0
        self.no_calls = np.full((len(inds), 3), -1, dtype=np.int16)
        # No position up to the shortest contig's length can be past a contig's end.
        self.shortest = min(vcf.contig_lengths.values(), default=_LAST_POSITION)
        # Lines to quarantine, held until their batch is checked so the report keeps file order.
        self.problems: list[tuple[int, str, str]] = []  # (index, text, why)
        self.batch_start = 0  # the index of the current batch's first record
        self.read = 0  # records read so far

    def run(self, batch: CallBatch, progress: Callable[[int], None] | None) -> None:
        self._flush(self._read(batch, progress))
        if progress is not None:
            progress(self.vcf.bytes_read())
        if self.not_stored:
            self.report.add(
                [RecordProblem(str(self.path), "ALT", _not_stored(self.not_stored), Level.WARNING)]
            )

    def _read(self, batch: CallBatch, progress: Callable[[int], None] | None) -> CallBatch:  # noqa: PLR0915
        """Read every record, writing full batches; returns the last, unwritten one. The loop is the
        hot path: single-base substitutions (most records) are handled inline, everything else
        goes through :func:`record_alleles`; the genotypes and a snpEff first annotation are
        checked and read for the whole batch when it is written. Long, since a call per record
        costs: what a substitution needs is written out here."""
        records: Iterator[VcfRecord] = iter(self.vcf.reader)
        annotate = None if self.annotator.empty else self.annotator.annotate
        batch.raw_ann = raw_ann = self.raw_ann
        interpretation = self.annotator.interpretation if self.annotator.has_interpretation else None
        reference, bases, lengths, shortest = (
            self.reference,
            _SNV_BASES,
            self.vcf.contig_lengths,
            self.shortest,
        )
        most_records = max(1, min(BATCH_ALLELES, BATCH_CELLS // max(1, len(self.inds))))
        most_rows, not_provided = BATCH_ALLELES, _NOT_PROVIDED  # locals: read once a record
        genotypes, rows = batch.genotypes, batch.rows
        first_row, problems, no_calls = batch.first_row, self.problems, self.no_calls
        # The reference window's contig, start and bases, read inline for an SNV's REF; refreshed
        # when a position falls outside it (whatever fetches moved the window meanwhile, these
        # bases stay those of the reference at these places).
        window_chrom, window_start, window = reference.window if reference is not None else (None, 0, "")
        window_end = window_start + len(window)
        index = -1
        try:
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
                snv = len(alts) == 1 and (alt := alts[0]) in bases and ref in bases and ref != alt
                if snv and reference is not None:  # its REF against the reference
                    if window_start < pos <= window_end and chrom == window_chrom:
                        snv = window[pos - 1 - window_start] == ref
                    else:
                        snv = reference.fetch(chrom, pos - 1, pos) == ref
                        window_chrom, window_start, window = reference.window
                        window_end = window_start + len(window)
                if snv:
                    alleles: list[Allele | None] | None = None  # a substitution: stored as written
                else:
                    try:
                        alleles = self._alleles(index, chrom, pos, ref, alts)
                    except BadRecord as problem:
                        problems.append((index, str(record), str(problem)))
                        continue
                if pos > shortest and (wrong := _beyond(chrom, pos, lengths)):
                    problems.append((index, str(record), wrong))
                    continue
                r = len(genotypes)
                genotypes.append(genotype.array() if (genotype := record.genotype) is not None else no_calls)
                info = record.INFO.get
                meaning = interpretation(info).value if interpretation is not None else not_provided
                if alleles is None:
                    gene: str | None = None
                    if raw_ann:  # read at the batch's end: the raw value where the HGVS goes
                        hgvs: object = value if type(value := info("ANN")) is str else ""
                    else:
                        gene, hgvs = annotate(info, ref, alts)[0] if annotate is not None else _NO_ANNOTATION
                    first_row.append(len(rows))
                    rows.append((chrom, pos, ref, alt, gene, hgvs, meaning, r))
                else:
                    self._add(batch, alleles, self._annotations(info, ref, alts, alleles), meaning)
                if r + 1 >= most_records or len(rows) >= most_rows:
                    self.read = index + 1
                    batch = self._flush(batch)
                    genotypes, rows, first_row = batch.genotypes, batch.rows, batch.first_row
                if progress is not None and not index % PROGRESS_EVERY:
                    progress(self.vcf.bytes_read())
        except IngestError:
            # Report the problems of the lines before the failing one, as a check per record did;
            # not when the batch's own write failed (its lines were checked before it).
            self.read = index + 1  # the failing record is not in the batch: last, and unused
            if self.read > self.batch_start:
                self._check(batch)
            raise
        self.read = index + 1
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

    def _annotations(
        self, info: InfoGetter, ref: str, alts: Sequence[str], alleles: list[Allele | None]
    ) -> list[AltAnnotation | str] | None:
        """The annotation of each ALT of a record that is not a plain SNV, or a one-ALT record's raw
        ANN value for its batch to read (``CallBatch.raw_ann``); None where nothing is stored."""
        found: list[AltAnnotation | str] | None = None
        if not self.raw_ann:
            found = [*self.annotator.annotate(info, ref, alts)] if not self.annotator.empty else None
        elif len(alleles) == 1:
            found = None if alleles[0] is None else [value if type(value := info("ANN")) is str else ""]
        elif alleles:
            found = [*ann_annotations(info("ANN"), alts)]
        return found

    def _add(
        self,
        batch: CallBatch,
        alleles: list[Allele | None],
        found: list[AltAnnotation | str] | None,
        meaning: str,
    ) -> None:
        """The record's stored alleles as rows of ``batch`` (its genotypes are already in);
        ``found`` from :meth:`_annotations`."""
        r = len(batch.genotypes) - 1
        if len(alleles) != 1:
            batch.alt_counts.append((r, len(alleles)))
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
            annotation = found[k] if found is not None else _NO_ANNOTATION
            gene: str | None = None
            hgvs: object = annotation  # a raw ANN value, read with the batch's others
            if not isinstance(annotation, str):
                gene, hgvs = annotation
                if batch.raw_ann:  # the batch's other rows hold raw ANN values: see CallBatch
                    batch.annotated.append((row, gene, hgvs))
                    gene, hgvs = None, None
            batch.rows.append((allele.chrom, allele.pos, allele.ref, allele.alt, gene, hgvs, meaning, r))
        batch.first_row.append(first)

    def _flush(self, batch: CallBatch) -> CallBatch:
        alleles, batch = self._check(batch)
        self.batch_start = self.read
        if batch.rows:
            self.store.write_vcf_calls(*batch.tables(self.inds, alleles))
        return CallBatch(batch.dataset_id, batch.source, batch.assembly, raw_ann=batch.raw_ann)

    def _check(self, batch: CallBatch) -> tuple[npt.NDArray[np.int16], CallBatch]:
        """The batch's genotypes, checked against its records' ALT counts at once: the lines they
        fail are quarantined (with the batch's other problems, in file order) and taken out."""
        alleles = stack_alleles(batch.genotypes) if batch.records else np.zeros((0, 1, 2), np.int16)
        highest = highest_alleles(alleles)
        alts = batch.alts()
        wrong = np.flatnonzero(highest > alts)
        problems = self.problems.copy()
        self.problems.clear()  # the reading loop holds this list
        if len(wrong):
            taken = {index for index, _, _ in problems}
            indices = [i for i in range(self.batch_start, self.read) if i not in taken]
            problems += [
                (indices[r], self.texts.text(indices[r]), _unknown_allele(int(highest[r]), int(alts[r])))
                for r in wrong.tolist()
            ]
            records = np.fromiter((row[-1] for row in batch.rows), np.int64, len(batch.rows))
            stored = np.bincount(records, minlength=batch.records)
            self.not_stored -= int((alts[wrong] - stored[wrong]).sum())  # counted only for loaded lines
            batch = batch.without(set(wrong.tolist()))
            alleles = np.delete(alleles, wrong, axis=0)
        for index, text, reason in sorted(problems, key=itemgetter(0)):
            self._quarantine(text, index, reason)
        return alleles, batch

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

    def _quarantine(self, text: str, index: int, reason: str) -> None:
        where = self.vcf.where(index)
        source = f"{self.path}:{where.removeprefix('line ')}"
        problem = RecordProblem(source, where, reason)
        self.report.add([problem])
        self.quarantine.put(source, text.encode(), [problem])
        self.report.quarantined += 1


_SNV_BASES = frozenset("ACGT")  # lower case takes the general path, which keeps it as written
_NO_ANNOTATION = AltAnnotation()
_NOT_PROVIDED = Interpretation.NOT_PROVIDED.value


def _not_stored(count: int) -> str:
    return (
        f"{count} symbolic (<DEL>, <CNV>…), spanning-deletion '*' or missing '.' ALT allele(s) not loaded: "
        "the store holds sequence variants only; their samples' other alleles loaded"
    )
