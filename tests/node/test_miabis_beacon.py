"""A dataset's MIABIS Core 3.0 collection in the node's Beacon ``/datasets`` and ``/cohorts`` records,
valid against the Beacon v2 default-model schemas; a dataset without one is left as it was."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from pmbridge.node import create_node_app, open_node, parse_node_config
from tests.ingest.test_miabis import VALID
from tests.node import records_node
from tests.node.test_entries import post, query, results, valid
from tests.trust import as_hub, trusted

pytestmark = pytest.mark.anyio

COLLECTION_ID = "bbmri-eric:ID:IT_ROME:collection:RD"
SUBJECTS = 73919  # the collection's own head count: never sent (cohortSize is the released count)
URL = "https://directory.bbmri-eric.eu/collection/bbmri-eric:ID:IT_ROME:collection:RD"


def collection_file(folder: Path) -> Path:
    doc = copy.deepcopy(VALID)
    collection = doc["collections"][0]
    collection["URL"] = URL
    collection["Sex"] = ["Female", "Male", "Undifferentiated"]
    collection["Collection design"] = ["Longitudinal cohort", "Rare disease collection"]
    collection["Total number of subjects"] = SUBJECTS
    collection["Disease"] = [
        {
            "Disease Ontology Version": "ICD-10",
            "Disease Ontology Code": "G40",
            "Disease Ontology Description": "Epilepsy",
        },
        {"Disease Free Text": "Dravet syndrome"},  # no code: no Beacon term, but kept in info.miabis
    ]
    path = folder / "rome.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


@pytest.fixture
async def client(records_dir: Path, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The records node (ds-rec releases records to anyone), with ds-rec naming its collection."""
    config = copy.deepcopy(records_node.CONFIG)
    config["datasets"][0] |= {"miabis": str(collection_file(tmp_path)), "miabis_collection": COLLECTION_ID}  # type: ignore[index]
    context = open_node(parse_node_config(trusted(config, records_dir), base=records_dir, where="test"))
    transport = httpx.ASGITransport(app=create_node_app(context))
    async with httpx.AsyncClient(transport=transport, base_url="http://node", auth=as_hub("eu-rec")) as c:
        yield c
    context.close()


async def test_a_dataset_record_carries_its_collection(client: httpx.AsyncClient) -> None:
    listed = await post(client, "/api/datasets", query(datasets=["ds-rec"]))
    valid(listed, "datasets")
    (record,) = listed["response"]["collections"]
    by_id = await post(client, "/api/datasets/ds-rec", query(datasets=["ds-rec"]))
    valid(by_id, "datasets")
    assert results(by_id)["ds-rec"] == [record]
    assert record["description"] == "Released as records to everyone"  # the node's own wins
    assert record["externalUrl"] == URL
    miabis = record["info"]["miabis"]
    assert miabis == (await client.get("/api/catalogue")).json()["datasets"][0]["miabis"]
    assert (miabis["sampleTypes"], miabis["storageTemperatures"]) == (
        ["DNA", "Serum"],
        ["-60 °C to -85 °C", "Liquid nitrogen vapor-phase"],
    )
    assert miabis["accessConditions"] == ["Genetic data use", "Collaboration"]
    assert miabis["biobank"] == {
        "id": "bbmri-eric:ID:IT_ROME",
        "name": "Rome Rare Disease Biobank",
        "country": "IT",
    }


async def test_a_cohort_record_is_the_study_defined_cohort_of_its_collection(
    client: httpx.AsyncClient,
) -> None:
    listed = await post(client, "/api/cohorts", query(datasets=["ds-rec"]))
    valid(listed, "cohorts")
    (record,) = listed["response"]["collections"]
    by_id = await post(client, "/api/cohorts/ds-rec", query(datasets=["ds-rec"]))
    valid(by_id, "cohorts")
    assert results(by_id)["ds-rec"] == [record]
    assert (record["cohortType"], record["cohortSize"]) == ("study-defined", 4)
    assert record["inclusionCriteria"] == {
        "ageRange": {"start": {"iso8601duration": "P0Y"}, "end": {"iso8601duration": "P17Y"}},
        "genders": [{"id": "NCIT:C16576", "label": "female"}, {"id": "NCIT:C20197", "label": "male"}],
        "diseaseConditions": [{"diseaseCode": {"id": "ICD10:G40", "label": "Epilepsy"}}],
    }
    assert record["cohortDesign"] == {"id": "OMIABIS:0001019", "label": "longitudinal study design"}
    assert set(record["info"]) == {"cohortSize", "miabis"}  # the released size's account is kept
    assert record["info"]["miabis"]["sex"] == ["Female", "Male", "Undifferentiated"]
    assert record["info"]["miabis"]["diseases"][1] == {
        "ontology": None,
        "code": None,
        "label": "Dravet syndrome",
    }


async def test_the_collections_own_head_count_is_never_sent(client: httpx.AsyncClient) -> None:
    for path in ("/api/datasets", "/api/cohorts", "/api/datasets/ds-rec", "/api/cohorts/ds-rec"):
        reply = await client.post(path, json=query(datasets=["ds-rec"]))
        assert not re.search(rf"\b{SUBJECTS}\b", reply.text), path
    assert not re.search(rf"\b{SUBJECTS}\b", (await client.get("/api/catalogue")).text)


async def test_below_record_access_no_collection_record_leaves(client: httpx.AsyncClient) -> None:
    for path in ("/api/datasets", "/api/cohorts"):
        doc = await post(client, path, query("count", datasets=["ds-count"]))
        valid(doc, path.rsplit("/", 1)[-1])
        assert doc["response"].get("collections", []) == []


async def test_a_dataset_without_a_collection_is_unchanged(records_client: httpx.AsyncClient) -> None:
    (record,) = (await post(records_client, "/api/cohorts", query(datasets=["ds-rec"])))["response"][
        "collections"
    ]
    assert record["cohortType"] == "beacon-defined"
    assert "inclusionCriteria" not in record and set(record["info"]) == {"cohortSize"}
