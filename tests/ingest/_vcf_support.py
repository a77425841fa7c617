"""Helpers of the VCF ingest tests: a store with people in it, a VCF load in one transaction."""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from pathlib import Path

from pmbridge.ingest import IngestReport, Quarantine
from pmbridge.ingest._vcf_load import VcfOptions, load_vcf
from pmbridge.model import Dataset, Individual, PatientRecord, Sex, Variant, Zygosity
from pmbridge.store import NodeStore

HEADER = (
    "##fileformat=VCFv4.2\n"
    "##contig=<ID=c1,length=34,assembly=GRCh38>\n"
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
)


def vcf_text(samples: Sequence[str], lines: Sequence[str], *, header: str = HEADER) -> str:
    columns = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(samples)
    return header + columns + "\n" + "".join(line.replace(" ", "\t") + "\n" for line in lines)


def write_vcf_file(path: Path, samples: Sequence[str], lines: Sequence[str], *, header: str = HEADER) -> Path:
    text = vcf_text(samples, lines, header=header)
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def person(individual_id: str, *variants: Variant, sex: Sex = Sex.UNKNOWN_SEX) -> PatientRecord:
    return PatientRecord(Individual(individual_id, sex), "ds", variants=tuple(variants))


CLINICAL_VARIANT = Variant("GRCh38", "chr9", 100, "A", "G", "GENE9", (), Zygosity.HETEROZYGOUS)


def store_with(path: Path, ids: Sequence[str], *, with_variant: bool = False) -> None:
    with NodeStore.open(path) as store, store.transaction():
        store.put_datasets([Dataset("ds", "ds")])
        extra = (CLINICAL_VARIANT,) if with_variant else ()
        store.write_records([person(i, *extra) for i in ids])


def load(
    store_path: Path, vcf: Path, options: VcfOptions | None = None, *, progress: list[int] | None = None
) -> IngestReport:
    """``vcf`` loaded into dataset ``ds`` in one transaction, quarantine beside the store."""
    report = IngestReport("ds", "test")
    with (
        NodeStore.open(store_path) as store,
        Quarantine(store_path.with_suffix(".quarantine.jsonl")) as quarantine,
    ):
        with store.transaction():
            load_vcf(
                vcf,
                store=store,
                dataset_id="ds",
                options=options or VcfOptions(),
                report=report,
                quarantine=quarantine,
                progress=None if progress is None else progress.append,
            )
        quarantine.commit()
    return report


def rows(store_path: Path, sql: str = "") -> list[tuple[object, ...]]:
    """Variant rows as (individual, chromosome, position, ref, alt, gene, hgvs, zygosity, origin)."""
    with NodeStore.open(store_path, read_only=True) as store:
        return store.connection.execute(
            "SELECT i.id, v.chromosome, v.position, v.reference, v.alternate, v.gene, v.hgvs, "
            f"v.zygosity, v.origin FROM variants v JOIN individuals i USING (ind) {sql} "
            "ORDER BY ALL"
        ).fetchall()


def counts(store_path: Path) -> list[tuple[object, ...]]:
    with NodeStore.open(store_path, read_only=True) as store:
        return store.connection.execute(
            "SELECT chromosome, position, reference, alternate, ac, an, af, hom, hemi "
            "FROM allele_counts ORDER BY ALL"
        ).fetchall()
