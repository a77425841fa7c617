"""A node for patient-matching tests: hand-made patients in two datasets, default disclosure control.

``ds-a`` grants counts to everyone and records to controlled access (so per-patient matches to
an identified researcher at home holding a ControlledAccessGrants visa for it, :data:`GRANTS`);
``ds-b`` grants only yes/no, so it always answers with an aggregate. ``p-marfan`` has
exactly the Marfan-like query's terms and FBN1; 24 others have unrelated neurological terms, so
the "strong" band of the query holds one patient: never a count that may leave.
"""

from __future__ import annotations

import random
from pathlib import Path

from pmbridge.model import Individual, PatientRecord, PhenotypicFeature, Sex, Variant
from pmbridge.node import NodeContext, open_node, parse_node_config
from pmbridge.store import NodeStore
from pmbridge.vocab import Hpo
from tests.release import trusting
from tests.trust import trusted

ARACHNODACTYLY, ECTOPIA_LENTIS, TALL = "HP:0001166", "HP:0001083", "HP:0000098"
MARFAN = (ARACHNODACTYLY, ECTOPIA_LENTIS, TALL)
NEURO = ("HP:0001250", "HP:0002069", "HP:0001263", "HP:0001249", "HP:0002376", "HP:0001252", "HP:0000252")
SEIZURE = "HP:0001250"
GRANTS = ("ds-a",)
"""The controlled-access grant that lets a researcher at home see ``ds-a``'s patients as matches."""

CONFIG: dict[str, object] = {
    "node": {
        "id": "eu-match",
        "name": "Match node",
        "jurisdiction": "EU",
        "country": "IT",
        "store": "store.duckdb",
    },
    "datasets": [
        {
            "id": "ds-a",
            "name": "A",
            "release": {"public": "count", "registered": "count", "controlled": "record"},
        },
        {"id": "ds-b", "name": "B", "release": {"public": "boolean", "registered": "boolean"}},
    ],
}


def records() -> list[PatientRecord]:
    rng = random.Random(5)
    found = [
        PatientRecord(
            Individual("p-marfan", Sex.FEMALE, age_years=31),
            "ds-a",
            phenotypic_features=tuple(PhenotypicFeature(t) for t in MARFAN),
            variants=(Variant(gene_symbol="FBN1"),),
        )
    ]
    for i in range(24):
        terms = rng.sample(NEURO, 3)
        found.append(
            PatientRecord(
                Individual(f"p-{i:02d}", Sex.MALE if i % 2 else Sex.FEMALE, age_years=float(2 + i)),
                "ds-a" if i < 18 else "ds-b",
                phenotypic_features=(
                    *(PhenotypicFeature(t) for t in terms),
                    *((PhenotypicFeature(ARACHNODACTYLY, excluded=True),) if i % 3 == 0 else ()),
                ),
                variants=(Variant(gene_symbol="SCN1A" if i % 2 else "STXBP1"),),
            )
        )
    return found


def build(
    root: Path, hpo: Hpo, *, node_id: str = "eu-match", jurisdiction: str = "EU", country: str = "IT"
) -> dict[str, object]:
    """Write the store under ``root``; returns the node's config (with keys and a passport trust)."""
    root.mkdir(parents=True, exist_ok=True)
    doc = {**CONFIG, "node": {**CONFIG["node"], "jurisdiction": jurisdiction, "country": country}}  # type: ignore[dict-item]
    config = trusting(trusted(doc, root, node_id=node_id))
    parsed = parse_node_config(config, base=root, where="test")
    with NodeStore.open(parsed.store) as store, store.transaction():
        store.put_datasets(list(parsed.datasets))
        store.sync_closure(hpo.closure(), release=hpo.release)
        store.write_records(records())
    return config


def open_match_node(root: Path, config: dict[str, object]) -> NodeContext:
    return open_node(parse_node_config(config, base=root, where="test"))
