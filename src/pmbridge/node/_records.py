"""Store rows as Beacon v2 default-model records: individuals, biosamples, genomic variations, collections.

Pure functions: labels come through a callable (the node's HPO), so records are testable alone.
Choices, each following the spec's field descriptions:

- a biosample's ``sampleOriginType`` is OBI:0001479 "specimen from organism" (every stored sample
  was taken from a person) and its ``biosampleStatus`` EFO:0009654 "reference sample" unless the
  store recorded an EFO status: nodes hold germline (constitutional) samples of rare-disease
  patients, which Beacon's EFO classes call reference samples, not neoplastic or abnormal ones;
- a variant carrier's ``biosampleId`` is the individual's id, as a phenopacket's
  ``subjectOrBiosampleId`` names the subject when a call is not tied to one sample (or the
  biosample's id when the lookup started from a biosample);
- ``geographicOrigin`` uses the ISO 3166-1 code the store holds (``ISO3166:IT``): no GAZ mapping.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pmbridge.model import Dataset, TermId, is_hpo_id
from pmbridge.privacy import ReleasedCount
from pmbridge.store import BiosampleRow, IndividualRow, VariantRow, refseq_accession, variant_id

Label = Callable[[str], "str | None"]
Record = dict[str, object]

SEX_TERMS = {
    "FEMALE": {"id": "NCIT:C16576", "label": "female"},
    "MALE": {"id": "NCIT:C20197", "label": "male"},
    "OTHER_SEX": {"id": "NCIT:C45908", "label": "intersex"},
    "UNKNOWN_SEX": {"id": "NCIT:C17998", "label": "unknown"},
}
ZYGOSITY_LABELS = {
    "GENO:0000134": "hemizygous",
    "GENO:0000135": "heterozygous",
    "GENO:0000136": "homozygous",
    "GENO:0000137": "unspecified zygosity",
}
BIOSAMPLE_STATUS = {
    "EFO:0009654": "reference sample",
    "EFO:0009655": "abnormal sample",
    "EFO:0009656": "neoplastic sample",
}
SPECIMEN_FROM_ORGANISM = {"id": "OBI:0001479", "label": "specimen from organism"}
CLINICAL_HISTORY = {"id": "OGMS:0000015", "label": "clinical history"}
GENOTYPING = {"id": "OBI:0000070", "label": "genotyping assay"}
# DUO labels of the release in ../shared/data/duo (2021-02-23); other codes are sent without one.
DUO_VERSION = "2021-02-23"
DUO_LABELS = {
    "DUO:0000004": "no restriction",
    "DUO:0000005": "obsolete general research use and clinical care",
    "DUO:0000006": "health or medical or biomedical research",
    "DUO:0000007": "disease specific research",
    "DUO:0000011": "population origins or ancestry research only",
    "DUO:0000042": "general research use",
}


def term(term_id: str, label: str | None = None) -> Record:
    """An ontology term; the label is left out when unknown.

    >>> term("HP:0001250", "Seizure"), term("UBERON:0000178")
    ({'id': 'HP:0001250', 'label': 'Seizure'}, {'id': 'UBERON:0000178'})
    """
    return {"id": term_id, "label": label} if label else {"id": term_id}


def individual_record(row: IndividualRow, *, label: Label) -> Record:
    """An individual: sex, observed and excluded phenotypes, diagnoses, country, age at last encounter."""
    record: Record = {"id": row.id, "sex": SEX_TERMS.get(row.sex, SEX_TERMS["UNKNOWN_SEX"])}
    features = []
    for feature in row.features:
        item: Record = {"featureType": term(feature.term, label(feature.term)), "excluded": feature.excluded}
        if feature.onset:
            item["onset"] = _time_element(feature.onset, label=label)
        features.append(item)
    if features:
        record["phenotypicFeatures"] = features
    diseases = [{"diseaseCode": term(d.term, d.label)} for d in row.diseases if not d.excluded]
    if diseases:
        record["diseases"] = diseases  # a ruled-out diagnosis is not a disease of the individual
    if row.country:
        record["geographicOrigin"] = term(f"ISO3166:{row.country}", row.country)
    if row.age_years is not None:
        record["info"] = {"ageAtLastEncounter": {"iso8601duration": iso8601_age(row.age_years)}}
    return record


def biosample_record(row: BiosampleRow) -> Record:
    """A biosample of an individual, with its tissue and collection date."""
    status = row.material_type if row.material_type in BIOSAMPLE_STATUS else "EFO:0009654"
    record: Record = {
        "id": row.id,
        "individualId": row.individual_id,
        "biosampleStatus": term(status, BIOSAMPLE_STATUS[status]),
        "sampleOriginType": dict(SPECIMEN_FROM_ORGANISM),
    }
    detail = row.tissue or row.material_type
    if detail and _is_curie(detail):
        record["sampleOriginDetail"] = term(detail)
    if row.collection_date is not None:
        record["collectionDate"] = row.collection_date.isoformat()
    if row.material_type and row.material_type not in BIOSAMPLE_STATUS:
        record["info"] = {"materialType": row.material_type}
    return record


def variant_record(row: VariantRow, *, biosample_id: str | None = None) -> Record:
    """A genomic variation in legacy form with a VRS location (0-based interbase) and its carriers."""
    start = row.position - 1  # VCF's 1-based first base is interbase position POS - 1
    accession = refseq_accession(row.assembly, row.chromosome)
    sequence_id = f"refseq:{accession}" if accession else f"{row.assembly}:chr{row.chromosome}"
    record: Record = {
        "variantInternalId": variant_id(
            row.assembly, row.chromosome, row.position, row.reference, row.alternate
        ),
        "variation": {
            "variantType": variant_type(row.reference, row.alternate),
            "referenceBases": row.reference,
            "alternateBases": row.alternate,
            "location": {
                "type": "SequenceLocation",
                "sequence_id": sequence_id,
                "interval": {
                    "type": "SequenceInterval",
                    "start": {"type": "Number", "value": start},
                    "end": {"type": "Number", "value": start + len(row.reference)},
                },
            },
        },
        "caseLevelData": [
            {
                "individualId": c.individual_id,
                "biosampleId": biosample_id or c.individual_id,
                "zygosity": term(c.zygosity, ZYGOSITY_LABELS.get(c.zygosity)),
            }
            for c in row.carriers
        ],
        "info": {"carriers": row.carrier_count, "carriersListed": len(row.carriers)},
    }
    identifiers = _hgvs(row.hgvs)
    if identifiers:
        record["identifiers"] = identifiers
    if row.genes:
        record["molecularAttributes"] = {"geneIds": list(row.genes)}
    return record


def dataset_record(dataset: Dataset) -> Record:
    """A dataset with its data-use conditions as DUO terms."""
    record: Record = {"id": dataset.id, "name": dataset.name}
    if dataset.description:
        record["description"] = dataset.description
    if dataset.duo_codes:
        record["dataUseConditions"] = {
            "duoDataUse": [
                {**term(code, DUO_LABELS.get(code)), "version": DUO_VERSION} for code in dataset.duo_codes
            ]
        }
    return record


def cohort_record(dataset: Dataset, *, size: ReleasedCount, genotyped: bool) -> Record:
    """A dataset seen as a cohort: how many individuals it holds (as released: ``cohortSize`` is
    left out when held back, and ``info.cohortSize`` says how it was made), and what kinds of data
    they have."""
    record: Record = {"id": dataset.id, "name": dataset.name, "cohortType": "beacon-defined"}
    if size.value is not None:
        record["cohortSize"] = size.value
    record["cohortDataTypes"] = [dict(CLINICAL_HISTORY), *([dict(GENOTYPING)] if genotyped else [])]
    record["info"] = {"cohortSize": size.to_dict()}
    return record


def variant_type(reference: str, alternate: str) -> str:
    """SNP, MNP, DEL, INS or INDEL, from VCF reference and alternate bases.

    >>> [variant_type(r, a) for r, a in (("G", "A"), ("GA", "TC"), ("AT", "A"), ("A", "AT"), ("AT", "GCC"))]
    ['SNP', 'MNP', 'DEL', 'INS', 'INDEL']
    """
    if len(reference) == len(alternate):
        return "SNP" if len(reference) == 1 else "MNP"
    if len(alternate) == 1 and alternate[0] == reference[0]:
        return "DEL"
    if len(reference) == 1 and alternate[0] == reference[0]:
        return "INS"
    return "INDEL"


def iso8601_age(years: float) -> str:
    """An age in years as an ISO 8601 duration, to the month.

    >>> iso8601_age(10.5), iso8601_age(4.0), iso8601_age(0.25)
    ('P10Y6M', 'P4Y', 'P3M')
    """
    months = round(years * 12)
    whole, rest = divmod(months, 12)
    return "P" + (f"{whole}Y" if whole else "") + (f"{rest}M" if rest or not whole else "")


def _time_element(onset: str, *, label: Label) -> Record:
    if is_hpo_id(onset):
        return term(onset, label(onset))
    if onset.startswith("P"):
        return {"iso8601duration": onset}
    return term(onset) if _is_curie(onset) else {"iso8601duration": onset}


def _hgvs(expressions: tuple[str, ...]) -> Mapping[str, object]:
    genomic = [e for e in expressions if ":g." in e or ":m." in e]
    transcript = [e for e in expressions if ":c." in e or ":n." in e]
    protein = [e for e in expressions if ":p." in e]
    found: dict[str, object] = {}
    if genomic:
        found["genomicHGVSId"] = genomic[0]
    if transcript:
        found["transcriptHGVSIds"] = transcript
    if protein:
        found["proteinHGVSIds"] = protein
    return found


def _is_curie(text: str) -> bool:
    return TermId.parse(text) is not None
