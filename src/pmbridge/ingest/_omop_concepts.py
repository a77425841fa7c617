"""OMOP concepts as ontology ids: a concept's vocabulary and code as a CURIE, its kind, and the
relationships that say two concepts are the same (the bridge beyond them is ``_code_bridge``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from pmbridge.ingest._omop_cdm import LOCAL_VOCABULARY
from pmbridge.ingest._omop_values import is_curie

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


def kind_of(curie: str) -> Kind:
    prefix = curie.partition(":")[0]
    if prefix in PHENOTYPE_PREFIXES:
        return "phenotype"
    return "disease" if prefix in DISEASE_PREFIXES else "other"
