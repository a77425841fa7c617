"""The demo's MIABIS Core 3.0 metadata: the Rome biobank describes its rare-disease collection, so
the portal's datasets page and the node's Beacon ``/datasets`` and ``/cohorts`` show one.

The values follow the synthetic eu-south cohort (ages 0 to 90, blood, DNA, serum, plasma, saliva,
urine and biopsies); the file is written beside the node's ``node.toml`` and named in its dataset.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Final

MIABIS_FILE: Final = "miabis.json"
_BIOBANK: Final = "bbmri-eric:ID:IT_DEMO-ROME"
_COLLECTION: Final = f"{_BIOBANK}:collection:RD"
_CONTACT: Final = {
    "First name": "Marco",
    "Last name": "Bianchi",
    "Email": "marco.bianchi@rome-biobank.example",
}
_ROME: Final = {
    "biobanks": [
        {
            "ID": _BIOBANK,
            "Name": "Rome Rare Disease Biobank",
            "Juristic Person": "Rome Rare Disease Biobank (demo)",
            "Country": "IT",
            "Contact Information": _CONTACT,
            "Quality Management standard": ["ISO 20387"],
        }
    ],
    "collections": [
        {
            "ID": _COLLECTION,
            "Name": "Rome rare-disease collection",
            "Biobank": _BIOBANK,
            "Contact Information": _CONTACT,
            "Description": "Samples and clinical data of children and adults with rare diseases "
            "(synthetic demo data).",
            "Sex": ["Female", "Male", "Unknown"],
            "Age Low": 0,
            "Age Low Unit": "Years",
            "Age High": 90,
            "Age High Unit": "Years",
            "Dataset type": ["Clinical dataset", "Genomic dataset"],
            "Sample type": ["Blood", "DNA", "Serum", "Plasma", "Saliva", "Urine", "Tissue (Frozen)"],
            "Storage temperature": ["-60 °C to -85 °C", "Liquid nitrogen vapor-phase"],
            "Disease": [
                {
                    "Disease Ontology Version": "ICD-10",
                    "Disease Ontology Code": "Q87.4",
                    "Disease Ontology Description": "Marfan syndrome",
                },
                {
                    "Disease Ontology Version": "ICD-10",
                    "Disease Ontology Code": "G40",
                    "Disease Ontology Description": "Epilepsy",
                },
            ],
            "Sample collection setting": ["Routine health care setting"],
            "Collection design": ["Rare disease collection"],
            "Use & Access conditions": ["Genetic data use", "Specific research use", "Collaboration"],
            "Collection status": "Active",
        }
    ],
    "networks": [],
}
DEMO_COLLECTIONS: Final[Mapping[str, tuple[str, Mapping[str, object]]]] = {"eu-rome": (_COLLECTION, _ROME)}
"""Per demo node id, its (one) dataset's collection id and the MIABIS document holding it."""


def write_miabis(node_id: str, folder: Path) -> dict[str, str]:
    """Write ``node_id``'s MIABIS file into ``folder``; the dataset settings that name it (none
    when the node has no collection)."""
    if node_id not in DEMO_COLLECTIONS:
        return {}
    collection, doc = DEMO_COLLECTIONS[node_id]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MIABIS_FILE).write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return {"miabis": MIABIS_FILE, "miabis_collection": collection}
