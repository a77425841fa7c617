"""Phenopacket -> PatientRecord on real files (values read from the files by hand) and on quirky docs."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from google.protobuf import json_format
from phenopackets import Phenopacket

from pmbridge.ingest import parse_phenopacket, to_patient_record
from pmbridge.model import (
    Biosample,
    Disease,
    Individual,
    Interpretation,
    PatientRecord,
    PhenotypicFeature,
    Sex,
    Variant,
    Zygosity,
)


def convert(path: Path) -> PatientRecord:
    doc, problems = parse_phenopacket(path.read_bytes())
    assert problems == []
    assert doc is not None
    return to_patient_record(doc, dataset_id="ds", source=path.name)


def convert_valid(doc: dict[str, Any]) -> PatientRecord:
    """Convert a hand-written doc after checking that the official parser accepts it."""
    json_format.ParseDict(doc, Phenopacket())
    return to_patient_record(doc, dataset_id="ds")


@pytest.fixture(scope="module")
def examples(shared_data: Path) -> Path:
    return shared_data / "examples" / "phenopackets"


@pytest.fixture(scope="module")
def dev(shared_data: Path) -> Path:
    return shared_data / "phenopackets-dev"


def test_fbn1_case_with_vcf_record_and_excluded_features(examples: Path) -> None:
    record = convert(examples / "PMID_12446365_OP.json")
    assert record.individual == Individual(id="PMID_12446365_OP", sex=Sex.MALE, age_years=49.0)
    assert record.dataset_id == "ds"
    assert record.source == "PMID_12446365_OP.json"
    assert len(record.phenotypic_features) == 15
    assert record.phenotypic_features[:2] == (
        PhenotypicFeature("HP:0001083"),
        PhenotypicFeature("HP:0000501", excluded=True),
    )
    assert record.diseases == (Disease("OMIM:129600", "Ectopia lentis, familial"),)
    assert record.variants == (
        Variant(
            assembly="hg38",
            chromosome="chr15",
            position=48600217,
            reference="G",
            alternate="A",
            gene_symbol="FBN1",
            hgvs=("NM_000138.5:c.364C>T", "NC_000015.10:g.48600217G>A", "NP_000129.3:p.(Arg122Cys)"),
            zygosity=Zygosity.HETEROZYGOUS,
            interpretation=Interpretation.PATHOGENIC,
        ),
    )
    assert record.biosamples == ()


def test_scn2a_case_keeps_age_onset(examples: Path) -> None:
    record = convert(examples / "PMID_15028761_Patient.json")
    assert record.individual == Individual(id="PMID_15028761_Patient", sex=Sex.FEMALE, age_years=29.0)
    assert record.phenotypic_features[0] == PhenotypicFeature("HP:0001250", onset="P1Y7M")
    variant = record.variants[0]
    assert (variant.chromosome, variant.position, variant.reference, variant.alternate) == (
        "chr2",
        165297053,
        "C",
        "T",
    )
    assert variant.gene_symbol == "SCN2A"


def test_structural_variant_without_coordinates(examples: Path) -> None:
    record = convert(examples / "PMID_15266616_100.json")
    assert record.individual.id == "PMID_15266616_100"
    assert len(record.phenotypic_features) == 63
    assert record.diseases == (Disease("OMIM:147791", "Jacobsen syndrome"),)
    # telomeric 11q deletion: no vcfRecord, no gene, no ACMG class
    assert record.variants == (Variant(zygosity=Zygosity.HETEROZYGOUS),)


def test_covid_case_with_excluded_disease_and_timestamp_onsets(examples: Path) -> None:
    record = convert(examples / "covid19.json")
    assert record.individual == Individual(id="arbitrary.phenopacket.id", sex=Sex.MALE, age_years=70.0)
    assert record.diseases == (
        Disease("MONDO:0005015", "diabetes mellitus", excluded=True),
        Disease("MONDO:0004994", "cardiomyopathy"),
        Disease("MONDO:0100096", "COVID-19"),
    )
    assert PhenotypicFeature("NCIT:C76251") in record.phenotypic_features
    # onsets given as timestamps or intervals are not ages
    assert all(feature.onset is None for feature in record.phenotypic_features)
    assert record.variants == ()


def test_mcahs1_case_with_hgvs_only_variant_and_onset_term(examples: Path) -> None:
    record = convert(examples / "mcahs1.json")
    assert record.individual == Individual(id="id-A", sex=Sex.FEMALE, age_years=0.022)  # P8D
    assert PhenotypicFeature("HP:0001561", onset="HP:0011461") in record.phenotypic_features
    assert record.diseases == ()
    assert record.variants == (
        Variant(
            hgvs=("NM_001848.2:c.877G>A",),
            zygosity=Zygosity.HETEROZYGOUS,
            interpretation=Interpretation.PATHOGENIC,
        ),
    )


def test_position_written_as_string_and_two_variants(dev: Path) -> None:
    record = convert(dev / "CYP21A2" / "PMID_30968594_individual_1.json")
    snv, deletion = record.variants
    assert (snv.chromosome, snv.position, snv.reference, snv.alternate) == ("chr6", 32040421, "C", "T")
    assert snv.hgvs == ("NM_000500.9:c.955C>T", "NC_000006.12:g.32040421C>T")
    assert deletion == Variant(gene_symbol="CYP21A2", zygosity=Zygosity.HETEROZYGOUS)


def test_gestational_age_onset_means_antenatal(dev: Path) -> None:
    record = convert(dev / "HYAL2" / "PMID_34906488_Individual_5.json")
    assert PhenotypicFeature("HP:0010878", onset="HP:0030674") in record.phenotypic_features


def test_age_with_months_and_gestational_last_encounter(dev: Path) -> None:
    assert convert(dev / "ACBD6" / "PMID_37951597_Family_24_Subject_1.json").individual.age_years == 1.5
    fetus = convert(dev / "CACHD1" / "PMID_38158856_Patient_5_Family_IV.json").individual
    assert fetus == Individual(id="PMID_38158856_Patient_5_Family_IV", sex=Sex.MALE, age_years=None)


def test_every_development_file_converts_faithfully(dev: Path) -> None:
    for path in sorted(dev.glob("*/*.json"))[::5]:
        raw = path.read_bytes()
        doc = orjson.loads(raw)
        record = convert(path)
        assert record.individual.id == doc["id"]
        assert len(record.phenotypic_features) == len(doc.get("phenotypicFeatures", []))
        assert len(record.diseases) == len(doc.get("diseases", []))
        positions = {
            int(call["variantInterpretation"]["variationDescriptor"]["vcfRecord"]["pos"])
            for interpretation in doc.get("interpretations", [])
            for call in interpretation["diagnosis"].get("genomicInterpretations", [])
            if "vcfRecord" in call["variantInterpretation"]["variationDescriptor"]
        }
        assert {v.position for v in record.variants if v.position is not None} == positions


def test_biosamples() -> None:
    record = convert_valid(
        {
            "id": "pp",
            "subject": {"id": "s1"},
            "biosamples": [
                {
                    "id": "b1",
                    "sampledTissue": {"id": "UBERON:0000178", "label": "blood"},
                    "sampleType": {"id": "OBI:0001051", "label": "DNA extract"},
                    "materialSample": {"id": "EFO:0009655", "label": "abnormal sample"},
                    "timeOfCollection": {"timestamp": "2021-03-04T23:30:00-02:00"},
                },
                {"id": "b2", "material_sample": {"label": "normal"}},
            ],
        }
    )
    assert record.biosamples == (
        Biosample("b1", "OBI:0001051", "UBERON:0000178", datetime.date(2021, 3, 5)),
        Biosample("b2", "normal"),
    )


def test_what_the_official_parser_also_accepts() -> None:
    record = convert_valid(
        {
            "id": "pp",
            "subject": {"id": "", "sex": 1, "date_of_birth": "2000-01-01T00:30:00+01:00"},
            "phenotypic_features": [{"type": {"id": "HP:0001250"}, "onset": []}, {"type": ""}],
            "interpretations": [
                {
                    "diagnosis": {
                        "genomic_interpretations": [
                            {"gene": {"symbol": "FBN1"}},
                            {
                                "variant_interpretation": {
                                    "acmgPathogenicityClassification": "4",
                                    "variationDescriptor": {"vcfRecord": {"pos": "1e3", "chrom": "1"}},
                                }
                            },
                        ]
                    }
                }
            ],
        }
    )
    assert record.individual == Individual(id="pp", sex=Sex.FEMALE, year_of_birth=1999)
    assert record.phenotypic_features == (PhenotypicFeature("HP:0001250"),)
    assert record.variants == (
        Variant(gene_symbol="FBN1"),
        Variant(chromosome="1", position=1000, interpretation=Interpretation.LIKELY_PATHOGENIC),
    )


def test_both_spellings_of_a_field_the_later_one_wins() -> None:
    doc = {"phenotypicFeatures": [{"type": {"id": "HP:1"}}], "phenotypic_features": []}
    assert convert_valid(doc).phenotypic_features == ()
    doc = {"phenotypic_features": [], "phenotypicFeatures": [{"type": {"id": "HP:1"}}]}
    assert convert_valid(doc).phenotypic_features == (PhenotypicFeature("HP:1"),)
