"""OMOP ingest cost against DuckDB reading the same CSV files, measured in the same run.

    .venv/bin/python -m bench.omop_ingest [--size 20000]

A synthetic cohort is written as CDM 5.4 CSV tables (``write_omop``, cached under var/bench), then:
  - baseline: DuckDB reads every table into Arrow (``read_csv``, types detected), nothing else;
  - read_omop: our reader, one Phenopacket v2 document per person (grouped counts, concept
    bridging, a person_id-sorted merge of every table, the mapping);
  - ingest: ``pmbridge.ingest.ingest`` of the folder into a fresh store (validation, conversion,
    one transaction; HPO already loaded), and for scale the same people ingested as phenopackets.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import duckdb

from bench._common import CACHE, peak_rss_mb, synthetic_cohort
from pmbridge.ingest import ingest
from pmbridge.ingest._omop_source import read_omop
from pmbridge.ingest._omop_writer import write_omop
from pmbridge.model import Dataset
from pmbridge.store import NodeStore
from pmbridge.vocab import load_hpo_index, locate_data_dir


def omop_tables(size: int) -> Path:
    """The cached synthetic cohort of ``size`` people as OMOP CSV tables."""
    folder = CACHE / f"omop-{size}"
    if not (folder / "concept.csv").exists():
        cohort = synthetic_cohort(size)
        started = time.perf_counter()
        with cohort.open("rb") as lines:
            write_omop((json.loads(line) for line in lines if line.strip()), folder)
        print(f"wrote {size:,} people as OMOP tables in {time.perf_counter() - started:.1f} s")
    return folder


def duckdb_read(folder: Path) -> int:
    rows = 0
    con = duckdb.connect()
    for path in sorted(folder.glob("*.csv")):
        rows += con.sql(f"SELECT * FROM read_csv('{path}', header = true)").to_arrow_table().num_rows
    con.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=20_000, help="synthetic people")
    args = parser.parse_args()
    folder = omop_tables(args.size)
    megabytes = sum(p.stat().st_size for p in folder.iterdir()) / 1e6

    started = time.perf_counter()
    rows = duckdb_read(folder)
    baseline = time.perf_counter() - started

    started = time.perf_counter()
    people = sum(1 for _ in read_omop(str(folder)))
    reader = time.perf_counter() - started

    hpo = load_hpo_index(locate_data_dir())
    seconds = {}
    for label, path in (("omop", folder), ("phenopackets", synthetic_cohort(args.size))):
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            with NodeStore.open(Path(tmp) / "node.duckdb") as store:
                report = ingest(
                    [path],
                    store=store,
                    dataset=Dataset("bench", "bench"),
                    hpo=hpo,
                    quarantine_path=Path(tmp) / "q.jsonl",
                )
            seconds[label] = time.perf_counter() - started
        assert report.quarantined == 0, report.errors[:3]
    whole, packets = seconds["omop"], seconds["phenopackets"]

    print(f"OMOP CDM 5.4 CSV: {people:,} people, {rows:,} rows in {megabytes:,.1f} MB")
    print(f"  DuckDB read_csv only   {baseline:7.2f} s  ({rows / baseline:,.0f} rows/s)")
    print(
        f"  read_omop              {reader:7.2f} s  ({people / reader:,.0f} people/s, "
        f"{rows / reader:,.0f} rows/s)  ratio {reader / baseline:.1f}x"
    )
    print(
        f"  ingest (in process)    {whole:7.2f} s  ({people / whole:,.0f} people/s)  "
        f"ratio {whole / baseline:.1f}x"
    )
    print(
        f"  the same people as phenopackets (JSON lines), ingest {packets:.2f} s "
        f"({people / packets:,.0f} people/s); OMOP / phenopackets {whole / packets:.2f}x"
    )
    print(f"  peak memory of this process: {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
