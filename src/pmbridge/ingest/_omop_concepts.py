"""OMOP concepts as ontology ids: a concept's vocabulary and code as a CURIE, and the bridge from any
code to the HPO / OMIM / ORPHA / Mondo ids PM Bridge queries (directly, through the concept table's
equivalence relationships, through Mondo's curated exact matches to ICD-10-CM and WHO ICD-10, or
through the SNOMED CT cross-references of the HPO release's own ``hp.obo``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

from pmbridge.ingest._omop_cdm import LOCAL_VOCABULARY
from pmbridge.ingest._omop_values import is_curie

if TYPE_CHECKING:  # pmbridge.vocab loads hpo3; _omop_source imports it only when reading
    from pmbridge.vocab import HpoXrefs

Kind = Literal["phenotype", "disease", "other"]

# Athena vocabulary_id (upper case) → the CURIE prefix phenopackets use.
PREFIX_OF_VOCABULARY: Final = {
    "HPO": "HP",
    "OMIM": "OMIM",
    "ORPHANET": "ORPHA",
    "ORPHA": "ORPHA",
    "MONDO": "MONDO",
    "LOINC": "LOINC",
    "UCUM": "UCUM",
    "NCIT": "NCIT",
    "SNOMED": "SNOMED",
    "RXNORM": "RXNORM",
    "RXNORM EXTENSION": "RXNORM",
    "ATC": "ATC",
    "ICD10CM": "ICD10CM",
    "ICD10": "ICD10",
    "ICD9CM": "ICD9CM",
    "HGNC": "HGNC",
}
# The vocabulary_id the writer gives a CURIE prefix (the inverse, where Athena has the vocabulary).
VOCABULARY_OF_PREFIX: Final = {
    "HP": "HPO",
    "OMIM": "OMIM",
    "ORPHA": "OrphaNet",
    "MONDO": "MONDO",
    "LOINC": "LOINC",
    "UCUM": "UCUM",
    "NCIT": "NCIt",
    "SNOMED": "SNOMED",
    "RXNORM": "RxNorm",
    "ATC": "ATC",
    "ICD10CM": "ICD10CM",
    "ICD10": "ICD10",
}
PHENOTYPE_PREFIXES: Final = frozenset({"HP"})
DISEASE_PREFIXES: Final = frozenset({"OMIM", "ORPHA", "MONDO"})
# concept_relationship rows that say two concepts mean the same thing.
EQUIVALENCES: Final = frozenset(
    {"Maps to", "Mapped from", "Concept same_as to", "Concept same_as from", "Concept poss_eq to"}
)
_ALIASES: Final = {"ORPHANET": "ORPHA", "ICD10WHO": "ICD10", "HPO": "HP", "MIM": "OMIM"}
SNOMED_PREFIXES: Final = frozenset({"SNOMED", "SNOMEDCT", "SNOMEDCT_US", "SNOMED_CT"})
# How hp.obo writes a SNOMED CT code (the second in two terms of the 2025-01-16 release).
_HPO_SNOMED_XREFS: Final = ("SNOMEDCT_US", "SNOMED_CT")
MONDO_FILES: Final = ("mondo_exactmatch_icd10cm.sssom.tsv", "mondo_exactmatch_icd10who.sssom.tsv")


@dataclass(frozen=True, slots=True)
class Concept:
    """One row of the concept table."""

    id: int
    name: str
    vocabulary: str
    code: str

    @property
    def curie(self) -> str | None:
        """The concept as an ontology id, None for structural and unnamed vocabularies.

        >>> Concept(1, "Seizure", "HPO", "HP:0001250").curie, Concept(2, "x", "OrphaNet", "558").curie
        ('HP:0001250', 'ORPHA:558')
        >>> Concept(3, "Hemoglobin", "LOINC", "718-7").curie, Concept(0, "No matching", "None", "").curie
        ('LOINC:718-7', None)
        """
        if self.id == 0 or not self.code or self.vocabulary in ("", "None", LOCAL_VOCABULARY):
            return None
        prefix = PREFIX_OF_VOCABULARY.get(self.vocabulary.upper(), self.vocabulary)
        code = self.code
        for written in (prefix, self.vocabulary, "Orphanet", "ORPHA"):
            for separator in (":", "_"):
                if code.upper().startswith((written + separator).upper()):
                    code = code[len(written) + 1 :]
        curie = f"{prefix}:{code}"
        return curie if is_curie(curie) else None


def canonical_curie(text: str) -> str:
    """A CURIE with the prefix phenopackets use: ``Orphanet:558`` → ``ORPHA:558``.

    >>> canonical_curie("Orphanet:558"), canonical_curie("ICD10WHO:G40"), canonical_curie("HP:0001250")
    ('ORPHA:558', 'ICD10:G40', 'HP:0001250')
    """
    prefix, _, local = text.partition(":")
    return f"{_ALIASES.get(prefix.upper(), prefix)}:{local}"


def kind_of(curie: str) -> Kind:
    prefix = curie.partition(":")[0]
    if prefix in PHENOTYPE_PREFIXES:
        return "phenotype"
    return "disease" if prefix in DISEASE_PREFIXES else "other"


@dataclass(frozen=True, slots=True)
class MondoXrefs:
    """Mondo's exact matches from ICD-10-CM / WHO ICD-10 codes to one Mondo disease each."""

    mondo_of: Mapping[str, tuple[str, str]]  # ICD10CM:E75.22 → (MONDO:…, label)

    @classmethod
    def load(cls, folder: Path | None) -> MondoXrefs:
        """The exact matches in ``folder``; a code matched to two Mondo ids is left out (ambiguous)."""
        found: dict[str, set[tuple[str, str]]] = {}
        if folder is None:
            return cls({})
        for name in MONDO_FILES:
            path = folder / name
            if path.is_file():
                for subject, label, obj in _exact_matches(path.read_text(encoding="utf-8").splitlines()):
                    found.setdefault(canonical_curie(obj), set()).add((subject, label))
        return cls({code: next(iter(m)) for code, m in found.items() if len(m) == 1})

    def get(self, curie: str) -> tuple[str, str] | None:
        return self.mondo_of.get(curie)


@dataclass(frozen=True, slots=True)
class SnomedHpo:
    """The HPO terms that the HPO release names as cross-references of SNOMED CT codes (``hp.obo``)."""

    xrefs: HpoXrefs | None  # None: no hp.obo in the reference data, so no bridge

    @property
    def release(self) -> str | None:
        return self.xrefs.release if self.xrefs is not None else None

    def terms(self, curie: str) -> tuple[tuple[str, str | None], ...]:
        """(HPO id, name) of every term cross-referencing ``curie`` if it is a SNOMED CT code; more
        than one means the code is ambiguous."""
        prefix, _, code = curie.partition(":")
        if self.xrefs is None or prefix.upper() not in SNOMED_PREFIXES or not code:
            return ()
        found = sorted({t for p in _HPO_SNOMED_XREFS for t in self.xrefs.hpo_terms(f"{p}:{code}")})
        return tuple((term, self.xrefs.names.get(term)) for term in found)


def _exact_matches(lines: Iterable[str]) -> Iterable[tuple[str, str, str]]:
    rows = csv.reader((line for line in lines if not line.startswith("#")), delimiter="\t")
    header = next(rows, [])
    try:
        s, sl, p, o = (header.index(c) for c in ("subject_id", "subject_label", "predicate_id", "object_id"))
    except ValueError:
        return
    for row in rows:
        if len(row) > max(s, sl, p, o) and row[p] == "skos:exactMatch" and row[s].startswith("MONDO:"):
            yield row[s], row[sl], row[o]
