"""Phenopacket v2 JSON pieces (camelCase, as ``google.protobuf.json_format`` reads them).

Plain dict builders, kept apart from the random draws so the document shape is in one place.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from pmbridge.synth._genome import ASSEMBLY, GeneLocus, SyntheticVariant
from pmbridge.synth._onsets import OnsetRange
from pmbridge.synth._regions import Material

SCHEMA_VERSION = "2.0"
CREATED_BY = "pmbridge-synth"
UNSPECIFIED = "unspecified"
"""Version written for ontologies whose release we do not know (only stable ids are used)."""

Json = dict[str, object]


def term(term_id: str, label: str | None) -> Json:
    """An OntologyClass; the label is left out when unknown rather than invented.

    >>> term("HP:0001250", "Seizure")
    {'id': 'HP:0001250', 'label': 'Seizure'}
    >>> term("HP:0001250", None)
    {'id': 'HP:0001250'}
    """
    return {"id": term_id, "label": label} if label else {"id": term_id}


def timestamp(day: date) -> str:
    """An RFC 3339 timestamp at midnight UTC.

    >>> timestamp(date(2024, 2, 29))
    '2024-02-29T00:00:00Z'
    """
    return f"{day.isoformat()}T00:00:00Z"


def iso_age(born: date, on: date) -> str:
    """The ISO 8601 age on ``on`` of someone born on ``born``, in whole calendar units.

    >>> iso_age(date(2020, 5, 17), date(2025, 6, 30))
    'P5Y1M'
    >>> iso_age(date(2025, 6, 20), date(2025, 6, 30))
    'P10D'
    >>> iso_age(date(2024, 12, 31), date(2025, 6, 30))
    'P5M30D'
    """
    months = (on.year - born.year) * 12 + on.month - born.month
    if on.day < born.day:
        months -= 1
    anchor_year, anchor_month = divmod(born.month - 1 + months, 12)
    anchor_day = min(born.day, _month_days(born.year + anchor_year, anchor_month + 1))
    days = (on - date(born.year + anchor_year, anchor_month + 1, anchor_day)).days
    years, months = divmod(months, 12)
    if years:
        return f"P{years}Y{months}M" if months else f"P{years}Y"
    if months:
        return f"P{months}M{days}D" if days else f"P{months}M"
    return f"P{days}D"


def _month_days(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - date(year, month, 1)).days


def feature(term_id: str, label: str | None, *, excluded: bool, onset: OnsetRange | None) -> Json:
    """A PhenotypicFeature."""
    out: Json = {"type": term(term_id, label)}
    if excluded:
        out["excluded"] = True
    if onset is not None:
        out["onset"] = {"ontologyClass": term(onset.term, onset.label)}
    return out


def genomic_interpretation(
    subject_id: str,
    *,
    variant: SyntheticVariant,
    locus: GeneLocus,
    zygosity: tuple[str, str],
    mode_note: str,
) -> Json:
    """A GenomicInterpretation with its VariationDescriptor and VCF record."""
    expressions = [{"syntax": "hgvs.g", "value": variant.hgvs_g}]
    if variant.hgvs_c:
        expressions.append({"syntax": "hgvs.c", "value": variant.hgvs_c})
        expressions.append({"syntax": "hgvs.p", "value": variant.hgvs_p})
    descriptor: Json = {
        "id": variant.id,
        "description": f"Synthetic variant; {mode_note}",
        "geneContext": {"valueId": f"hgnc.symbol:{locus.symbol}", "symbol": locus.symbol},
        "expressions": expressions,
        "vcfRecord": {
            "genomeAssembly": ASSEMBLY,
            "chrom": f"chr{variant.chromosome}",
            "pos": str(variant.position),
            "ref": variant.reference,
            "alt": variant.alternate,
        },
        "moleculeContext": "genomic",
        "allelicState": term(*zygosity),
    }
    uncertain = variant.acmg == "UNCERTAIN_SIGNIFICANCE"
    return {
        "subjectOrBiosampleId": subject_id,
        "interpretationStatus": "CANDIDATE" if uncertain else "CAUSATIVE",
        "variantInterpretation": {
            "acmgPathogenicityClassification": variant.acmg,
            "therapeuticActionability": "UNKNOWN_ACTIONABILITY",
            "variationDescriptor": descriptor,
        },
    }


def biosample(sample_id: str, subject_id: str, *, material: Material, collected: date) -> Json:
    """A Biosample with tissue, specimen type and collection date."""
    return {
        "id": sample_id,
        "individualId": subject_id,
        "sampledTissue": term(material.tissue_id, material.tissue_label),
        "sampleType": term(material.type_id, material.type_label),
        "timeOfCollection": {"timestamp": timestamp(collected)},
        "materialSample": term("EFO:0009654", "reference sample"),
    }


def vital_status(*, died: bool, survival_days: int, cause: Json | None) -> Json:
    """A VitalStatus: follow-up in days from baseline, and the cause when the person died.

    >>> vital_status(died=False, survival_days=30, cause=None)
    {'status': 'ALIVE', 'survivalTimeInDays': 30}
    """
    out: Json = {"status": "DECEASED" if died else "ALIVE", "survivalTimeInDays": survival_days}
    if cause is not None:
        out["causeOfDeath"] = cause
    return out


class Assay(Protocol):
    """A lab test as the measurement builder needs it: LOINC code and label, UCUM unit."""

    @property
    def loinc(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def unit(self) -> str: ...


def lab_measurement(assay: Assay, *, value: float, age: str) -> Json:
    """A quantitative Measurement with a UCUM unit, observed at an ISO 8601 age.

    >>> from types import SimpleNamespace
    >>> hb = SimpleNamespace(loinc="LOINC:718-7", label="Hemoglobin", unit="g/dL")
    >>> lab_measurement(hb, value=13.1, age="P40Y")["value"]
    {'quantity': {'unit': {'id': 'UCUM:g/dL', 'label': 'g/dL'}, 'value': 13.1}}
    """
    unit = assay.unit
    return {
        "assay": {"id": assay.loinc, "label": assay.label},
        "value": {"quantity": {"unit": {"id": "UCUM:" + unit, "label": unit}, "value": value}},
        "timeObserved": {"age": {"iso8601duration": age}},
    }


def medical_action(agent: Json, *, target: Json, response: Json) -> Json:
    """A MedicalAction: a drug treatment of ``target`` and the response to it."""
    return {"treatment": {"agent": agent}, "treatmentTarget": target, "responseToTreatment": response}


_RESOURCES: tuple[tuple[str, str, str, str, str], ...] = (
    # (id, name, url, namespace prefix, IRI prefix); hp's version is the loaded release.
    ("hp", "human phenotype ontology", "http://purl.obolibrary.org/obo/hp.owl", "HP",
     "http://purl.obolibrary.org/obo/HP_"),
    ("omim", "Online Mendelian Inheritance in Man", "https://www.omim.org", "OMIM",
     "https://www.omim.org/entry/"),
    ("geno", "Genotype Ontology", "http://purl.obolibrary.org/obo/geno.owl", "GENO",
     "http://purl.obolibrary.org/obo/GENO_"),
    ("hgnc.symbol", "HGNC gene symbols", "https://www.genenames.org", "hgnc.symbol",
     "https://identifiers.org/hgnc.symbol:"),
    ("uberon", "Uber-anatomy ontology", "http://purl.obolibrary.org/obo/uberon.owl", "UBERON",
     "http://purl.obolibrary.org/obo/UBERON_"),
    ("ncit", "NCI Thesaurus", "http://purl.obolibrary.org/obo/ncit.owl", "NCIT",
     "http://purl.obolibrary.org/obo/NCIT_"),
    ("obi", "Ontology for Biomedical Investigations", "http://purl.obolibrary.org/obo/obi.owl",
     "OBI", "http://purl.obolibrary.org/obo/OBI_"),
    ("efo", "Experimental Factor Ontology", "http://www.ebi.ac.uk/efo/efo.owl", "EFO",
     "http://www.ebi.ac.uk/efo/EFO_"),
    ("ncbitaxon", "NCBI organismal classification", "http://purl.obolibrary.org/obo/ncbitaxon.owl",
     "NCBITaxon", "http://purl.obolibrary.org/obo/NCBITaxon_"),
)  # fmt: skip


def metadata(*, created: date, hpo_release: str, external: list[Json]) -> Json:
    """MetaData: who made the document, from which releases, with extra references.

    OMIM ids come from the HPO annotations, so OMIM is versioned by the same HPO release.
    """
    resources = []
    for res_id, name, url, prefix, iri in _RESOURCES:
        version = hpo_release if res_id in ("hp", "omim") else UNSPECIFIED
        resources.append(
            {
                "id": res_id,
                "name": name,
                "url": url,
                "version": version,
                "namespacePrefix": prefix,
                "iriPrefix": iri,
            }
        )
    return {
        "created": timestamp(created),
        "createdBy": CREATED_BY,
        "resources": resources,
        "phenopacketSchemaVersion": SCHEMA_VERSION,
        "externalReferences": external,
    }
