"""The Beacon v2 entry types PM Bridge serves, their endpoints and the cross-entry lookups.

One registry drives the routes, ``/api/map``, ``/api/entry_types`` and ``/api/configuration`` at
nodes and the hub, so a new entry type is declared here once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

MODEL = "models/json/beacon-v2-default-model"


@dataclass(frozen=True, slots=True)
class EntryType:
    """One entry type: its Beacon id, URL path segment and default-model schema."""

    id: str  # "individual"
    path: str  # "individuals"
    name: str
    description: str
    schema_id: str  # "ga4gh-beacon-individual-v2.0.0"
    schema_file: str  # path under shared/spec/beacon-v2
    collection: bool = False  # datasets and cohorts are collections
    lookups: tuple[str, ...] = ()  # paths of the entry types reachable from one entry: /{path}/{id}/{lookup}


INDIVIDUAL = EntryType(
    "individual",
    "individuals",
    "Individual",
    "A person whose phenotypes, diseases, variants and samples a node holds.",
    "ga4gh-beacon-individual-v2.0.0",
    f"{MODEL}/individuals/defaultSchema.json",
    lookups=("biosamples", "g_variants"),
)
BIOSAMPLE = EntryType(
    "biosample",
    "biosamples",
    "Biosample",
    "A sample taken from an individual.",
    "ga4gh-beacon-biosample-v2.0.0",
    f"{MODEL}/biosamples/defaultSchema.json",
    lookups=("g_variants",),
)
GENOMIC_VARIATION = EntryType(
    "genomicVariant",  # the default model's entry-type id (its schema folder says genomicVariations)
    "g_variants",
    "Genomic variation",
    "A genomic variant, with the individuals who carry it (case-level data).",
    "ga4gh-beacon-variant-v2.0.0",
    f"{MODEL}/genomicVariations/defaultSchema.json",
    lookups=("biosamples", "individuals"),
)
DATASET = EntryType(
    "dataset",
    "datasets",
    "Dataset",
    "A collection of records with its data-use conditions.",
    "ga4gh-beacon-dataset-v2.0.0",
    f"{MODEL}/datasets/defaultSchema.json",
    collection=True,
    lookups=("biosamples", "g_variants", "individuals"),
)
COHORT = EntryType(
    "cohort",
    "cohorts",
    "Cohort",
    "A study cohort: here, the individuals of one dataset.",
    "ga4gh-beacon-cohort-v2.0.0",
    f"{MODEL}/cohorts/defaultSchema.json",
    collection=True,
    lookups=("individuals",),
)

ENTRY_TYPES: tuple[EntryType, ...] = (INDIVIDUAL, BIOSAMPLE, GENOMIC_VARIATION, DATASET, COHORT)
BY_PATH = {entry.path: entry for entry in ENTRY_TYPES}


def entry_type(path: str) -> EntryType:
    """The entry type served under ``/api/{path}``.

    >>> entry_type("g_variants").id
    'genomicVariant'
    """
    return BY_PATH[path]


def entry_endpoints() -> Iterator[tuple[str, EntryType, str | None]]:
    """Every entry endpoint as (route template, entry type, lookup path or None).

    >>> [template for template, _, _ in entry_endpoints()][:3]
    ['/api/individuals', '/api/individuals/{entry_id}', '/api/individuals/{entry_id}/biosamples']
    """
    for entry in ENTRY_TYPES:
        yield f"/api/{entry.path}", entry, None
        yield f"/api/{entry.path}/{{entry_id}}", entry, None
        for lookup in entry.lookups:
            yield f"/api/{entry.path}/{{entry_id}}/{lookup}", entry, lookup


def entry_operation_id(method: str, template: str) -> str:
    """The OpenAPI operation id of one method of an entry endpoint: unique across them all.

    >>> entry_operation_id("GET", "/api/individuals"), entry_operation_id("POST", "/api/individuals")
    ('get_individuals', 'post_individuals')
    >>> entry_operation_id("POST", "/api/individuals/{entry_id}/g_variants")
    'post_individuals_by_id_g_variants'
    """
    path = template.removeprefix("/api/").replace("{entry_id}", "by_id").replace("/", "_")
    return f"{method.lower()}_{path}"
