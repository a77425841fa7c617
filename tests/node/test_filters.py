"""Filters at a node: ontology terms with descendants and similarity, alphanumeric, custom, and skipped."""

from __future__ import annotations

import httpx
import pytest

from tests.beacon_schemas import RESULTSETS, errors
from tests.node.records_node import ARACHNODACTYLY, LONG_FINGERS, SEIZURE

pytestmark = pytest.mark.anyio


async def ask(client: httpx.AsyncClient, *filters: dict[str, object]) -> tuple[list[str], dict]:  # type: ignore[type-arg]
    """Ids of the individuals in ds-rec that match ``filters``, and the reply's info."""
    body = {
        "meta": {"apiVersion": "v2.0.1"},
        "query": {
            "filters": list(filters),
            "requestedGranularity": "record",
            "requestParameters": {"datasets": ["ds-rec"]},
            "includeResultsetResponses": "ALL",
        },
    }
    reply = await client.post("/api/individuals", json=body)
    assert reply.status_code == 200, reply.text
    doc = reply.json()
    assert errors(doc, RESULTSETS) == []
    return [r["id"] for r in doc["response"]["resultSets"][0]["results"]], doc["info"]


async def test_an_excluded_phenotype_does_not_match(records_client: httpx.AsyncClient) -> None:
    found, _ = await ask(records_client, {"id": SEIZURE})
    assert found == ["r2"]  # r1 had seizures ruled out; r2 has a tonic-clonic seizure, a descendant
    found, _ = await ask(records_client, {"id": SEIZURE, "includeDescendantTerms": False})
    assert found == []


async def test_similarity_widens_a_term_to_those_sharing_most_of_its_information_and_says_how(
    records_client: httpx.AsyncClient,
) -> None:
    found, info = await ask(records_client, {"id": ARACHNODACTYLY})
    assert found == ["r1"]
    assert "filterNotes" not in info
    found, info = await ask(records_client, {"id": ARACHNODACTYLY, "similarity": "high"})
    assert found == ["r1", "r3"]  # r3 has Long fingers, a parent of Arachnodactyly
    assert LONG_FINGERS in info["filterNotes"][0] and "similarity high" in info["filterNotes"][0]
    found, _ = await ask(records_client, {"id": ARACHNODACTYLY, "similarity": "exact"})
    assert found == ["r1"]
    found, _ = await ask(records_client, {"id": LONG_FINGERS, "similarity": "low"})
    assert found == ["r1", "r3"]


async def test_similarity_on_a_disease_is_matched_exactly_and_noted(
    records_client: httpx.AsyncClient,
) -> None:
    found, info = await ask(records_client, {"id": "OMIM:154700", "similarity": "medium"})
    assert found == ["r1"]
    assert "matched exactly" in info["filterNotes"][0]


async def test_alphanumeric_and_custom_filters_combine_with_and(records_client: httpx.AsyncClient) -> None:
    assert (await ask(records_client, {"id": "age", "operator": "<", "value": "10"}))[0] == ["r2"]
    assert (await ask(records_client, {"id": "age", "operator": ">=", "value": "15"}))[0] == [
        "r1",
        "r3",
        "r4",
    ]
    assert (await ask(records_client, {"id": "sex", "operator": "!", "value": "MALE"}))[0] == ["r1", "r3"]
    assert (await ask(records_client, {"id": "geneId", "operator": "=", "value": "FBN1"}))[0] == [
        "r1",
        "r2",
        "r3",
    ]
    assert (await ask(records_client, {"id": "gene:SCN1A"}))[0] == ["r2"]
    both = await ask(
        records_client,
        {"id": "gene:FBN1"},
        {"id": "NCIT:C16576"},
        {"id": "age", "operator": ">", "value": "40"},
    )
    assert both[0] == ["r3"]


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({"id": "XYZ:1"}, "not supported"),
        ({"id": "HGNC:3603"}, "gene symbols"),
        ({"id": "shoeSize", "operator": ">", "value": "40"}, "alphanumeric filter on 'shoeSize'"),
        ({"id": ARACHNODACTYLY, "scope": "runs"}, "scope 'runs'"),
    ],
)
async def test_a_filter_that_cannot_be_applied_is_reported_and_left_out(
    records_client: httpx.AsyncClient, item: dict[str, object], reason: str
) -> None:
    found, info = await ask(records_client, item, {"id": "age", "operator": "<", "value": "10"})
    assert found == ["r2"]  # as if only the age filter had been sent
    (skipped,) = info["unsupportedFilters"]
    assert skipped["id"] == item["id"] and reason in skipped["reason"]
    assert any("computed without it" in w for w in info["warnings"])
