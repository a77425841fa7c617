"""Opening a VCF/BCF (plain, bgzipped, indexed or not) with cyvcf2, refusing truncated files up front.

Records come with the line they were on (``record N`` for BCF), so problems name ``file:line``.
"""

from __future__ import annotations

import gzip
import os
import re
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import cyvcf2
import numpy as np
import numpy.typing as npt

from pmbridge.errors import IngestError

BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
"""The empty block every complete BGZF file (bgzip, BCF) ends with (SAM/BAM spec §4.1.2)."""
_GZIP = b"\x1f\x8b"


class Info(Protocol):
    def get(self, key: str) -> object: ...


class Genotypes(Protocol):
    def array(self) -> npt.NDArray[np.int16]: ...


class VcfRecord(Protocol):
    """What the ingest reads of a cyvcf2 ``Variant`` (cyvcf2 ships no type information)."""

    CHROM: str
    POS: int  # wraps at 2**32 in cyvcf2: read ``start`` (0-based, htslib's 64 bits) instead
    start: int
    REF: str
    ALT: list[str]

    @property
    def INFO(self) -> Info: ...  # noqa: N802 (cyvcf2's name)

    @property
    def genotype(self) -> Genotypes: ...


@dataclass(frozen=True, slots=True)
class OpenVcf:
    """An open VCF: cyvcf2's reader, its header text, INFO descriptions and where records start."""

    reader: cyvcf2.VCF  # iterates VcfRecord
    header: str
    info: dict[str, str]
    first_line: int  # the line number of the first record (0 for BCF: no lines)
    fd: int
    contig_lengths: dict[str, int] = field(default_factory=dict)  # from ##contig lines that give one

    def bytes_read(self) -> int:
        """How far into the file htslib has read (it reads through our descriptor): for progress."""
        return os.lseek(self.fd, 0, os.SEEK_CUR)

    def where(self, index: int) -> str:
        """``line N`` of the record at 0-based ``index`` (``record N`` in a BCF)."""
        return f"record {index + 1}" if self.first_line == 0 else f"line {self.first_line + index}"


_CONTIG_LENGTH = re.compile(
    r"^##contig=<(?=[^>\n]*\bID=(?P<id>[^,>\n]+))(?=[^>\n]*\blength=(?P<length>[0-9]+))", re.M
)


@contextmanager
def open_vcf(path: Path) -> Iterator[OpenVcf]:
    """The VCF at ``path``; IngestError for a missing, truncated or unreadable file."""
    if not path.is_file():
        raise IngestError(f"VCF {path} does not exist", hint="check the path; nothing was ingested")
    binary = _check_complete(path)
    fd = os.open(path, os.O_RDONLY)
    try:
        reader = cyvcf2.VCF(fd, lazy=True)
    except Exception as error:  # cyvcf2 raises a bare Exception for a header it rejects
        os.close(fd)
        raise IngestError(
            f"{path} could not be read as VCF or BCF ({error})",
            hint="give a VCF (plain or bgzip-compressed) or BCF file with a '#CHROM' header line",
        ) from error
    try:
        header = reader.raw_header
        info = {
            str(h.info().get("ID")): str(h.info().get("Description", ""))
            for h in reader.header_iter()
            if h.type == "INFO"
        }
        lengths = {m["id"]: int(m["length"]) for m in _CONTIG_LENGTH.finditer(header)}
        yield OpenVcf(reader, header, info, 0 if binary else _header_lines(path) + 1, fd, lengths)
    finally:
        reader.close()  # htslib leaves the descriptor it was given open
        os.close(fd)


class RecordTexts:
    """The text of records by their 0-based index, read again from the file: for the rare line that a
    batch's genotype check quarantines after the reader has moved past it, so the reader need not
    keep every record of the batch (which cost more time and memory than the check saved).

    Indices asked for in increasing order read the file at most once more; an earlier one starts over.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._reader: cyvcf2.VCF | None = None
        self._records: Iterator[object] = iter(())
        self._next = 0

    def text(self, index: int) -> str:
        if self._reader is None or index < self._next:
            self.close()
            self._reader = cyvcf2.VCF(str(self._path), lazy=True)
            self._records, self._next = iter(self._reader), 0
        for record in self._records:
            self._next += 1
            if self._next > index:
                return str(record)
        raise IngestError(
            f"{self._path} changed while it was ingested: its record {index + 1} is gone",
            hint="ingest the file again when nothing is writing to it; nothing was ingested",
        )

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None


def _header_lines(path: Path) -> int:
    """How many ``#`` lines the file starts with (htslib's own header text adds lines of its own)."""
    with path.open("rb") as raw:
        compressed = raw.read(2) == _GZIP
    count = 0
    with gzip.open(path, "rb") if compressed else path.open("rb") as handle:
        for line in handle:
            if not line.startswith(b"#"):
                break
            count += 1
    return count


def _check_complete(path: Path) -> bool:
    """Refuse a truncated compressed file before reading it; True when it is a BCF."""
    with path.open("rb") as handle:
        magic = handle.read(18)
        if not magic.startswith(_GZIP):
            return magic.startswith(b"BCF")
        bgzf = len(magic) >= 16 and magic[3] & 4 and magic[12:14] == b"BC"
        if bgzf:
            handle.seek(max(0, path.stat().st_size - len(BGZF_EOF)))
            if handle.read() != BGZF_EOF:
                raise _truncated(path, "it does not end with the BGZF end-of-file block")
            return _first_bytes(path).startswith(b"BCF")
        _check_gzip_stream(path)
        return False


def _first_bytes(path: Path) -> bytes:
    """The first decompressed bytes of a BGZF file (to tell BCF from VCF.gz)."""
    with path.open("rb") as handle:
        data = handle.read(65_536)
    return zlib.decompressobj(31).decompress(data, 8)


def _check_gzip_stream(path: Path) -> None:
    """A plain (not bgzip) gzip file has no end marker: decompress it once to prove it complete."""
    decompressor = zlib.decompressobj(31)
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            try:
                decompressor.decompress(chunk, 0)
                while decompressor.eof and decompressor.unused_data:  # concatenated members
                    rest = decompressor.unused_data
                    decompressor = zlib.decompressobj(31)
                    decompressor.decompress(rest, 0)
            except zlib.error as error:
                raise _truncated(path, f"its gzip data is corrupt ({error})") from error
    if not decompressor.eof:
        raise _truncated(path, "its gzip stream ends early")


def _truncated(path: Path, why: str) -> IngestError:
    return IngestError(
        f"{path} is truncated or damaged: {why}",
        hint="copy or download the file again (compare its checksum); nothing was ingested",
    )
