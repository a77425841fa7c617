"""Codes between FHIR and Phenopackets: code system URIs and CURIE prefixes, ages, allelic states.

Both directions use these tables, which is what makes the FHIR round trip lossless.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

__all__ = [
    "EXT",
    "LOINC",
    "UCUM",
    "age_to_fhir",
    "age_to_iso",
    "codeable",
    "coding_curie",
    "curie_coding",
    "system_prefix",
]

Json = dict[str, object]

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
_BASE = "https://w3id.org/pmbridge/fhir/StructureDefinition/"
EXT = {  # PM Bridge extensions: phenopacket fields FHIR has no element for
    name: _BASE + name
    for name in (
        "iso8601-duration",
        "time-at-last-encounter",
        "vital-status",
        "onset",
        "gestational-age",
        "time-observed",
        "response-to-treatment",
        "material-sample",
        "interpretation-status",
        "progress-status",
        "phenopacket-id",
        "subject-id",
    )
}

# (prefix, canonical system, other systems seen in the wild); the first system is what export writes.
_SYSTEMS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("HP", "http://human-phenotype-ontology.org",
     ("http://purl.obolibrary.org/obo/hp.owl", "http://purl.obolibrary.org/obo/hp", "https://hpo.jax.org")),
    ("MONDO", "http://purl.obolibrary.org/obo/mondo.owl",
     ("http://purl.obolibrary.org/obo/mondo", "http://monarchinitiative.org/mondo")),
    ("OMIM", "https://omim.org", ("http://omim.org", "http://www.omim.org", "https://www.omim.org")),
    ("ORPHA", "http://www.orpha.net",
     ("https://www.orpha.net", "http://www.orphadata.org", "http://www.orpha.net/ORDO")),
    ("NCIT", "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl", ("http://purl.obolibrary.org/obo/ncit.owl",)),
    ("LOINC", LOINC, ()),
    ("UCUM", UCUM, ()),
    ("SNOMEDCT", "http://snomed.info/sct", ()),
    ("ICD10", "http://hl7.org/fhir/sid/icd-10", ()),
    ("ICD10CM", "http://hl7.org/fhir/sid/icd-10-cm", ()),
    ("GENO", "http://purl.obolibrary.org/obo/geno.owl", ()),
    ("UBERON", "http://purl.obolibrary.org/obo/uberon.owl", ()),
    ("CL", "http://purl.obolibrary.org/obo/cl.owl", ()),
    ("EFO", "http://www.ebi.ac.uk/efo/efo.owl", ()),
    ("CHEBI", "http://purl.obolibrary.org/obo/chebi.owl", ()),
    ("DOID", "http://purl.obolibrary.org/obo/doid.owl", ()),
    ("NCBITaxon", "http://purl.obolibrary.org/obo/ncbitaxon.owl", ()),
    ("OBI", "http://purl.obolibrary.org/obo/obi.owl", ()),
    ("HGNC", "http://www.genenames.org/geneId", ("http://www.genenames.org", "https://www.genenames.org")),
    ("ATC", "http://www.whocc.no/atc", ()),
    ("RXNORM", "http://www.nlm.nih.gov/research/umls/rxnorm", ()),
    ("DrugCentral", "https://drugcentral.org", ()),
)  # fmt: skip
# OBO ontologies write the whole CURIE as the FHIR code (as the IGs' examples do); others the local part.
_CURIE_CODES = frozenset(
    {"HP", "MONDO", "GENO", "UBERON", "CL", "EFO", "CHEBI", "DOID", "NCBITaxon", "OBI", "HGNC"}
)
_PREFIX_BY_SYSTEM = {
    system.rstrip("/").lower(): prefix for prefix, first, more in _SYSTEMS for system in (first, *more)
}
_SYSTEM_BY_PREFIX = {prefix: first for prefix, first, _ in _SYSTEMS}
_CURIE = re.compile(r"[A-Za-z][A-Za-z0-9_.]*:\S+")


def system_prefix(system: str) -> str | None:
    """The CURIE prefix of a code system URI, or None when PM Bridge does not know it.

    >>> system_prefix("http://snomed.info/sct"), system_prefix("https://www.omim.org/")
    ('SNOMEDCT', 'OMIM')
    """
    return _PREFIX_BY_SYSTEM.get(system.rstrip("/").lower())


def coding_curie(coding: Mapping[str, object]) -> str | None:
    """A FHIR Coding as a CURIE: ``{"system": "https://omim.org", "code": "154700"}`` → ``OMIM:154700``.

    A code that already carries the system's prefix (``MONDO:0012624``) keeps it, in the prefix's
    canonical case; a Coding without a system counts when its code is a CURIE.

    >>> coding_curie({"system": "http://purl.obolibrary.org/obo/mondo.owl", "code": "MONDO:0012624"})
    'MONDO:0012624'
    >>> coding_curie({"system": "http://loinc.org", "code": "718-7"}), coding_curie({"code": "X:1"})
    ('LOINC:718-7', 'X:1')
    """
    code, system = coding.get("code"), coding.get("system")
    if not isinstance(code, str):
        return None
    return _curie(system if isinstance(system, str) else None, code)


@functools.lru_cache(maxsize=1 << 16)
def _curie(system: str | None, code: str) -> str | None:
    """:func:`coding_curie` of a (system, code) pair; cached, as a cohort repeats its codes."""
    code = code.strip()
    if not code:
        return None
    if system is None:
        return code if _CURIE.fullmatch(code) else None
    prefix = system_prefix(system)
    if prefix is None:
        return None
    head, sep, tail = code.partition(":")
    if sep and head.lower() == prefix.lower():
        return f"{prefix}:{tail}"
    if sep and prefix == "ORPHA" and head.lower() == "orphanet":
        return f"ORPHA:{tail}"
    return f"{prefix}:{code}"


def curie_coding(curie: str, label: str | None = None) -> Json:
    """A CURIE as a FHIR Coding (the inverse of :func:`coding_curie`); an unknown prefix keeps the
    CURIE as the code with no system.

    >>> curie_coding("OMIM:154700", "Marfan syndrome")
    {'system': 'https://omim.org', 'code': '154700', 'display': 'Marfan syndrome'}
    """
    prefix, _, local = curie.partition(":")
    canonical = prefix if prefix in _SYSTEM_BY_PREFIX else None
    out: Json = {}
    if canonical is not None and local:
        out["system"] = _SYSTEM_BY_PREFIX[canonical]
        out["code"] = curie if canonical in _CURIE_CODES else local
    else:
        out["code"] = curie
    if label:
        out["display"] = label
    return out


def codeable(term: Mapping[str, object]) -> Json:
    """A phenopacket OntologyClass as a CodeableConcept (a label alone as its text)."""
    term_id, label = term.get("id"), term.get("label")
    text = label if isinstance(label, str) and label else None
    if not isinstance(term_id, str) or not term_id:
        return {"text": text or "unknown"}
    return {"coding": [curie_coding(term_id, text)]}


# UCUM units of time that an ISO 8601 duration designator stands for.
_UNIT_DESIGNATORS = (("a", "Y"), ("mo", "M"), ("wk", "W"), ("d", "D"))
_DURATION = re.compile(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?")


def age_to_fhir(iso: str) -> Json:
    """An ISO 8601 age as a FHIR Age; one with several parts (``P2Y10M``) keeps the exact text in an
    extension, beside its value in years, so that it comes back unchanged.

    >>> age_to_fhir("P3Y")
    {'value': 3, 'unit': 'a', 'system': 'http://unitsofmeasure.org', 'code': 'a'}
    >>> age_to_fhir("P2Y6M")["value"]
    2.5
    """
    match = _DURATION.fullmatch(iso)
    if match is not None:
        parts = [(int(n), unit) for n, (unit, _) in zip(match.groups(), _UNIT_DESIGNATORS, strict=True) if n]
        if len(parts) == 1:
            value, unit = parts[0]
            return {"value": value, "unit": unit, "system": UCUM, "code": unit}
    from pmbridge.ingest._convert import iso8601_years

    years = iso8601_years(iso)
    return {
        "extension": [{"url": EXT["iso8601-duration"], "valueString": iso}],
        "value": years if years is not None else 0,
        "unit": "a",
        "system": UCUM,
        "code": "a",
    }


def age_to_iso(age: Mapping[str, object]) -> str | None:
    """A FHIR Age (or Quantity of time) as an ISO 8601 duration, or None when it is not one.

    >>> age_to_iso({"value": 4, "code": "mo"}), age_to_iso({"value": 2.5, "unit": "a"})
    ('P4M', 'P2Y6M')
    """
    for extension in _list(age.get("extension")):
        if isinstance(extension, Mapping) and extension.get("url") == EXT["iso8601-duration"]:
            text = extension.get("valueString")
            if isinstance(text, str):
                return text
    value = age.get("value")
    unit = age.get("code") or age.get("unit")
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    designator = dict(_UNIT_DESIGNATORS).get(str(unit))
    if designator is None:
        return None
    if float(value).is_integer():
        return f"P{int(value)}{designator}"
    if designator == "Y":
        months = round(value * 12)
        return f"P{months // 12}Y{months % 12}M" if months % 12 else f"P{months // 12}Y"
    return f"P{round(value * {'M': 30.4375, 'W': 7, 'D': 1}[designator])}D"


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []
