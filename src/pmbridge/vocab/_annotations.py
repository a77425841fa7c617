"""Disease annotations of the HPO release: phenotypes with frequencies, inheritance, onset, genes.

Read from phenotype.hpoa and genes_to_phenotype.txt, because hpo3's own copy drops frequencies and NOT rows.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pmbridge.errors import ReferenceDataMissing, VocabularyError
from pmbridge.vocab._datadir import GENES_TO_PHENOTYPE, HPO_OBO, PHENOTYPE_HPOA, DataDir
from pmbridge.vocab._frequency import parse_frequency
from pmbridge.vocab._obo import ONSET_ROOT, scan_obo

if TYPE_CHECKING:
    from pathlib import Path

_HPOA_COLUMNS = 12  # database_id ... biocuration


@dataclass(frozen=True, slots=True)
class AnnotatedPhenotype:
    """One phenotype row of a disease; ``excluded`` rows (qualifier NOT) say it is absent."""

    term: str
    frequency: float | None
    excluded: bool
    onset: str | None


@dataclass(frozen=True, slots=True)
class DiseaseAnnotation:
    """What the HPO release says about one disease (``OMIM:…``, ``ORPHA:…``, ``DECIPHER:…``)."""

    id: str
    name: str
    phenotypes: tuple[AnnotatedPhenotype, ...]
    inheritance: tuple[str, ...]
    onsets: tuple[str, ...]
    genes: tuple[str, ...]


def load_disease_annotations(data_dir: DataDir) -> dict[str, DiseaseAnnotation]:
    """Every disease of ``<data_dir>/hpo/phenotype.hpoa`` with its genes, cached per data directory.

    Aspect P rows become phenotypes (NOT rows excluded), aspect I rows the inheritance, aspect C
    rows under "Onset" (HP:0003674, per the same release's hp.obo) the onsets; aspects H and M
    (history, modifiers) are not kept. Identical repeated rows are kept once.
    """
    paths = {name: data_dir.file(name) for name in (PHENOTYPE_HPOA, GENES_TO_PHENOTYPE, HPO_OBO)}
    absent = [name for name, path in paths.items() if path is None]
    if absent:
        raise ReferenceDataMissing(
            f"{data_dir.path} ({data_dir.source}) lacks {', '.join(absent)}, "
            "which disease annotations are read from",
            hint="run `pmbridge vocab fetch` to download the HPO release files",
        )
    hpoa, genes, obo = (p for p in paths.values() if p is not None)
    key = tuple(_identity(path) for path in (hpoa, genes, obo))
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is None:
            onset_terms = scan_obo(obo).descendants(ONSET_ROOT)
            cached = _CACHE[key] = _read_hpoa(hpoa, _read_genes(genes), onset_terms)
        return dict(cached)


_LOCK = threading.Lock()
_CACHE: dict[tuple[tuple[str, int, int], ...], dict[str, DiseaseAnnotation]] = {}


def _identity(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return str(path.resolve()), stat.st_mtime_ns, stat.st_size


class _Draft:
    __slots__ = ("inheritance", "name", "onsets", "phenotypes")

    def __init__(self, name: str) -> None:
        self.name = name
        self.phenotypes: dict[AnnotatedPhenotype, None] = {}  # an ordered set
        self.inheritance: dict[str, None] = {}
        self.onsets: dict[str, None] = {}


def _read_hpoa(
    path: Path, genes: dict[str, tuple[str, ...]], onset_terms: frozenset[str]
) -> dict[str, DiseaseAnnotation]:
    intern = sys.intern
    drafts: dict[str, _Draft] = {}
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.startswith(("#", "database_id\t")):
                continue
            row = line.rstrip("\n").split("\t")
            if len(row) < _HPOA_COLUMNS:
                raise VocabularyError(
                    f"{path}:{number}: {len(row)} columns, expected {_HPOA_COLUMNS}",
                    hint="the file is damaged or not a phenotype.hpoa; `pmbridge vocab fetch` again",
                )
            disease, name, qualifier, term, _, _, onset, frequency, _, _, aspect = row[:11]
            draft = drafts.get(disease)
            if draft is None:
                draft = drafts[disease] = _Draft(name)
            term = intern(term)
            if aspect == "P":
                try:
                    value = parse_frequency(frequency)
                except VocabularyError as bad:
                    raise VocabularyError(f"{path}:{number}: {bad.message}", hint=bad.hint) from bad
                phenotype = AnnotatedPhenotype(
                    term, value, qualifier == "NOT", intern(onset) if onset else None
                )
                draft.phenotypes[phenotype] = None
            elif aspect == "I":
                draft.inheritance[term] = None
            elif aspect == "C" and term in onset_terms:
                draft.onsets[term] = None
    return {
        disease: DiseaseAnnotation(
            disease,
            draft.name,
            tuple(draft.phenotypes),
            tuple(draft.inheritance),
            tuple(draft.onsets),
            genes.get(disease, ()),
        )
        for disease, draft in drafts.items()
    }


def _read_genes(path: Path) -> dict[str, tuple[str, ...]]:
    """disease id -> sorted gene symbols, from genes_to_phenotype.txt."""
    found: dict[str, set[str]] = {}
    with path.open(encoding="utf-8") as handle:
        header = handle.readline().rstrip("\n").split("\t")
        try:
            symbol_at, disease_at = header.index("gene_symbol"), header.index("disease_id")
        except ValueError:
            raise VocabularyError(
                f"{path}: header {header!r} lacks gene_symbol / disease_id",
                hint="use the genes_to_phenotype.txt of an official HPO release",
            ) from None
        for line in handle:
            row = line.rstrip("\n").split("\t")
            if len(row) > disease_at:
                found.setdefault(row[disease_at], set()).add(row[symbol_at])
    return {disease: tuple(sorted(symbols)) for disease, symbols in found.items()}
