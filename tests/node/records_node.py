"""A node that releases records: hand-made patients with known variant positions, samples and labels.

Positions are VCF (1-based). FBN1 c.1585C>T (p.Arg529Ter) lies at GRCh38 chr15:48,600,217, so a
Beacon sequence query asks for it with start 48600216 (0-based). The same variant is stored once
as hg38/"chr15" and once as GRCh38/"15", as two sources would write it; the node must see one.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pmbridge.model import (
    Biosample,
    Disease,
    Individual,
    PatientRecord,
    PhenotypicFeature,
    Sex,
    Variant,
    Zygosity,
)
from pmbridge.node import parse_node_config
from pmbridge.store import NodeStore
from pmbridge.vocab import Hpo
from tests.release import exact_release

ARACHNODACTYLY = "HP:0001166"
LONG_FINGERS = "HP:0100807"  # a parent of Arachnodactyly
SEIZURE = "HP:0001250"
TONIC_CLONIC = "HP:0002069"
TALL = "HP:0000098"
CONGENITAL_ONSET = "HP:0003577"

SNV_POS = 48_600_217  # chr15, G>A, VCF 1-based
SNV_ID = "GRCh38:chr15:48600217:G:A"
FAR_POS = 48_700_000  # chr15, C>T
DEL_POS = 166_000_000  # chr2, AT>A: the deleted T is at 166,000,001
SNV_HGVS = ("NC_000015.10:g.48600217G>A", "NM_000138.5:c.1585C>T", "NP_000129.3:p.(Arg529Ter)")


def snv(assembly: str, chromosome: str, zygosity: Zygosity) -> Variant:
    return Variant(assembly, chromosome, SNV_POS, "G", "A", "FBN1", SNV_HGVS, zygosity)


RECORDS = [
    PatientRecord(
        Individual("r1", Sex.FEMALE, age_years=34.5, country="IT"),
        "ds-rec",
        phenotypic_features=(
            PhenotypicFeature(ARACHNODACTYLY, onset=CONGENITAL_ONSET),
            PhenotypicFeature(SEIZURE, excluded=True),
        ),
        diseases=(
            Disease("OMIM:154700", "Marfan syndrome"),
            Disease("OMIM:609192", "ruled out", excluded=True),
        ),
        variants=(snv("hg38", "chr15", Zygosity.HETEROZYGOUS),),
        biosamples=(Biosample("bs1", "NCIT:C12434", "UBERON:0000178", date(2021, 3, 4)),),
    ),
    PatientRecord(
        Individual("r2", Sex.MALE, age_years=8),
        "ds-rec",
        phenotypic_features=(PhenotypicFeature(TONIC_CLONIC, onset="P2Y"),),
        variants=(
            snv("GRCh38", "15", Zygosity.HOMOZYGOUS),
            Variant("GRCh38", "chr2", DEL_POS, "AT", "A", "SCN1A", (), Zygosity.HETEROZYGOUS),
            Variant(gene_symbol="SCN1A"),  # a gene-level call without a position
        ),
        biosamples=(
            Biosample("bs2", "NCIT:C13275", "UBERON:0001836", date(2022, 1, 5)),
            Biosample("bs3", "OBI:0001051", "UBERON:0001836", None),
        ),
    ),
    PatientRecord(
        Individual("r3", Sex.FEMALE, age_years=60),
        "ds-rec",
        phenotypic_features=(PhenotypicFeature(LONG_FINGERS),),
        variants=(Variant("GRCh38", "chr15", FAR_POS, "C", "T", "FBN1", (), Zygosity.HETEROZYGOUS),),
    ),
    PatientRecord(
        Individual("r4", Sex.MALE, age_years=15),
        "ds-rec",
        phenotypic_features=(PhenotypicFeature(TALL),),
    ),
    PatientRecord(
        Individual("c1", Sex.FEMALE, age_years=20),
        "ds-count",
        phenotypic_features=(PhenotypicFeature(ARACHNODACTYLY),),
        variants=(snv("hg38", "chr15", Zygosity.HETEROZYGOUS),),
        biosamples=(Biosample("cbs1", "NCIT:C12434", "UBERON:0000178", date(2020, 6, 1)),),
    ),
]

CONFIG = exact_release(
    {  # query-logic tests: every count exact (tests/release.py)
        "node": {"id": "eu-rec", "name": "Records node", "jurisdiction": "EU", "country": "IT"},
        "datasets": [
            {
                "id": "ds-rec",
                "name": "Records",
                "description": "Released as records to everyone",
                "duo": ["DUO:0000042", "DUO:0000019"],
                "release": {"public": "record"},
            },
            {"id": "ds-count", "name": "Counts", "release": {"public": "count"}},
        ],
    }
)


def build(root: Path, hpo: Hpo) -> None:
    """Write the store of :data:`CONFIG` under ``root`` with the real HPO closure."""
    config = parse_node_config(CONFIG, base=root, where="test")
    with NodeStore.open(config.store) as store, store.transaction():
        store.put_datasets(list(config.datasets))
        store.sync_closure(hpo.closure(), release=hpo.release)
        store.write_records(RECORDS)
