"""The bridge shared by the OMOP and FHIR readers, unambiguous only: SNOMED CT → HPO through
``hp.obo``'s cross-references, ICD-10 → Mondo through Mondo's exact matches.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

from pmbridge.errors import PMBridgeError

if TYPE_CHECKING:  # pmbridge.vocab loads hpo3; it is imported only when a bridge is loaded
    from pmbridge.vocab import HpoXrefs

SNOMED_PREFIXES: Final = frozenset({"SNOMED", "SNOMEDCT", "SNOMEDCT_US", "SNOMED_CT"})
ICD10_PREFIXES: Final = frozenset({"ICD10", "ICD10CM"})
# How hp.obo writes a SNOMED CT code (the second in two terms of the 2025-01-16 release).
_HPO_SNOMED_XREFS: Final = ("SNOMEDCT_US", "SNOMED_CT")
MONDO_FILES: Final = ("mondo_exactmatch_icd10cm.sssom.tsv", "mondo_exactmatch_icd10who.sssom.tsv")
_ALIASES: Final = {"ORPHANET": "ORPHA", "ICD10WHO": "ICD10", "HPO": "HP", "MIM": "OMIM"}


def canonical_curie(text: str) -> str:
    """A CURIE with the prefix phenopackets use: ``Orphanet:558`` → ``ORPHA:558``.

    >>> canonical_curie("Orphanet:558"), canonical_curie("ICD10WHO:G40"), canonical_curie("HP:0001250")
    ('ORPHA:558', 'ICD10:G40', 'HP:0001250')
    """
    prefix, _, local = text.partition(":")
    return f"{_ALIASES.get(prefix.upper(), prefix)}:{local}"


@dataclass(frozen=True, slots=True)
class Bridged:
    """Where one code leads: its one HPO term or Mondo disease (``term``), or ``reason`` why none.

    >>> Bridged("ICD10:G40", "MONDO:0005027", "epilepsy", "disease").term
    'MONDO:0005027'
    """

    code: str
    term: str | None
    label: str | None
    kind: Literal["phenotype", "disease"]
    reason: str = ""  # "ICD10:N95.1 has no exact match in Mondo's ICD-10 mappings"
    ambiguous: bool = False


@dataclass(frozen=True, slots=True)
class MondoXrefs:
    """Mondo's exact matches from ICD-10-CM / WHO ICD-10 codes to one Mondo disease each."""

    mondo_of: Mapping[str, tuple[str, str]]  # ICD10CM:E75.22 → (MONDO:…, label)
    ambiguous: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    loaded: bool = True  # False: no mapping set in the reference data, so no bridge

    @classmethod
    def load(cls, folder: Path | None) -> MondoXrefs:
        """The exact matches in ``folder``; a code matched to two Mondo ids is left out (ambiguous)."""
        if folder is None:
            return cls({}, loaded=False)
        stamps = tuple(
            (folder / name).stat().st_mtime_ns if (folder / name).is_file() else 0 for name in MONDO_FILES
        )
        return _mondo(str(folder.resolve()), stamps)

    def get(self, curie: str) -> tuple[str, str] | None:
        return self.mondo_of.get(curie)


@functools.lru_cache(maxsize=4)
def _mondo(folder: str, stamps: tuple[int, ...]) -> MondoXrefs:
    """The matches of one version of the files (``stamps``): a FHIR read asks once a patient."""
    found: dict[str, set[tuple[str, str]]] = {}
    for name, stamp in zip(MONDO_FILES, stamps, strict=True):
        if stamp:
            lines = (Path(folder) / name).read_text(encoding="utf-8").splitlines()
            for subject, label, obj in _exact_matches(lines):
                found.setdefault(canonical_curie(obj), set()).add((subject, label))
    return MondoXrefs(
        {code: next(iter(m)) for code, m in found.items() if len(m) == 1},
        {code: tuple(sorted(m)) for code, m in found.items() if len(m) > 1},
        loaded=any(stamps),
    )


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


@dataclass(frozen=True, slots=True)
class CodeBridge:
    """SNOMED CT → HPO and ICD-10 → Mondo, unambiguous only."""

    mondo: MondoXrefs
    snomed: SnomedHpo

    def phenotype(self, curie: str) -> Bridged | None:
        """The one HPO term of a SNOMED CT code; None when ``curie`` is no SNOMED CT code."""
        if curie.partition(":")[0].upper() not in SNOMED_PREFIXES:
            return None
        if self.snomed.xrefs is None:
            return Bridged(
                curie, None, None, "phenotype", f"{curie} is not bridged: no hpo/hp.obo in the reference data"
            )
        terms = self.snomed.terms(curie)
        if len(terms) == 1:
            return Bridged(curie, terms[0][0], terms[0][1], "phenotype")
        release = f"HPO {self.snomed.release}"
        if not terms:
            return Bridged(
                curie, None, None, "phenotype", f"{curie} is a cross-reference of no HPO term in {release}"
            )
        reason = f"{curie} is a cross-reference of {len(terms)} HPO terms in {release}: {_named(terms)}"
        return Bridged(curie, None, None, "phenotype", reason, ambiguous=True)

    def disease(self, curie: str) -> Bridged | None:
        """The one Mondo disease of an ICD-10 (WHO or CM) code; None when ``curie`` is no ICD-10 code."""
        if curie.partition(":")[0] not in ICD10_PREFIXES:
            return None
        if (match := self.mondo.get(curie)) is not None:
            return Bridged(curie, match[0], match[1] or None, "disease")
        if not self.mondo.loaded:
            return Bridged(
                curie,
                None,
                None,
                "disease",
                f"{curie} is not bridged: no mappings/mondo in the reference data",
            )
        if (several := self.mondo.ambiguous.get(curie)) is not None:
            reason = f"{curie} is an exact match of {len(several)} Mondo diseases: {_named(several)}"
            return Bridged(curie, None, None, "disease", reason, ambiguous=True)
        return Bridged(curie, None, None, "disease", f"{curie} has no exact match in Mondo's ICD-10 mappings")


def load_bridge(*, mondo_dir: Path | None = None, hpo_obo: Path | None = None) -> CodeBridge:
    """The bridge of ``mondo_dir`` (Mondo's SSSOM mapping sets) and ``hpo_obo``; each defaults to
    its place in the reference data (``mappings/mondo``, ``hpo/hp.obo``), none when that is missing."""
    mondo = MondoXrefs.load(mondo_dir or _reference_path("mappings/mondo"))
    obo = hpo_obo or _reference_path("hpo/hp.obo")
    if obo is None:
        return CodeBridge(mondo, SnomedHpo(None))
    from pmbridge.vocab import read_hpo_xrefs

    return CodeBridge(mondo, SnomedHpo(read_hpo_xrefs(obo)))


def _reference_path(relative: str) -> Path | None:
    """``relative`` in the reference-data directory, None when it or the directory is missing."""
    from pmbridge.vocab import locate_data_dir

    try:
        path = locate_data_dir().path / relative
    except PMBridgeError:
        return None
    return path if path.exists() else None


def _named(terms: Iterable[tuple[str, str | None]]) -> str:
    return " and ".join(f"{t} {n!r}" if n else t for t, n in terms)


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
