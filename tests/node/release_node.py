"""Two small real nodes (EU and CN) for the release path, with disclosure control at its defaults.

Sixty hand-made people per node, deterministic: sexes and ages cycle (every seventh age unknown),
phenotypes fall in three HPO categories, a common variant (30 carriers) and a rare one (3
carriers). Each node trusts the test broker (tests/release.py) for passports.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pmbridge.model import Individual, PatientRecord, PhenotypicFeature, Sex, Variant, Zygosity
from pmbridge.node import parse_node_config
from pmbridge.store import NodeStore
from pmbridge.vocab import Hpo
from tests.release import trusting
from tests.trust import trusted

SIZE = 60
SEIZURE = "HP:0001250"  # nervous system (HP:0000707)
ARACHNODACTYLY = "HP:0001166"  # limbs and skeleton
TALL = "HP:0000098"  # growth (HP:0001507)
COMMON = Variant("GRCh38", "chr2", 1_000_000, "C", "T", "GENE1", (), Zygosity.HETEROZYGOUS)
RARE = Variant("GRCh38", "chr15", 48_600_217, "G", "A", "FBN1", (), Zygosity.HETEROZYGOUS)
SEXES = (Sex.FEMALE, Sex.MALE, Sex.FEMALE, Sex.UNKNOWN_SEX)
TERMS = (SEIZURE, ARACHNODACTYLY, TALL)


def people(dataset: str) -> list[PatientRecord]:
    records = []
    for i in range(SIZE):
        variants = ((COMMON,) if i % 2 == 0 else ()) + ((RARE,) if i < 3 else ())
        records.append(
            PatientRecord(
                Individual(f"{dataset}-{i}", SEXES[i % 4], age_years=None if i % 7 == 6 else float(i + 1.5)),
                dataset,
                phenotypic_features=(PhenotypicFeature(TERMS[i % 3]),),
                variants=variants,
            )
        )
    return records


def config(node: str, jurisdiction: str, country: str, dataset: str, **tables: object) -> dict[str, object]:
    """A node config; ``tables`` adds or replaces top-level tables (policy, privacy, passports)."""
    doc: dict[str, object] = {
        "node": {"id": node, "name": f"Node {node}", "jurisdiction": jurisdiction, "country": country},
        "datasets": [
            {
                "id": dataset,
                "name": dataset.upper(),
                "release": {"public": "boolean", "registered": "count", "controlled": "record"},
            }
        ],
    }
    return trusting({**doc, **tables})


EU = config("eu-rel", "EU", "IT", "rel-eu")
CN = config("cn-rel", "CN", "CN", "rel-cn")


def build(root: Path, doc: Mapping[str, object], hpo: Hpo) -> dict[str, object]:
    """Write the store of ``doc`` under ``root``; returns the config with its trust settings."""
    full = trusted(doc, root)
    parsed = parse_node_config(full, base=root, where="test")
    with NodeStore.open(parsed.store) as store, store.transaction():
        store.put_datasets(list(parsed.datasets))
        store.sync_closure(hpo.closure(), release=hpo.release)
        store.write_records(people(parsed.datasets[0].id))
    return full
