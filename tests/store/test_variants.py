"""Variant SQL: spans and brackets equal a plain Python reading; genome names agree in SQL and Python."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmbridge.model import Dataset, Individual, PatientRecord, Variant
from pmbridge.store import (
    EntryQuery,
    NodeStore,
    VariantQuery,
    canonical_assembly,
    canonical_chromosome,
    chromosome_spellings,
)
from pmbridge.store._genome import assembly_key_sql, chromosome_key_sql

CHROMOSOMES = [
    "chr1",
    "1",
    "CHR1",
    "chrX",
    "x",
    "X",
    "MT",
    "chrM",
    "M",
    "chrMT",
    "NC_000015.10",
    "NC_000015.9",
]
CHROMOSOMES += ["NC_012920.1", "GL000220.1", "chrUn_KI270302v1", "Y", "chry"]
ASSEMBLIES = ["GRCh38", "hg38", "HG38", "grch38.p13", "GRCh37", "hg19", "b37", "GRCh37.p13", "T2T-CHM13"]


def test_the_sql_key_names_a_variant_as_python_does() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE v (assembly VARCHAR, chromosome VARCHAR)")
    con.executemany("INSERT INTO v VALUES (?, ?)", [[a, c] for a in ASSEMBLIES for c in CHROMOSOMES])
    keys = f"{assembly_key_sql('v.assembly')}, {chromosome_key_sql('v.chromosome')}"
    rows = con.execute(f"SELECT assembly, chromosome, {keys} FROM v").fetchall()
    assert len(rows) == len(ASSEMBLIES) * len(CHROMOSOMES)
    for assembly, chromosome, assembly_key, chromosome_key in rows:
        assert (assembly_key, chromosome_key) == (
            canonical_assembly(assembly),
            canonical_chromosome(chromosome),
        )


def test_every_spelling_of_a_chromosome_names_it() -> None:
    for name in ("15", "X", "M"):
        assert {canonical_chromosome(s) for s in chromosome_spellings(name)} == {name}


variant_rows = st.lists(
    st.tuples(st.integers(1, 40), st.integers(1, 4), st.integers(1, 3)),  # position, len(REF), len(ALT)
    min_size=1,
    max_size=20,
)
spans = st.tuples(st.integers(1, 45), st.integers(0, 6)).map(lambda t: (t[0], t[0] + t[1]))
shapes = st.sampled_from(["position", "overlap", "starts", "ends", "bracket"])


def matches(position: int, ref_length: int, shape: str, a: tuple[int, int], b: tuple[int, int]) -> bool:
    last = position + ref_length - 1
    if shape == "position":
        return position == a[0]
    if shape == "overlap":
        return position <= a[1] and last >= a[0]
    if shape == "starts":
        return a[0] <= position <= a[1]
    if shape == "ends":
        return a[0] <= last <= a[1]
    return a[0] <= position <= a[1] and b[0] <= last <= b[1]


def query_of(shape: str, a: tuple[int, int], b: tuple[int, int]) -> VariantQuery:
    return {
        "position": VariantQuery(position=a[0]),
        "overlap": VariantQuery(overlap=a),
        "starts": VariantQuery(starts=a),
        "ends": VariantQuery(ends=a),
        "bracket": VariantQuery(starts=a, ends=b),
    }[shape]


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("variants")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=variant_rows, shape=shapes, a=spans, b=spans)
def test_variant_spans_select_what_a_reading_of_the_coordinates_selects(
    store_dir: Path, rows: list[tuple[int, int, int]], shape: str, a: tuple[int, int], b: tuple[int, int]
) -> None:
    path = store_dir / "v.duckdb"
    path.unlink(missing_ok=True)
    records = [
        PatientRecord(
            Individual(f"p{i}"),
            "ds",
            variants=(Variant("GRCh38", "chr1", position, "A" * ref, "C" * alt, "G1"),),
        )
        for i, (position, ref, alt) in enumerate(rows)
    ]
    with NodeStore.open(path) as store:
        with store.transaction():
            store.put_datasets([Dataset("ds", "DS")])
            store.write_records(records)
        carriers = store.count_entries(EntryQuery("individuals", variant=query_of(shape, a, b)))
        distinct = store.count_entries(EntryQuery("g_variants", variant=query_of(shape, a, b)))
    expected = [r for r in rows if matches(r[0], r[1], shape, a, b)]
    assert carriers.get("ds", 0) == len(expected)
    assert distinct.get("ds", 0) == len(set(expected))
