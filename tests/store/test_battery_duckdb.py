"""The compiler battery on DuckDB: hand-checked answers from the hand-made records, and every case runs
clean through both the raw statements and the store's public reads."""

from __future__ import annotations

from datetime import date

import pytest

from pmbridge.model import GeneFilter, IndividualQuery, PhenotypeFilter, Source, Variable, Zygosity
from pmbridge.store import (
    BiosampleRow,
    CarrierRow,
    DiseaseRow,
    EntryQuery,
    FeatureRow,
    IndividualRow,
    NodeStore,
    VariantQuery,
    VariantRow,
)
from tests.store import battery

HAND = ("ds-a", "ds-b")
TAT_SNV = VariantQuery(chromosomes=("16", "chr16"), position=71_600_000, reference="C", alternate="T")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> NodeStore:
    path = battery.build_store(tmp_path_factory.mktemp("battery") / "battery.duckdb")
    return NodeStore.open(path, read_only=True)


def test_the_battery_names_many_distinct_cases() -> None:
    names = [case.name for case in battery.cases()]
    assert len(names) >= 60
    assert len(set(names)) == len(names)


def test_the_seeded_records_are_the_same_every_time() -> None:
    assert battery.records() == battery.records()
    assert battery.records(battery.SEED + 1) != battery.records()


@pytest.mark.parametrize("case", battery.cases(), ids=lambda case: case.name)
def test_every_case_runs_clean_raw_and_through_the_store(store: NodeStore, case: battery.Case) -> None:
    for compiled in case.statements:
        store.engine.rows(compiled)
    assert case.ask(store) is not None


def test_counts_and_filters_over_the_hand_made_records(store: NodeStore) -> None:
    assert store.count_individuals(IndividualQuery(dataset_ids=HAND)) == {"ds-a": 2, "ds-b": 2}
    assert store.count_individuals(IndividualQuery((GeneFilter("TAT"),))) == {"ds-a": 2, "ds-b": 1}
    # h'1's D is under B; h2 has B; h4's B is excluded and her C is no descendant of B.
    with_b = IndividualQuery((PhenotypeFilter(battery.B),), dataset_ids=HAND)
    assert store.count_individuals(with_b) == {"ds-a": 2}
    exact_c = IndividualQuery((PhenotypeFilter(battery.C, include_descendants=False),), dataset_ids=HAND)
    assert store.count_individuals(exact_c) == {"ds-b": 1}


def test_variant_spellings_merge_and_assemblies_stay_apart(store: NodeStore) -> None:
    # ds-a: the SNV (GRCh38 chr16 and hg38 16: one variant) and the deletion; ds-b: the SNV on
    # GRCh37 and with no assembly: two variants.
    on_16 = EntryQuery("g_variants", variant=VariantQuery(chromosomes=("16", "chr16")), dataset_ids=HAND)
    assert store.count_entries(on_16) == {"ds-a": 2, "ds-b": 2}
    for change in ("Gly60del", "Arg57Ter"):
        protein = EntryQuery("g_variants", variant=VariantQuery(protein_change=change))
        assert store.count_entries(protein) == {"ds-a": 1}


def test_a_variant_page_lists_its_carriers_in_id_order(store: NodeStore) -> None:
    tat = EntryQuery("g_variants", variant=VariantQuery(gene="TAT"))
    hgvs = ("NM_000353.3:c.169C>T", "NP_000344.1:p.Arg57Ter")
    assert store.page(tat, dataset="ds-a") == [
        VariantRow("GRCh38", "16", 71_600_000, "C", "T", ("TAT",), hgvs, 2, (
            CarrierRow("h'1", Zygosity.HOMOZYGOUS.value, "PATHOGENIC"),
            CarrierRow("h2", Zygosity.HETEROZYGOUS.value, "LIKELY_PATHOGENIC"),
        )),
        VariantRow("GRCh38", "16", 71_600_010, "CAG", "C", ("TAT",), ("NP_000344.1:p.(Gly60del)",), 1, (
            CarrierRow("h2", Zygosity.UNKNOWN.value, "NOT_PROVIDED"),
        )),
    ]  # fmt: skip


def test_individual_and_biosample_pages(store: NodeStore) -> None:
    (h1,) = [row for row in store.page(EntryQuery("individuals"), dataset="ds-a") if row.id == "h'1"]
    assert h1 == IndividualRow(
        "h'1",
        "FEMALE",
        34.0,
        "IT",
        (FeatureRow(battery.D, False, "HP:0003577"), FeatureRow(battery.E, True, None)),
        (DiseaseRow(battery.TYROSINEMIA, "Tyrosinemia, type II", False),),
    )
    assert store.page(EntryQuery("biosamples"), dataset="ds-a") == [
        BiosampleRow("bs-h1", "h'1", "UBERON:0000178", "blood", date(2020, 3, 1))
    ]


def test_alleles_count_each_persons_call_once(store: NodeStore) -> None:
    found = store.allele_counts(EntryQuery("g_variants", variant=TAT_SNV, dataset_ids=HAND))
    assert found == {
        "ds-a": ({Zygosity.HOMOZYGOUS.value: 1, Zygosity.HETEROZYGOUS.value: 1}, 2),
        "ds-b": ({Zygosity.HEMIZYGOUS.value: 1}, 1),  # h4 has no variant: not genotyped
    }


def test_breakdowns_and_the_analysis_frame(store: NodeStore) -> None:
    bands = store.members_by(EntryQuery("individuals", dataset_ids=HAND), "ageBand")
    assert {ds: sorted(cells) for ds, cells in bands.items()} == {
        "ds-a": ["30-39", "80+"],
        "ds-b": ["0-9", "unknown"],
    }
    variables = [Variable("ldl", Source.MEASUREMENT, battery.LDL), Variable("event", Source.EVENT)]
    frame = store.analysis_frame(EntryQuery("individuals", dataset_ids=("ds-a",)), variables)
    assert frame.column("ldl").to_pylist() == [4.0, None]  # h'1's latest of two; h2 never measured
    assert frame.column("event").to_pylist() == [None, 1.0]


COUNTED = [
    case
    for case in battery.cases()
    if case.name.startswith(("entries/", "variants/")) and len(case.statements) == 4
]


@pytest.mark.parametrize("case", COUNTED, ids=lambda case: case.name)
def test_the_one_statement_count_is_count_entries_and_its_carriers_are_the_members(
    store: NodeStore, case: battery.Case
) -> None:
    counts, counted, members, _ = (store.engine.rows(compiled) for compiled in case.statements)
    assert {ds: n for ds, n, _ in counted} == dict(counts)
    assert {ds: sorted(ids) for ds, _, ids in counted} == {ds: sorted(set(ids)) for ds, ids in members}
