"""A person whose call comes both with their clinical record and from a VCF is counted once."""

from __future__ import annotations

import json
from pathlib import Path

from pmbridge.ingest import VcfOptions, ingest, write_vcf
from pmbridge.model import Dataset
from pmbridge.store import EntryQuery, NodeStore, VariantQuery
from pmbridge.synth import CohortSpec, generate_cohort
from pmbridge.vocab import load_disease_annotations, load_hpo_index, locate_data_dir


def test_allele_counts_count_people_not_rows(tmp_path: Path) -> None:
    cohort = list(
        generate_cohort(
            CohortSpec("two", "eu-north", 60, 5),
            annotations=load_disease_annotations(locate_data_dir()),
            hpo_release="t",
        )
    )
    packets = tmp_path / "c.jsonl"
    packets.write_text("".join(json.dumps(d) + "\n" for d in cohort), encoding="utf-8")
    write_vcf(cohort, tmp_path / "c.vcf.gz", tmp_path / "c.tsv")
    hpo, dataset = load_hpo_index(locate_data_dir()), Dataset("ds", "ds")
    counts = {}
    for name, inputs in (("record", [packets]), ("both", [packets, tmp_path / "c.vcf.gz"])):
        with NodeStore.open(tmp_path / f"{name}.duckdb") as store:
            ingest(
                inputs,
                store=store,
                dataset=dataset,
                hpo=hpo,
                quarantine_path=tmp_path / "q.jsonl",
                vcf=VcfOptions(sample_sheet=tmp_path / "c.tsv"),
            )
            (row,) = store.connection.execute(
                "SELECT chromosome, position, reference, alternate FROM variants WHERE origin = 'record' "
                "GROUP BY ALL ORDER BY count(*) DESC, 1, 2, 3, 4 LIMIT 1"
            ).fetchall()
            chrom, pos, ref, alt = row
            query = EntryQuery(
                "g_variants",
                variant=VariantQuery(chromosomes=(chrom,), position=pos, reference=ref, alternate=alt),
            )
            counts[name] = (store.allele_counts(query), store.table_counts()["variants"])
    (record_counts, record_rows), (both_counts, both_rows) = counts["record"], counts["both"]
    assert both_rows == 2 * record_rows  # every call is stored from both sources
    assert both_counts == record_counts and sum(record_counts["ds"][0].values()) >= 1
