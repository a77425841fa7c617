"""A store read over its lake answers exactly as its DuckDB file does: every read method, on a
synthetic cohort, with each column's name and type kept; variants land partitioned and sorted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pmbridge.ingest import to_patient_record
from pmbridge.model import (
    AgeFilter,
    Dataset,
    DiseaseFilter,
    GeneFilter,
    IndividualQuery,
    Operator,
    PhenotypeFilter,
    SexFilter,
    Source,
    Variable,
)
from pmbridge.store import EntryQuery, NodeStore, VariantQuery
from pmbridge.store._lake_read import open_lake
from pmbridge.store._lake_write import publish
from pmbridge.synth import CohortSpec, generate_cohort
from pmbridge.vocab import Hpo, load_disease_annotations, locate_data_dir

ROW_GROUP = 64  # small row groups, so even this cohort's tables have several


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[NodeStore, NodeStore]]:
    located = locate_data_dir()
    hpo = Hpo.load(located)
    spec = CohortSpec("lake", "eu-south", 120, 5)
    docs = generate_cohort(spec, annotations=load_disease_annotations(located), hpo_release=hpo.release)
    records = [to_patient_record(doc, dataset_id="ds1" if i % 3 else "ds2") for i, doc in enumerate(docs)]
    root = tmp_path_factory.mktemp("lake-roundtrip")
    store = NodeStore.open(root / "node.duckdb")
    with store.transaction():
        store.put_datasets([Dataset("ds1", "One"), Dataset("ds2", "Two")])
        store.sync_closure(hpo.closure(), release=hpo.release)
        store.write_records(records)
    publish(store, root / "lake", row_group_rows=ROW_GROUP, file_row_groups=2)
    lake = open_lake(root / "lake")
    yield store, lake
    lake.close()
    store.close()


def _one(store: NodeStore, sql: str) -> object:
    return store.connection.execute(sql).fetchall()[0][0]


def queries(store: NodeStore) -> list[EntryQuery]:
    """Questions about what the cohort holds: its commonest phenotype ancestor, gene, disease, variant."""
    ancestor = str(
        _one(
            store, "SELECT ancestor FROM phenotype_ancestors GROUP BY ALL ORDER BY count(*) DESC, 1 OFFSET 5"
        )
    )
    gene = str(
        _one(store, "SELECT gene FROM variants WHERE gene IS NOT NULL GROUP BY ALL ORDER BY count(*) DESC, 1")
    )
    disease = str(_one(store, "SELECT term FROM diseases GROUP BY ALL ORDER BY count(*) DESC, 1"))
    chromosome, position, reference, alternate = store.connection.execute(
        "SELECT chromosome, position, reference, alternate FROM variants WHERE position IS NOT NULL "
        "ORDER BY chromosome, position LIMIT 1"
    ).fetchall()[0]
    point = VariantQuery(
        chromosomes=(chromosome,), position=position, reference=reference, alternate=alternate
    )
    span = VariantQuery(chromosomes=(chromosome,), overlap=(1, 200_000_000))
    found = [
        EntryQuery("individuals"),
        EntryQuery("individuals", filters=(SexFilter("FEMALE"), AgeFilter(Operator.GE, 18.0))),
        EntryQuery("individuals", filters=(PhenotypeFilter(ancestor),)),
        EntryQuery("individuals", filters=(GeneFilter(gene),), dataset_ids=("ds1",)),
        EntryQuery("individuals", filters=(DiseaseFilter(disease),)),
        EntryQuery("biosamples", filters=(PhenotypeFilter(ancestor),)),
        EntryQuery("g_variants", variant=point),
        EntryQuery("g_variants", variant=span),
        EntryQuery("g_variants", variant=VariantQuery(gene=gene)),
        EntryQuery("individuals", variant=span),
    ]
    return found


def test_every_read_over_the_lake_equals_the_files(stores: tuple[NodeStore, NodeStore]) -> None:
    file, lake = stores
    variables = [Variable("age", Source.AGE), Variable("male", Source.MALE), Variable("time", Source.TIME)]
    asked = queries(file)
    assert any(file.count_entries(q) for q in asked[6:])  # the variant questions find something
    for query in asked:
        assert lake.counted(query, members=True) == file.counted(query, members=True), query
        assert lake.people(query) == file.people(query), query
        for dimension in ("sex", "ageBand", "phenotypeCategory"):
            assert lake.members_by(query, dimension) == file.members_by(query, dimension), query
        for dataset in ("ds1", "ds2"):
            assert lake.page(query, dataset=dataset) == file.page(query, dataset=dataset), query
        assert lake.allele_counts(query) == file.allele_counts(query), query
        if query.entry == "individuals":
            assert lake.analysis_frame(query, variables).equals(file.analysis_frame(query, variables))
    individuals = IndividualQuery(filters=(SexFilter("MALE"),))
    assert lake.count_individuals(individuals) == file.count_individuals(individuals)
    assert lake.datasets() == file.datasets()
    assert lake.dataset_contents() == file.dataset_contents()
    assert lake.table_counts() == file.table_counts()
    assert lake.hpo_release == file.hpo_release


def test_every_table_keeps_its_columns_and_types(stores: tuple[NodeStore, NodeStore]) -> None:
    file, lake = stores
    tables = [
        str(r[0])
        for r in file.connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
            "AND table_catalog = current_database()"
        ).fetchall()
    ]
    assert {"variants", "allele_counts", "hpo_closure", "phenotype_ancestors", "meta"} <= set(tables)
    for table in tables:
        described = [r[:2] for r in lake.connection.execute(f'DESCRIBE "{table}"').fetchall()]
        assert described == [r[:2] for r in file.connection.execute(f'DESCRIBE "{table}"').fetchall()]
        assert _one(lake, f'SELECT count(*) FROM "{table}"') == _one(file, f'SELECT count(*) FROM "{table}"')


def test_variant_files_hold_one_chromosome_sorted_by_position(stores: tuple[NodeStore, NodeStore]) -> None:
    _, lake = stores
    files = lake.connection.execute(
        "SELECT DISTINCT filename FROM read_parquet(?, filename = true)",
        [[str(p) for p in (lake.path / "variants").rglob("*.parquet")]],
    ).fetchall()
    assert len(files) > 1
    for (name,) in files:
        table = pq.read_table(name)
        assert len(set(zip(table["assembly"].to_pylist(), table["chromosome"].to_pylist(), strict=True))) <= 1
        positions = [p for p in table["position"].to_pylist() if p is not None]
        assert positions == sorted(positions)
        meta = pq.ParquetFile(name).metadata
        for group in range(meta.num_row_groups):
            assert meta.row_group(group).num_rows <= ROW_GROUP
            position = meta.row_group(group).column(table.schema.get_field_index("position")).statistics
            assert position is not None and (position.has_min_max or position.null_count)
        assert Path(name).parent.name.startswith("chromosome=")
