"""The reference FASTA read through a window of about a megabase: a sorted VCF asks for bases near
the last ones asked for, so most REF checks and left-alignments are a string slice, not a file read."""

from __future__ import annotations

from pmbridge.ingest._vcf_normalise import Reference

WINDOW = 1 << 20
_BEHIND = 4_096  # left-alignment walks back from a record: keep some bases before it too


class WindowedReference:
    """A :class:`Reference` answering from a cached window of ``reference`` where it can."""

    def __init__(self, reference: Reference, *, window: int = WINDOW) -> None:
        self._reference = reference
        self._window = window
        self._chrom: str | None = None
        self._start = 0
        self._bases = ""

    def fetch(self, chrom: str, start: int, end: int) -> str:
        offset = start - self._start
        if chrom == self._chrom and offset >= 0 and end - self._start <= len(self._bases):
            return self._bases[offset : end - self._start]
        if end - start > self._window // 2:
            return self._reference.fetch(chrom, start, end)
        self._chrom, self._start = chrom, max(0, start - _BEHIND)
        self._bases = self._reference.fetch(chrom, self._start, self._start + self._window)
        offset = start - self._start
        bases = self._bases[offset : end - self._start]
        if len(bases) < end - start and len(self._bases) == self._window:  # a window cut short
            return self._reference.fetch(chrom, start, end)
        return bases

    @property
    def window(self) -> tuple[str | None, int, str]:
        """(contig, 0-based start, bases) of the cached window: the ingest reads an SNV's one REF
        base from it inline, where a call of :meth:`fetch` per record cost a tenth of the ingest."""
        return self._chrom, self._start, self._bases
