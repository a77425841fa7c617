"""Every entry type at a node: records valid against the default model, lookups, paging, caps, result sets."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from pmbridge.beacon import ENTRY_TYPES
from pmbridge.node import create_node_app, open_node, parse_node_config
from tests.beacon.walker import BOOLEAN, COLLECTIONS, COUNT, RESULTSETS, walk
from tests.beacon_schemas import errors
from tests.node import records_node
from tests.node.records_node import ARACHNODACTYLY, SNV_ID
from tests.trust import as_hub, trusted

pytestmark = pytest.mark.anyio

MODEL = "models/json/beacon-v2-default-model/"
RECORD_SCHEMAS = {e.path: e.schema_file for e in ENTRY_TYPES}


def query(
    granularity: str = "record", *, datasets: list[str] | None = None, **extra: object
) -> dict[str, object]:
    q: dict[str, object] = {"requestedGranularity": granularity, **extra}
    if datasets:
        q["requestParameters"] = {"datasets": {"datasetIds": datasets}}
    return {"meta": {"apiVersion": "v2.0.1"}, "query": q}


def results(doc: dict) -> dict[str, list[dict]]:  # type: ignore[type-arg]
    return {s["id"]: s["results"] for s in doc["response"]["resultSets"]}


def ids(records: list[dict]) -> list[str]:  # type: ignore[type-arg]
    return [r.get("id", r.get("variantInternalId")) for r in records]


async def post(client: httpx.AsyncClient, path: str, payload: object) -> dict:  # type: ignore[type-arg]
    reply = await client.post(path, json=payload)
    assert reply.status_code == 200, reply.text
    return reply.json()  # type: ignore[no-any-return]


def valid(doc: dict, returns: str) -> None:  # type: ignore[type-arg]
    """The reply validates as its granularity says, and each record against its entry's schema."""
    granularity = doc["meta"]["returnedGranularity"]
    schema = {"boolean": BOOLEAN, "count": COUNT}.get(granularity)
    if schema is None:
        schema = COLLECTIONS if "collections" in doc["response"] else RESULTSETS
    assert errors(doc, schema) == []
    response = doc.get("response", {})  # a boolean reply over result sets has none
    records = [r for s in response.get("resultSets", []) for r in s["results"]]
    records += response.get("collections", [])
    for record in records:
        assert errors(record, RECORD_SCHEMAS[returns]) == [], record


ENDPOINTS = [
    ("/api/individuals", "individuals", ["r1", "r2", "r3", "r4"]),
    ("/api/individuals/r2", "individuals", ["r2"]),
    ("/api/individuals/r2/biosamples", "biosamples", ["bs2", "bs3"]),
    ("/api/individuals/r2/g_variants", "g_variants", [SNV_ID, "GRCh38:chr2:166000000:AT:A"]),
    ("/api/biosamples", "biosamples", ["bs1", "bs2", "bs3"]),
    ("/api/biosamples/bs1", "biosamples", ["bs1"]),
    ("/api/biosamples/bs1/g_variants", "g_variants", [SNV_ID]),
    ("/api/g_variants", "g_variants", [SNV_ID, "GRCh38:chr15:48700000:C:T", "GRCh38:chr2:166000000:AT:A"]),
    (f"/api/g_variants/{SNV_ID}", "g_variants", [SNV_ID]),
    (f"/api/g_variants/{SNV_ID}/individuals", "individuals", ["r1", "r2"]),
    (f"/api/g_variants/{SNV_ID}/biosamples", "biosamples", ["bs1", "bs2", "bs3"]),
    ("/api/datasets/ds-rec", "datasets", ["ds-rec"]),
    ("/api/datasets/ds-rec/individuals", "individuals", ["r1", "r2", "r3", "r4"]),
    ("/api/datasets/ds-rec/biosamples", "biosamples", ["bs1", "bs2", "bs3"]),
    (
        "/api/datasets/ds-rec/g_variants",
        "g_variants",
        [SNV_ID, "GRCh38:chr15:48700000:C:T", "GRCh38:chr2:166000000:AT:A"],
    ),
    ("/api/cohorts/ds-rec", "cohorts", ["ds-rec"]),
    ("/api/cohorts/ds-rec/individuals", "individuals", ["r1", "r2", "r3", "r4"]),
]


@pytest.mark.parametrize(("path", "returns", "expected"), ENDPOINTS)
async def test_every_endpoint_returns_valid_records_of_its_entry_type(
    records_client: httpx.AsyncClient, path: str, returns: str, expected: list[str]
) -> None:
    doc = await post(records_client, path, query(datasets=["ds-rec"]))
    assert doc["meta"]["returnedGranularity"] == "record"
    assert doc["meta"]["returnedSchemas"][0]["entityType"] == {e.path: e.id for e in ENTRY_TYPES}[returns]
    valid(doc, returns)
    assert ids(results(doc)["ds-rec"]) == expected
    assert doc["responseSummary"] == {"exists": True, "numTotalResults": len(expected)}
    for granularity in ("boolean", "count"):
        capped = (await records_client.get(path, params={"requestedGranularity": granularity})).json()
        valid(capped, returns)
        assert capped["meta"]["returnedGranularity"] == granularity
        assert capped["responseSummary"]["exists"] is True


async def test_an_individual_record_carries_labels_onsets_and_what_was_ruled_out(
    records_client: httpx.AsyncClient,
) -> None:
    doc = await post(records_client, "/api/individuals/r1", query(datasets=["ds-rec"]))
    (record,) = results(doc)["ds-rec"]
    assert record["sex"] == {"id": "NCIT:C16576", "label": "female"}
    assert record["phenotypicFeatures"] == [
        {
            "featureType": {"id": ARACHNODACTYLY, "label": "Arachnodactyly"},
            "excluded": False,
            "onset": {"id": "HP:0003577", "label": "Congenital onset"},
        },
        {"featureType": {"id": "HP:0001250", "label": "Seizure"}, "excluded": True},
    ]
    assert record["diseases"] == [{"diseaseCode": {"id": "OMIM:154700", "label": "Marfan syndrome"}}]
    assert record["geographicOrigin"] == {"id": "ISO3166:IT", "label": "IT"}
    assert record["info"] == {"ageAtLastEncounter": {"iso8601duration": "P34Y6M"}}
    r2 = results(await post(records_client, "/api/individuals/r2", query(datasets=["ds-rec"])))["ds-rec"][0]
    assert r2["phenotypicFeatures"][0]["onset"] == {"iso8601duration": "P2Y"}


async def test_a_variant_record_merges_spellings_and_places_the_vcf_position_in_interbase_coordinates(
    records_client: httpx.AsyncClient,
) -> None:
    doc = await post(records_client, f"/api/g_variants/{SNV_ID}", query(datasets=["ds-rec"]))
    (record,) = results(doc)["ds-rec"]
    location = record["variation"]["location"]
    assert location["sequence_id"] == "refseq:NC_000015.10"
    assert (location["interval"]["start"]["value"], location["interval"]["end"]["value"]) == (
        48600216,
        48600217,
    )
    assert [(c["individualId"], c["zygosity"]["label"]) for c in record["caseLevelData"]] == [
        ("r1", "heterozygous"),
        ("r2", "homozygous"),
    ]
    assert record["identifiers"]["proteinHGVSIds"] == ["NP_000129.3:p.(Arg529Ter)"]
    assert record["molecularAttributes"] == {"geneIds": ["FBN1"]}
    from_sample = await post(records_client, "/api/biosamples/bs1/g_variants", query(datasets=["ds-rec"]))
    assert [c["biosampleId"] for c in results(from_sample)["ds-rec"][0]["caseLevelData"]] == ["bs1"]


async def test_a_biosample_record_says_what_it_is_and_whose(records_client: httpx.AsyncClient) -> None:
    (record,) = results(await post(records_client, "/api/biosamples/bs1", query(datasets=["ds-rec"])))[
        "ds-rec"
    ]
    assert record == {
        "id": "bs1",
        "individualId": "r1",
        "biosampleStatus": {"id": "EFO:0009654", "label": "reference sample"},
        "sampleOriginType": {"id": "OBI:0001479", "label": "specimen from organism"},
        "sampleOriginDetail": {"id": "UBERON:0000178"},
        "collectionDate": "2021-03-04",
        "info": {"materialType": "NCIT:C12434"},
    }


async def test_collections_list_datasets_and_cohorts_with_data_use_and_size(
    records_client: httpx.AsyncClient,
) -> None:
    datasets = await post(records_client, "/api/datasets", query(datasets=["ds-rec"]))
    valid(datasets, "datasets")
    assert datasets["response"]["collections"] == [
        {
            "id": "ds-rec",
            "name": "Records",
            "description": "Released as records to everyone",
            "dataUseConditions": {
                "duoDataUse": [
                    {"id": "DUO:0000042", "label": "general research use", "version": "2021-02-23"},
                    {"id": "DUO:0000019", "version": "2021-02-23"},
                ]
            },
        }
    ]
    cohorts = await post(records_client, "/api/cohorts", query(datasets=["ds-rec"]))
    valid(cohorts, "cohorts")
    (cohort,) = cohorts["response"]["collections"]
    assert (cohort["cohortType"], cohort["cohortSize"]) == ("beacon-defined", 4)
    assert [t["id"] for t in cohort["cohortDataTypes"]] == ["OGMS:0000015", "OBI:0000070"]
    # Filters choose the collections holding a matching individual.
    tall = await post(records_client, "/api/datasets", query("count", filters=[{"id": "HP:0000098"}]))
    assert tall["responseSummary"] == {"exists": True, "numTotalResults": 1}


async def test_a_reply_over_a_dataset_that_only_counts_is_capped_for_every_entry_type(
    records_client: httpx.AsyncClient,
) -> None:
    for path in ("/api/individuals", "/api/biosamples", "/api/g_variants", "/api/cohorts"):
        doc = await post(records_client, path, query())
        valid(doc, path.rsplit("/", 1)[-1])
        assert doc["meta"]["returnedGranularity"] == "count", path
        assert all(s["results"] == [] for s in doc["response"].get("resultSets", []))
        assert doc["response"].get("collections", []) == []


async def test_unknown_ids_give_an_empty_answer_not_an_error(records_client: httpx.AsyncClient) -> None:
    for path in (
        "/api/individuals/nobody",
        "/api/individuals/nobody/g_variants",
        "/api/biosamples/none",
        "/api/g_variants/GRCh38:chr1:1:A:T",
        "/api/g_variants/not-a-variant-id/individuals",
        "/api/datasets/nope",
        "/api/cohorts/nope/individuals",
    ):
        doc = await post(records_client, path, query("count", datasets=["ds-rec"]))
        assert errors(doc, RESULTSETS) == [], path
        assert doc["responseSummary"]["exists"] is False, path


async def test_records_are_paged_per_result_set_and_the_count_is_the_total(
    records_client: httpx.AsyncClient,
) -> None:
    pages = []
    for skip in range(3):
        page = query(datasets=["ds-rec"], pagination={"skip": skip * 2, "limit": 2})
        doc = await post(records_client, "/api/individuals", page)
        assert doc["responseSummary"]["numTotalResults"] == 4
        assert doc["meta"]["receivedRequestSummary"]["pagination"] == {"skip": skip * 2, "limit": 2}
        pages.append(ids(results(doc).get("ds-rec", [])))
    assert pages == [["r1", "r2"], ["r3", "r4"], []]
    got = await records_client.get(
        "/api/g_variants",
        params={"requestedGranularity": "record", "datasets": "ds-rec", "skip": "1", "limit": "1"},
    )
    assert ids(results(got.json())["ds-rec"]) == ["GRCh38:chr15:48700000:C:T"]


@pytest.mark.parametrize(
    ("mode", "shown"),
    [("HIT", ["ds-rec"]), ("MISS", ["ds-count"]), ("ALL", ["ds-count", "ds-rec"]), ("NONE", [])],
)
async def test_include_resultset_responses_picks_the_sets_but_not_the_total(
    records_client: httpx.AsyncClient, mode: str, shown: list[str]
) -> None:
    tall = [{"id": "HP:0000098"}]
    doc = await post(
        records_client, "/api/individuals", query("count", filters=tall, includeResultsetResponses=mode)
    )
    assert errors(doc, RESULTSETS) == []
    assert [s["id"] for s in doc["response"]["resultSets"]] == shown
    assert doc["responseSummary"] == {"exists": True, "numTotalResults": 1}


@pytest.fixture
async def open_client(records_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The records node with both datasets releasing records, as a public demo beacon would."""
    config = copy.deepcopy(records_node.CONFIG)
    for dataset in config["datasets"]:  # type: ignore[attr-defined]
        dataset["release"] = {"public": "record"}
    context = open_node(parse_node_config(trusted(config, records_dir), base=records_dir, where="test"))
    app = create_node_app(context)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://node", auth=as_hub("eu-rec")) as c:
        yield c
    context.close()


async def test_a_verifier_walk_of_every_mapped_endpoint_finds_nothing_wrong(
    open_client: httpx.AsyncClient,
) -> None:
    seen = await walk(open_client, "http://node")
    assert seen.problems == [], seen.report()
    assert set(seen.records) == {e.id for e in ENTRY_TYPES}
