"""The pure framework builders: valid documents from the registry, and the network union of terms."""

from __future__ import annotations

import pytest

from pmbridge.beacon import (
    ENTRY_TYPES,
    BeaconDescription,
    FilteringTerm,
    TermPage,
    TermType,
    configuration_response,
    entry_types_response,
    filtering_terms_response,
    info_response,
    map_response,
    merge_filtering_terms,
    resources_for,
    service_info,
    term_page_from_body,
)
from pmbridge.errors import QueryError
from pmbridge.model import AccessLevel, Granularity
from tests.beacon.walker import (
    CONFIGURATION,
    ENTRY_TYPES_RESPONSE,
    FILTERING_TERMS,
    INFO,
    MAP,
    SERVICE_INFO,
)
from tests.beacon_schemas import errors

BEACON = BeaconDescription("org.example.b", "B", "A beacon.", "example", "Example", "1.0")


def test_every_builder_makes_a_valid_document() -> None:
    levels = [AccessLevel.PUBLIC, AccessLevel.REGISTERED]
    terms = [FilteringTerm(TermType.ONTOLOGY, "HP:0001250", "Seizure", "癫痫发作")]
    docs = [
        (info_response(BEACON), INFO),
        (service_info(BEACON, base_url="http://b:9/"), SERVICE_INFO),
        (map_response(beacon_id="b", base_url="http://b:9"), MAP),
        (
            configuration_response(
                beacon_id="b", default_granularity=Granularity.RECORD, security_levels=levels
            ),
            CONFIGURATION,
        ),
        (entry_types_response(beacon_id="b"), ENTRY_TYPES_RESPONSE),
        (
            filtering_terms_response(
                beacon_id="b", terms=terms, resources=resources_for(terms), page=TermPage()
            ),
            FILTERING_TERMS,
        ),
    ]
    for doc, schema in docs:
        assert errors(doc, schema) == [], schema


def test_the_map_has_one_endpoint_set_per_entry_type_and_one_lookup_per_registered_lookup() -> None:
    sets = map_response(beacon_id="b", base_url="http://b")["response"]["endpointSets"]
    assert len(sets) == len(ENTRY_TYPES)
    for entry in ENTRY_TYPES:
        endpoint = sets[f"{entry.id}Endpoints"]
        assert endpoint["singleEntryUrl"] == f"http://b/api/{entry.path}/{{id}}"
        urls = sorted(e["url"] for e in endpoint["endpoints"].values())
        assert urls == sorted(f"http://b/api/{entry.path}/{{id}}/{lookup}" for lookup in entry.lookups)


def term(term_id: str, zh: str, *, fallback: bool = False, scopes: tuple[str, ...] = ("individual",)) -> dict:  # type: ignore[type-arg]
    return FilteringTerm(
        TermType.ONTOLOGY, term_id, "Seizure", zh, zh_fallback=fallback, scopes=scopes
    ).to_json()


def reply(*terms: dict, hpo: str = "2025-01-16") -> dict:  # type: ignore[type-arg]
    return {
        "response": {
            "filteringTerms": list(terms),
            "resources": [{"id": "hp", "nameSpacePrefix": "HP", "version": hpo}],
        }
    }


def test_the_union_prefers_a_real_chinese_label_and_unites_scopes() -> None:
    merged, resources = merge_filtering_terms(
        [
            reply(term("HP:0001250", "Seizure", fallback=True)),
            reply(term("HP:0001250", "癫痫发作", scopes=("biosample",)), hpo="2024-08-13"),
            {"response": {"filteringTerms": [{"id": "broken"}, "junk", {"type": "ontology"}]}},
            {"error": {"errorCode": 500}},
        ]
    )
    assert [t.id for t in merged] == ["HP:0001250"]
    assert merged[0].label_zh == "癫痫发作" and not merged[0].zh_fallback
    assert merged[0].scopes == ("biosample", "individual")
    assert [(r.id, r.version) for r in resources] == [("hp", "2024-08-13, 2025-01-16")]


def test_a_term_without_a_chinese_label_is_marked_as_a_fallback_when_read_back() -> None:
    parsed = FilteringTerm.from_json({"type": "custom", "id": "gene:FBN1", "label": "FBN1"})
    assert parsed is not None and parsed.zh_fallback and parsed.label_zh == "FBN1"


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"query": 1},
        {"query": {"pagination": []}},
        {"query": {"pagination": {"skip": -1}}},
        {"query": {"pagination": {"limit": 1.5}}},
    ],
)
def test_bad_paging_is_a_query_error(body: object) -> None:
    with pytest.raises(QueryError):
        term_page_from_body(body)


def test_paging_slices_and_zero_means_all() -> None:
    terms = [FilteringTerm(TermType.CUSTOM, f"gene:G{i}", f"G{i}", f"G{i}") for i in range(5)]
    assert TermPage(skip=1, limit=2).of(terms) == terms[1:3]
    assert TermPage(skip=2).of(terms) == terms[2:]
    assert term_page_from_body({"meta": {}, "query": {"pagination": {"skip": 1, "limit": 2}}}) == TermPage(
        1, 2
    )
