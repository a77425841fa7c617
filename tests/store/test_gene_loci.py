"""Gene spans: a gene filter bounded by ``gene_loci`` selects exactly what the unbounded filter does,
however the calls were written (batches, replacements, VCF calls, calls without a position)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmbridge.model import Dataset, GeneFilter, Individual, PatientRecord, Variant
from pmbridge.store import ALLELE_COUNTS, SCHEMAS, VCF_ORIGIN, EntryQuery, NodeStore, VariantQuery
from pmbridge.store._compile import where_clause
from pmbridge.store._gene_loci import GeneSpan, read_spans

GENES = ("BRCA2", "FBN1", "TTN")
calls = st.tuples(
    st.sampled_from(GENES),
    st.sampled_from(["GRCh38", "hg38", None]),
    st.sampled_from(["13", "chr13", "2", None]),
    st.one_of(st.none(), st.integers(1, 5_000)),
)
people = st.lists(st.tuples(st.integers(0, 12), st.lists(calls, max_size=3)), min_size=1, max_size=8)
batches = st.lists(people, min_size=1, max_size=4)


def _record(number: int, variants: list[tuple[str, str | None, str | None, int | None]]) -> PatientRecord:
    return PatientRecord(
        Individual(f"p{number}"),
        "ds",
        variants=tuple(Variant(a, c, p, "A", "G", g) for g, a, c, p in variants),
    )


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("gene_loci")


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(written=batches)
def test_a_bounded_gene_filter_selects_what_the_unbounded_one_does(
    store_dir: Path, written: list[list[tuple[int, list[tuple[str, str | None, str | None, int | None]]]]]
) -> None:
    path = store_dir / "g.duckdb"
    path.unlink(missing_ok=True)
    final: dict[int, list[tuple[str, str | None, str | None, int | None]]] = {}
    with NodeStore.open(path) as store:
        with store.transaction():
            store.put_datasets([Dataset("ds", "DS")])
        for batch in written:  # a later batch replaces a person written earlier
            with store.transaction():
                store.write_records([_record(n, v) for n, v in batch])
            final.update({n: v for n, v in batch})
        for gene in GENES:
            carriers = {n for n, v in final.items() if any(g == gene for g, *_ in v)}
            by_filter = store.count_entries(EntryQuery("individuals", filters=(GeneFilter(gene),)))
            by_variant = store.count_entries(EntryQuery("individuals", variant=VariantQuery(gene=gene)))
            assert by_filter.get("ds", 0) == len(carriers)
            assert by_variant.get("ds", 0) == len(carriers)


def test_vcf_calls_widen_the_span_and_stay_found(tmp_path: Path) -> None:
    with NodeStore.open(tmp_path / "s.duckdb") as store:
        with store.transaction():
            store.put_datasets([Dataset("ds", "DS")])
            store.write_records([_record(1, [("BRCA2", "GRCh38", "13", 100)]), _record(2, [])])
        before = read_spans(store.engine, ["BRCA2"])["BRCA2"]
        assert before == GeneSpan("BRCA2", ("GRCh38",), ("13",), 100, 100)
        ind = store.individual_inds("ds", ["p2"])["p2"]
        schema = SCHEMAS["variants"]
        row = {
            "ind": ind,
            "assembly": "GRCh38",
            "chromosome": "13",
            "position": 9_000,
            "reference": "A",
            "alternate": "T",
            "gene": "BRCA2",
            "hgvs": [],
            "zygosity": "HETEROZYGOUS",
            "interpretation": "NOT_PROVIDED",
            "origin": VCF_ORIGIN,
            "source": "x.vcf",
        }
        calls = pa.Table.from_pylist([{name: row[name] for name in schema.names}], schema=schema)
        with store.transaction():
            store.write_vcf_calls(calls, _no_counts())
        assert read_spans(store.engine, ["BRCA2"])["BRCA2"] == GeneSpan(
            "BRCA2", ("GRCh38",), ("13",), 100, 9_000
        )
        found = store.count_entries(EntryQuery("individuals", filters=(GeneFilter("BRCA2"),)))
        assert found == {"ds": 2}


def test_a_gene_with_a_call_lacking_a_position_is_not_bounded(tmp_path: Path) -> None:
    with NodeStore.open(tmp_path / "s.duckdb") as store:
        with store.transaction():
            store.put_datasets([Dataset("ds", "DS")])
            store.write_records(
                [_record(1, [("FBN1", "GRCh38", "15", 500)]), _record(2, [("FBN1", None, None, None)])]
            )
        assert read_spans(store.engine, ["FBN1", "NONE"]) == {"FBN1": None, "NONE": None}
        assert store.count_entries(EntryQuery("individuals", filters=(GeneFilter("FBN1"),))) == {"ds": 2}


def test_a_bounded_filter_names_the_span_in_its_sql() -> None:
    span = GeneSpan("FBN1", ("GRCh38",), ("15",), 48_400_000, 48_700_000)
    sql, params = where_clause((GeneFilter("FBN1"),), spans=(span,))
    assert "v.position BETWEEN ? AND ?" in sql
    assert params == ["FBN1", "GRCh38", "15", 48_400_000, 48_700_000]
    assert where_clause((GeneFilter("TTN"),), spans=(span,)) == (
        "i.ind IN (SELECT v.ind FROM variants v WHERE v.gene = ?)",
        ["TTN"],
    )


def _no_counts() -> pa.Table:
    return ALLELE_COUNTS.empty_table()


def test_a_store_of_schema_4_gets_its_gene_loci_from_its_calls(tmp_path: Path) -> None:
    import duckdb

    path = tmp_path / "s.duckdb"
    with NodeStore.open(path) as store, store.transaction():
        store.put_datasets([Dataset("ds", "DS")])
        store.write_records([_record(1, [("TTN", "GRCh38", "2", 178_000_000)]), _record(2, [])])
    with duckdb.connect(str(path)) as con:  # as the fourth schema left it
        con.execute("DROP TABLE gene_loci")
        con.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    with NodeStore.open(path) as store:
        assert read_spans(store.engine, ["TTN"])["TTN"] == GeneSpan(
            "TTN", ("GRCh38",), ("2",), 178_000_000, 178_000_000
        )
        assert store.count_entries(EntryQuery("individuals", filters=(GeneFilter("TTN"),))) == {"ds": 1}
