"""Beacon request parsing: bodies and query strings, request parameters, and what the hub forwards."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmbridge.beacon import INDIVIDUAL as INDIVIDUAL_ENTRY
from pmbridge.beacon import (
    MAX_INTEGER,
    BeaconRequest,
    RawFilter,
    ResultSet,
    VariantParams,
    interpret_filters,
    parse_body,
    parse_query_string,
    request_body,
    resultsets_response,
)
from pmbridge.errors import QueryError, UnknownTerm
from pmbridge.model import AgeFilter, Granularity, Operator, PhenotypeFilter
from pmbridge.similarity import hpo_similar_anchors
from pmbridge.vocab import Hpo, locate_data_dir
from tests.beacon.walker import COUNT, REQUEST, RESULTSETS
from tests.beacon_schemas import errors


def test_datasets_are_read_in_every_shape_the_spec_and_clients_use() -> None:
    for parameters in (
        {"datasets": "a"},
        {"datasets": ["a"]},
        {"datasets": {"datasetIds": ["a"]}},
        {"datasetIds": ["a"]},
    ):
        assert parse_body({"query": {"requestParameters": parameters}}).dataset_ids == ("a",)
    assert parse_query_string({"datasets": "a,b"}).dataset_ids == ("a", "b")
    with pytest.raises(QueryError, match="datasetIds"):
        parse_body({"query": {"requestParameters": {"datasets": 7}}})


def test_variant_parameters_may_be_flat_or_under_g_variant() -> None:
    flat = parse_body(
        {"query": {"requestParameters": {"referenceName": "15", "start": 5, "alternateBases": "a"}}}
    )
    nested = parse_body(
        {
            "query": {
                "requestParameters": {
                    "g_variant": {"referenceName": "15", "start": [5], "alternateBases": "A"}
                }
            }
        }
    )
    assert (
        flat.variant == nested.variant == VariantParams(reference_name="15", start=(5,), alternate_bases="A")
    )
    assert flat.variant.kind == "sequence"


def test_limit_zero_asks_for_as_many_as_the_beacon_allows() -> None:
    assert parse_body({"query": {"pagination": {"limit": 0}}}).limit == 1000
    assert parse_query_string({"limit": "5000"}).limit == 1000
    assert parse_query_string({"limit": "7", "skip": "2"}).skip == 2


def test_what_the_hub_forwards_is_a_valid_request_that_parses_back_to_the_same() -> None:
    request = parse_body(
        {
            "meta": {"apiVersion": "v2.0.1", "requestedSchemas": [{"schema": "beacon-individual-v2.0.0"}]},
            "query": {
                "filters": [
                    {"id": "HP:0001250", "similarity": "high"},
                    {"id": "age", "operator": ">", "value": "3"},
                ],
                "requestedGranularity": "record",
                "pagination": {"skip": 2, "limit": 5},
                "includeResultsetResponses": "ALL",
                "requestParameters": {
                    "referenceName": "chr15",
                    "start": [5, 9],
                    "end": [20, 30],
                    "datasets": ["a"],
                },
            },
        }
    )
    forwarded = request_body(request)
    assert errors(forwarded, REQUEST) == []
    again = parse_body(forwarded)
    assert again == request
    assert again.requested_schemas == ("beacon-individual-v2.0.0",)


def test_the_response_summary_echoes_request_parameters_in_the_schema_shape() -> None:
    request = parse_query_string({"referenceName": "15", "start": "5", "end": "9", "datasets": "a"})
    doc = resultsets_response(
        beacon_id="x",
        request=request,
        entry=INDIVIDUAL_ENTRY,
        granularity=Granularity.COUNT,
        sets=[ResultSet("a", 2)],
    )
    assert errors(doc, RESULTSETS) == [] and errors(doc, COUNT) == []
    assert doc["meta"]["receivedRequestSummary"]["requestParameters"] == {
        "g_variant": {"referenceName": "15", "start": [5], "end": [9]},
        "datasets": {"datasetIds": ["a"]},
    }


def test_filters_are_given_their_meaning_and_the_unusable_ones_set_aside() -> None:
    hpo = Hpo.load(locate_data_dir())
    raw = (
        RawFilter("HP:0001275"),  # an alternative id of Seizure
        RawFilter("age", ">=", "18"),
        RawFilter("HP:0001166", similarity="high"),
        RawFilter("LOINC:1234-5"),
    )
    meaning = interpret_filters(raw, canonical_hpo=hpo.canonical_id, similar=hpo_similar_anchors(hpo))
    assert meaning.filters == (PhenotypeFilter("HP:0001250"), AgeFilter(Operator.GE, 18.0))
    assert meaning.phenotype_groups == (("HP:0001238", "HP:0100807"),)  # Slender finger, Long fingers
    assert [s.id for s in meaning.skipped] == ["LOINC:1234-5"]
    with pytest.raises(UnknownTerm):
        interpret_filters(
            (RawFilter("HP:9999999"),), canonical_hpo=hpo.canonical_id, similar=hpo_similar_anchors(hpo)
        )


def test_a_default_request_is_a_count_of_ten() -> None:
    assert BeaconRequest().granularity is Granularity.COUNT
    assert parse_body(None) == BeaconRequest()


def bounded_requests(where: str, number: int) -> tuple[dict[str, object], dict[str, str]]:
    """A POST body and a GET query string that carry ``number`` as ``where``."""
    if where in ("skip", "limit"):
        return {"query": {"pagination": {where: number}}}, {where: str(number)}
    params: dict[str, object] = {
        "start": {"referenceName": "1", "start": [number], "alternateBases": "A"},
        "end": {"referenceName": "1", "start": [0], "end": [number]},
        "variantMinLength": {"variantMinLength": number},
    }[where]
    query = {k: ",".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in params.items()}
    return {"query": {"requestParameters": params}}, query


@given(
    number=st.one_of(
        st.integers(-(2**70), 2**70), st.sampled_from([0, 1, -1, MAX_INTEGER, MAX_INTEGER + 1, 10**30])
    ),
    where=st.sampled_from(["skip", "limit", "start", "end", "variantMinLength"]),
)
def test_every_integer_of_a_request_is_in_range_or_refused_naming_the_parameter(
    number: int, where: str
) -> None:
    """A number past what JSON carries exactly (2^53 - 1) would break the hub's forwarding (orjson
    refuses integers past 64 bits), so it is a 400 naming the parameter, never accepted."""
    body, query = bounded_requests(where, number)
    for parse, request in ((parse_body, body), (parse_query_string, query)):
        if 0 <= number <= MAX_INTEGER and not (where == "end" and number == 0):
            parse(request)  # type: ignore[operator]
        elif not 0 <= number <= MAX_INTEGER:
            with pytest.raises(QueryError, match=f"{where} must be an integer from 0 to {MAX_INTEGER}"):
                parse(request)  # type: ignore[operator]
