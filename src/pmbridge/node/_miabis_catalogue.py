"""A dataset's MIABIS Core 3.0 collection, read once at node start and shown by ``/api/catalogue``
(and, as Beacon fields, by ``/datasets`` and ``/cohorts``: :mod:`pmbridge.node._miabis_beacon`).

Collection-level metadata (no data about people), so as public as the rest of the catalogue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pmbridge.errors import ConfigError, IngestError
from pmbridge.ingest import Biobank, Collection, read_miabis
from pmbridge.node._settings import DatasetSettings

__all__ = ["DescribedCollection", "load_miabis_descriptions", "miabis_description"]


@dataclass(frozen=True, slots=True)
class DescribedCollection:
    """The MIABIS collection a dataset is, with the biobank that hosts it."""

    collection: Collection
    biobank: Biobank


def load_miabis_descriptions(
    datasets: Sequence[DatasetSettings], *, base: Path, where: str
) -> dict[str, DescribedCollection]:
    """Per dataset id that names a MIABIS file, its collection and biobank.

    Every problem of every file is one :class:`ConfigError`, naming each file.
    """
    described: dict[str, DescribedCollection] = {}
    problems: list[str] = []
    for ds in datasets:
        if ds.miabis is None and ds.miabis_collection is None:
            continue
        if ds.miabis is None or ds.miabis_collection is None:
            given, missing = ("miabis", "miabis_collection") if ds.miabis else ("miabis_collection", "miabis")
            problems.append(f"[[datasets]] {ds.id!r}: {given} is set but {missing} is not; set both")
            continue
        path = base / ds.miabis
        try:
            doc = read_miabis(path)
        except IngestError as exc:
            problems.append(f"[[datasets]] {ds.id!r}: {exc.message}")
            continue
        collection = doc.collection(ds.miabis_collection)
        if collection is None:
            known = ", ".join(repr(c.id) for c in doc.collections) or "none"
            problems.append(
                f"[[datasets]] {ds.id!r}: {path} has no collection {ds.miabis_collection!r} (it has {known})"
            )
            continue
        biobank = doc.biobank(collection.biobank)
        if biobank is not None:  # read_miabis refuses a dangling biobank id
            described[ds.id] = DescribedCollection(collection, biobank)
    if problems:
        raise ConfigError(
            f"{where}: MIABIS metadata has problems:\n" + "\n".join(f"  {p}" for p in problems),
            hint="fix every problem listed; see docs/configuration.md#miabis-core-30",
        )
    return described


def miabis_description(described: DescribedCollection) -> dict[str, object]:
    """What the catalogue shows of a collection: the standard's values, unchanged."""
    collection, biobank = described.collection, described.biobank
    return {
        "collection": collection.id,
        "name": collection.name,
        "description": collection.description,
        "sampleTypes": list(collection.sample_types),
        "storageTemperatures": list(collection.storage_temperatures),
        "ageRange": {
            "low": collection.age_low,
            "lowUnit": collection.age_low_unit,
            "high": collection.age_high,
            "highUnit": collection.age_high_unit,
        },
        "sex": list(collection.sex),
        "diseases": [
            {
                "ontology": d.ontology_version or d.ontology,
                "code": d.code,
                "label": d.description or d.free_text,
            }
            for d in collection.diseases
        ],
        "dataCategories": list(collection.dataset_types),
        "collectionTypes": list(collection.collection_designs),
        "accessConditions": list(collection.use_and_access_conditions),
        "biobank": {"id": biobank.id, "name": biobank.name, "country": biobank.country},
    }
