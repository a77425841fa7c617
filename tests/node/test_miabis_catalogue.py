"""A dataset that names its MIABIS Core 3.0 collection shows it in the signed ``/api/catalogue``."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import httpx
import pytest

from pmbridge.errors import ConfigError
from pmbridge.node import create_node_app, open_node, parse_node_config
from tests.ingest.test_miabis import VALID
from tests.node.conftest import CONFIG
from tests.trust import as_hub, trusted

pytestmark = pytest.mark.anyio

COLLECTION_ID = "bbmri-eric:ID:IT_ROME:collection:RD"


def with_miabis(path: Path, collection: str = COLLECTION_ID) -> dict[str, object]:
    config = copy.deepcopy(CONFIG)
    datasets = config["datasets"]
    assert isinstance(datasets, list)
    datasets[0] |= {"miabis": str(path), "miabis_collection": collection}
    return config


async def test_the_catalogue_shows_the_configured_collection(node_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "rome.json"
    path.write_text(json.dumps(VALID), encoding="utf-8")
    config = parse_node_config(trusted(with_miabis(path), node_dir), base=node_dir, where="test")
    context = open_node(config)
    transport = httpx.ASGITransport(app=create_node_app(context))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://node") as anyone:
            assert (await anyone.get("/api/catalogue")).status_code == 401  # only what the hub signed
        async with httpx.AsyncClient(
            transport=transport, base_url="http://node", auth=as_hub("eu-test")
        ) as hub:
            reply = await hub.get("/api/catalogue")
    finally:
        context.close()
    assert reply.status_code == 200
    opened, closed = reply.json()["datasets"]
    assert "miabis" not in closed
    assert opened["miabis"] == {
        "collection": COLLECTION_ID,
        "name": "Paediatric epilepsy",
        "description": "DNA and serum of children with epilepsy.",
        "sampleTypes": ["DNA", "Serum"],
        "storageTemperatures": ["-60 °C to -85 °C", "Liquid nitrogen vapor-phase"],
        "ageRange": {"low": 0, "lowUnit": "Years", "high": 17, "highUnit": "Years"},
        "sex": ["Female", "Male"],
        "diseases": [
            {"ontology": "ICD-10", "code": "G40", "label": None},
            {"ontology": None, "code": None, "label": "Dravet syndrome"},
        ],
        "dataCategories": ["Clinical dataset", "Genomic dataset"],
        "collectionTypes": ["Disease-specific cohort", "Rare disease collection"],
        "accessConditions": ["Genetic data use", "Collaboration"],
        "biobank": {"id": "bbmri-eric:ID:IT_ROME", "name": "Rome Rare Disease Biobank", "country": "IT"},
    }


def test_a_bad_miabis_file_stops_the_node_naming_every_problem(tmp_path: Path) -> None:
    doc = copy.deepcopy(VALID)
    doc["collections"][0]["Sample type"] = ["Bloood"]
    del doc["collections"][0]["Sex"]
    path = tmp_path / "rome.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        parse_node_config(with_miabis(path), base=tmp_path, where="node.toml")
    message = caught.value.message
    assert message.startswith(
        f"node.toml: MIABIS metadata has problems:\n  [[datasets]] 'ds-open': {path}: 2 "
    )
    assert "'Sex': mandatory attribute missing" in message
    assert "'Bloood' is not in the MIABIS value set; did you mean 'Blood'?" in message


def test_a_collection_missing_from_the_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "rome.json"
    path.write_text(json.dumps(VALID), encoding="utf-8")
    with pytest.raises(ConfigError, match=f"{path} has no collection 'nope' \\(it has '{COLLECTION_ID}'\\)"):
        parse_node_config(with_miabis(path, "nope"), base=tmp_path, where="node.toml")
