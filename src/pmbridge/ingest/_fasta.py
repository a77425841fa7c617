"""A FASTA reference genome for VCF normalisation, read through pysam (the ``.fai`` is built if missing).

It implements ``_vcf_normalise.Reference``; errors name the contig and the contigs the file has.
"""

from __future__ import annotations

from pathlib import Path

import pysam

from pmbridge.errors import IngestError


class FastaReference:
    """Upper-case bases of an indexed FASTA file, 0-based half-open, clipped at the contig's end."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise IngestError(f"reference FASTA {self.path} does not exist", hint="check the path")
        try:
            self._fasta = pysam.FastaFile(str(self.path))
        except (OSError, ValueError) as error:
            raise IngestError(
                f"{self.path} could not be read as FASTA ({error})",
                hint="give a plain or bgzip-compressed FASTA file with '>' contig lines; "
                "its .fai index is written beside it if missing, so the folder must be writable",
            ) from error
        self.contigs: tuple[str, ...] = tuple(self._fasta.references)
        self._lengths = dict(zip(self._fasta.references, self._fasta.lengths, strict=True))

    def fetch(self, chrom: str, start: int, end: int) -> str:
        length = self._lengths.get(chrom)
        if length is None:
            shown = ", ".join(self.contigs[:20]) + (" …" if len(self.contigs) > 20 else "")
            raise IngestError(
                f"contig {chrom!r} is not in the reference {self.path} (it has: {shown})",
                hint="use the FASTA of the assembly the VCF was called against; 'chr1' and '1' differ",
            )
        start, end = max(start, 0), min(end, length)
        if start >= end:
            return ""
        bases: str = self._fasta.fetch(chrom, start, end)
        return bases.upper()

    def close(self) -> None:
        self._fasta.close()
