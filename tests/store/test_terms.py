"""The terms present in a store: observed (never excluded) features, diagnoses, sexes, genes, age."""

from __future__ import annotations

from pathlib import Path

from pmbridge.model import Dataset, Disease, Individual, PatientRecord, PhenotypicFeature, Sex, Variant
from pmbridge.store import NodeStore, PresentTerm, TermKind, present_terms

RECORDS = [
    PatientRecord(
        Individual("a1", Sex.FEMALE, age_years=4),
        "ds-a",
        phenotypic_features=(PhenotypicFeature("HP:0001250"), PhenotypicFeature("HP:0001166", excluded=True)),
        diseases=(Disease("OMIM:154700", label="Marfan syndrome"),),
        variants=(Variant(gene_symbol="FBN1"), Variant(gene_symbol="FBN1"), Variant()),
    ),
    PatientRecord(
        Individual("a2", Sex.FEMALE),
        "ds-a",
        phenotypic_features=(PhenotypicFeature("HP:0001250"),),
        diseases=(Disease("ORPHA:558", excluded=True),),
    ),
    PatientRecord(Individual("b1", Sex.MALE, age_years=30), "ds-b", variants=(Variant(gene_symbol="SCN1A"),)),
]


def make_store(path: Path) -> Path:
    with NodeStore.open(path) as store, store.transaction():
        store.put_datasets([Dataset("ds-a", "A"), Dataset("ds-b", "B")])
        store.write_records(RECORDS)
    return path


def test_present_terms_are_what_a_filter_could_match_with_counts_per_dataset(tmp_path: Path) -> None:
    with NodeStore.open(make_store(tmp_path / "s.duckdb"), read_only=True) as store:
        found = present_terms(store)
    assert found == (
        PresentTerm(TermKind.AGE, "age", "ds-a", 1),
        PresentTerm(TermKind.AGE, "age", "ds-b", 1),
        PresentTerm(TermKind.DISEASE, "OMIM:154700", "ds-a", 1, label="Marfan syndrome"),
        PresentTerm(TermKind.GENE, "FBN1", "ds-a", 2),  # two calls
        PresentTerm(TermKind.GENE, "SCN1A", "ds-b", 1),
        PresentTerm(TermKind.PHENOTYPE, "HP:0001250", "ds-a", 2),  # never the excluded HP:0001166
        PresentTerm(TermKind.SEX, "FEMALE", "ds-a", 2),
        PresentTerm(TermKind.SEX, "MALE", "ds-b", 1),
    )


def test_a_read_only_store_is_scanned_once_a_writable_one_every_time(tmp_path: Path) -> None:
    path = make_store(tmp_path / "s.duckdb")
    with NodeStore.open(path, read_only=True) as store:
        assert present_terms(store) is present_terms(store)
    with NodeStore.open(path) as store:
        first = present_terms(store)
        with store.transaction():
            store.write_records([PatientRecord(Individual("c1", Sex.OTHER_SEX), "ds-b")])
        assert PresentTerm(TermKind.SEX, "OTHER_SEX", "ds-b", 1) in present_terms(store)
        assert PresentTerm(TermKind.SEX, "OTHER_SEX", "ds-b", 1) not in first
