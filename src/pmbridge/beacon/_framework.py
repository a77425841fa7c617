"""Beacon v2 framework documents: info, service-info, map, configuration and entry types.

Pure builders shared by nodes and the hub; the entry-type registry drives map, configuration and
entry types, so the three always agree with the routes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pmbridge.beacon._entry_types import BY_PATH, ENTRY_TYPES, EntryType
from pmbridge.beacon._request import API_VERSION
from pmbridge.model import AccessLevel, Granularity

UPSTREAM = "https://raw.githubusercontent.com/ga4gh-beacon/beacon-v2/main/"
"""Where the official schemas live; references point there, and tests map them to ../shared/spec."""

MAP_SCHEMA = UPSTREAM + "framework/json/configuration/beaconMapSchema.json"
CONFIGURATION_SCHEMA = UPSTREAM + "framework/json/configuration/beaconConfigurationSchema.json"
SPECIFICATION = "Beacon v2.0.0"
SCHEMA_VERSION = "v2.0.0"

FILTERING_TERMS_PATHS: Mapping[str, str] = {
    "individuals": "individuals/filtering_terms",
    "datasets": "datasets/{id}/filtering_terms",
    "cohorts": "cohorts/{id}/filtering_terms",
}
"""Per-entry filtering-terms endpoints, exactly as the default model's endpoints.json files define them."""

ONTOLOGY_TERM_FOR_TYPE: Mapping[str, tuple[str, str]] = {
    "individual": ("NCIT:C25190", "Person"),
    "biosample": ("NCIT:C70699", "Biospecimen"),
    "genomicVariant": ("ENSGLOSSARY:0000092", "Variant"),
    "dataset": ("NCIT:C47824", "Data set"),
    "cohort": ("NCIT:C61512", "Cohort"),
}
"""The ontology term of each entry type, as in the default model's beaconConfiguration.json."""


@dataclass(frozen=True, slots=True)
class BeaconDescription:
    """Who a Beacon (a node or the network) is, for ``/info`` and ``/service-info``."""

    id: str  # reverse-domain Beacon id, e.g. "org.pmbridge.node.eu-rome"
    name: str
    description: str
    organization_id: str
    organization_name: str
    version: str  # the software's version (the API version is API_VERSION)
    environment: str = "dev"  # one of prod, test, dev, staging
    info: Mapping[str, object] = field(default_factory=dict)


def informational_meta(beacon_id: str) -> dict[str, object]:
    """The ``meta`` of informational responses (info, map, configuration, entry types, terms).

    >>> informational_meta("org.example")["returnedSchemas"]
    []
    """
    return {"beaconId": beacon_id, "apiVersion": API_VERSION, "returnedSchemas": []}


def info_response(beacon: BeaconDescription) -> dict[str, object]:
    """``/api`` and ``/api/info`` (beaconInfoResponse)."""
    return {
        "meta": informational_meta(beacon.id),
        "response": {
            "id": beacon.id,
            "name": beacon.name,
            "apiVersion": API_VERSION,
            "environment": beacon.environment,
            "description": beacon.description,
            "organization": {"id": beacon.organization_id, "name": beacon.organization_name},
            "info": dict(beacon.info),
        },
    }


def service_info(beacon: BeaconDescription, *, base_url: str) -> dict[str, object]:
    """``/api/service-info`` (GA4GH service-info 1.0.0); the organization's URL is the service's own."""
    return {
        "id": beacon.id,
        "name": beacon.name,
        "type": {"group": "org.ga4gh", "artifact": "beacon", "version": API_VERSION},
        "description": beacon.description,
        "organization": {"name": beacon.organization_name, "url": _api(base_url)},
        "version": beacon.version,
        "environment": beacon.environment,
    }


def map_response(
    *, beacon_id: str, base_url: str, entry_types: Sequence[EntryType] = ENTRY_TYPES
) -> dict[str, object]:
    """``/api/map`` (beaconMapResponse): every entry endpoint, with absolute URLs under ``base_url``.

    >>> doc = map_response(beacon_id="b", base_url="http://h:1/")
    >>> sets = doc["response"]["endpointSets"]
    >>> sets["individualEndpoints"]["endpoints"]["genomicVariantLookup"]["url"]
    'http://h:1/api/individuals/{id}/g_variants'
    >>> sets["datasetEndpoints"]["filteringTermsUrl"]
    'http://h:1/api/datasets/{id}/filtering_terms'
    """
    api = _api(base_url)
    sets: dict[str, object] = {}
    for entry in entry_types:
        endpoint: dict[str, object] = {
            "entryType": entry.id,
            "rootUrl": f"{api}/{entry.path}",
            "singleEntryUrl": f"{api}/{entry.path}/{{id}}",
            "openAPIEndpointsDefinition": UPSTREAM + entry.schema_file.rsplit("/", 1)[0] + "/endpoints.json",
            "endpoints": {
                f"{BY_PATH[lookup].id}Lookup": {
                    "returnedEntryType": BY_PATH[lookup].id,
                    "url": f"{api}/{entry.path}/{{id}}/{lookup}",
                }
                for lookup in entry.lookups
            },
        }
        if entry.path in FILTERING_TERMS_PATHS:
            endpoint["filteringTermsUrl"] = f"{api}/{FILTERING_TERMS_PATHS[entry.path]}"
        sets[f"{entry.id}Endpoints"] = endpoint
    return {
        "meta": informational_meta(beacon_id),
        "response": {"$schema": MAP_SCHEMA, "endpointSets": sets},
    }


def entry_type_definition(entry: EntryType) -> dict[str, object]:
    """One entry type as ``/api/entry_types`` and ``/api/configuration`` describe it.

    >>> entry_type_definition(BY_PATH["cohorts"])["aCollectionOf"]
    [{'id': 'individual', 'name': 'Individual'}]
    """
    term_id, term_label = ONTOLOGY_TERM_FOR_TYPE.get(entry.id, (f"PMBRIDGE:{entry.id}", entry.name))
    definition: dict[str, object] = {
        "id": entry.id,
        "name": entry.name,
        "description": entry.description,
        "partOfSpecification": SPECIFICATION,
        "defaultSchema": {
            "id": entry.schema_id,
            "name": f"Default schema for {entry.name.lower()}",
            "referenceToSchemaDefinition": UPSTREAM + entry.schema_file,
            "schemaVersion": SCHEMA_VERSION,
        },
        "additionallySupportedSchemas": [],
        "ontologyTermForThisType": {"id": term_id, "label": term_label},
        "nonFilteredQueriesAllowed": True,
    }
    if entry.collection:
        definition["aCollectionOf"] = [
            {"id": BY_PATH[path].id, "name": BY_PATH[path].name} for path in entry.lookups
        ]
    return definition


def entry_types_response(
    *, beacon_id: str, entry_types: Sequence[EntryType] = ENTRY_TYPES
) -> dict[str, object]:
    """``/api/entry_types`` (beaconEntryTypesResponse)."""
    return {
        "meta": informational_meta(beacon_id),
        "response": {"entryTypes": {entry.id: entry_type_definition(entry) for entry in entry_types}},
    }


def configuration_response(
    *,
    beacon_id: str,
    default_granularity: Granularity,
    security_levels: Sequence[AccessLevel],
    production_status: str = "DEV",
    entry_types: Sequence[EntryType] = ENTRY_TYPES,
) -> dict[str, object]:
    """``/api/configuration`` (beaconConfigurationResponse).

    ``default_granularity`` is what an anonymous request over every dataset gets back, so a
    client learns up front how much it will see.

    >>> doc = configuration_response(
    ...     beacon_id="b", default_granularity=Granularity.COUNT, security_levels=[AccessLevel.PUBLIC]
    ... )
    >>> doc["response"]["securityAttributes"]
    {'defaultGranularity': 'count', 'securityLevels': ['PUBLIC']}
    """
    return {
        "meta": informational_meta(beacon_id),
        "response": {
            "$schema": CONFIGURATION_SCHEMA,
            "maturityAttributes": {"productionStatus": production_status},
            "securityAttributes": {
                "defaultGranularity": default_granularity.value,
                "securityLevels": [level.value.upper() for level in security_levels],
            },
            "entryTypes": {entry.id: entry_type_definition(entry) for entry in entry_types},
        },
    }


def _api(base_url: str) -> str:
    return base_url.rstrip("/") + "/api"
