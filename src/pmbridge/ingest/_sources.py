"""Where records come from: Phenopacket JSON (files, folders, JSON lines), FHIR, OMOP and VCF inputs.

Every clinical format is read as one Phenopacket v2 document per person (:class:`RawItem`), so
validation, quarantine and the single transaction are the same whatever the input was; VCF inputs
(records × samples) are loaded after them by the VCF loader.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import orjson

from pmbridge.errors import IngestError
from pmbridge.ingest._report import RecordProblem

JSON_SUFFIXES = (".json",)
LINES_SUFFIXES = (".jsonl", ".ndjson")
VCF_SUFFIXES = (".vcf", ".vcf.gz", ".vcf.bgz", ".bcf")
OMOP_PERSON = ("person.csv", "person.csv.gz", "person.tsv", "person.tsv.gz", "person.parquet")  # any case
_SNIFF_BYTES = 65_536


class Format(StrEnum):
    PHENOPACKET = "phenopacket"
    FHIR = "fhir"
    OMOP = "omop"
    VCF = "vcf"


@dataclass(frozen=True, slots=True)
class RawItem:
    """One candidate phenopacket: where it came from and its bytes.

    ``notes`` are problems found while mapping another format into it (an error quarantines the
    person); ``original`` is what quarantine keeps instead of ``raw`` (e.g. the person's FHIR
    resources, which is what a steward fixes).
    """

    source: str  # "path", "path:LINE", or a reader's own form such as "bundle.json#Patient/p1"
    raw: bytes
    notes: tuple[RecordProblem, ...] = ()
    original: bytes | None = None


Reader = Callable[[str], Iterator[tuple[RawItem, int]]]


@dataclass(frozen=True, slots=True)
class Input:
    """One thing to read: a file, a folder read as a whole (OMOP tables, FHIR bulk export) or a URL."""

    location: str
    format: Format
    size: int  # bytes on disk; 0 for a URL


@dataclass(frozen=True, slots=True)
class SourcePlan:
    """The inputs an ingest run will read, known up front so progress can show a total."""

    inputs: tuple[Input, ...]

    @property
    def total_bytes(self) -> int:
        return sum(i.size for i in self.inputs)

    @property
    def clinical(self) -> tuple[Input, ...]:
        return tuple(i for i in self.inputs if i.format is not Format.VCF)

    @property
    def vcfs(self) -> tuple[Input, ...]:
        return tuple(i for i in self.inputs if i.format is Format.VCF)


def plan_sources(paths: Sequence[Path | str], *, format: Format | None = None) -> SourcePlan:
    """Every input with its format: given (``format``) or recognised from names and first bytes.

    Folders are read recursively in sorted order; a folder with a ``person`` table is OMOP, one
    whose JSON files are FHIR resources is one FHIR input (a bulk export groups across files).
    """
    inputs: list[Input] = []
    for given in paths:
        text = str(given)
        if text.startswith(("http://", "https://")):
            inputs.append(Input(text, _forced(format, Format.FHIR, text), 0))
        elif text.startswith(("postgresql://", "postgres://")):
            inputs.append(Input(text, _forced(format, Format.OMOP, text), 0))
        else:
            inputs.extend(_plan_path(Path(given), format))
    return SourcePlan(tuple(inputs))


def _forced(format: Format | None, found: Format, location: str) -> Format:
    if format is not None and format is not found:
        raise IngestError(
            f"{location} is read as {found.value}, not {format.value}",
            hint=f"drop --format, or pass a {format.value} input",
        )
    return found


def _plan_path(path: Path, format: Format | None) -> list[Input]:
    if path.is_file():
        return [Input(str(path), format or _sniff_file(path), path.stat().st_size)]
    if not path.is_dir():
        raise IngestError(f"input {path} does not exist", hint="check the path; nothing was ingested")
    if format is Format.OMOP or (format is None and _has_person_table(path)):
        size = sum(p.stat().st_size for p in path.iterdir() if p.is_file())
        return [Input(str(path), Format.OMOP, size)]
    found = sorted(p for p in path.rglob("*") if p.is_file() and _readable(p))
    if not found:
        raise IngestError(
            f"folder {path} holds no .json, .jsonl, .ndjson, .vcf(.gz) or OMOP person table",
            hint="point ingest at phenopacket, FHIR, OMOP or VCF inputs, or a folder of them",
        )
    vcfs = [Input(str(p), Format.VCF, p.stat().st_size) for p in found if _is_vcf(p)]
    documents = [p for p in found if not _is_vcf(p)]
    kinds = {format or _sniff_file(p) for p in documents}
    if Format.FHIR in kinds:
        if len(kinds) > 1:
            raise IngestError(
                f"folder {path} mixes FHIR resources and phenopackets",
                hint="put each format in its own folder and pass both",
            )
        return [Input(str(path), Format.FHIR, sum(p.stat().st_size for p in documents)), *vcfs]
    return [*(Input(str(p), Format.PHENOPACKET, p.stat().st_size) for p in documents), *vcfs]


def _has_person_table(folder: Path) -> bool:
    return any(p.name.lower() in OMOP_PERSON and p.is_file() for p in folder.iterdir())


def _readable(path: Path) -> bool:
    return path.suffix in JSON_SUFFIXES + LINES_SUFFIXES or _is_vcf(path)


def _is_vcf(path: Path) -> bool:
    return path.name.lower().endswith(VCF_SUFFIXES)


def _sniff_file(path: Path) -> Format:
    """VCF by name; FHIR when the first JSON object names a ``resourceType``; else a phenopacket."""
    if _is_vcf(path):
        return Format.VCF
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    first = head.split(b"\n", 1)[0] if path.suffix in LINES_SUFFIXES else head
    return Format.FHIR if b'"resourceType"' in first else Format.PHENOPACKET


def read_items(plan: SourcePlan) -> Iterator[tuple[RawItem, int]]:
    """Every clinical item with the number of bytes it accounts for (for progress)."""
    for source in plan.clinical:
        yield from format_reader(source.format)(source.location)


def format_reader(format: Format) -> Reader:
    """The reader of a clinical format, imported only when used (FHIR and OMOP pull in more)."""
    if format is Format.FHIR:
        from pmbridge.ingest._fhir_source import read_fhir

        return read_fhir
    if format is Format.OMOP:
        from pmbridge.ingest._omop_source import read_omop

        return read_omop
    if format is Format.PHENOPACKET:
        return read_phenopackets
    raise IngestError(f"{format.value} inputs have no record reader", hint="report this as a bug")


def read_phenopackets(location: str) -> Iterator[tuple[RawItem, int]]:
    """A phenopacket JSON file (one item) or JSON-lines file (one item a line)."""
    path = Path(location)
    if path.suffix in LINES_SUFFIXES:
        yield from _lines(path)
    else:
        data = path.read_bytes()
        yield RawItem(str(path), data), len(data)


def _lines(path: Path) -> Iterator[tuple[RawItem, int]]:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield RawItem(f"{path}:{number}", line), len(line)
            else:
                yield RawItem("", b""), len(line)  # blank line: progress only


def read_phenopacket_lines(path: Path) -> Iterator[dict[str, object]]:
    """The phenopackets of a JSON-lines file, one at a time (for the writers of other formats)."""
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            doc = orjson.loads(line)
            if not isinstance(doc, dict):
                raise IngestError(f"{path}:{number} is not a JSON object", hint="give one phenopacket a line")
            yield doc
