"""A node configured with ``[node.lake]`` answers from the lake exactly as from its DuckDB file, and
follows a new publish without a restart; the lake settings are checked like every other."""

from __future__ import annotations

import copy
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from pmbridge.errors import ConfigError, StoreError
from pmbridge.model import Individual, PatientRecord, PhenotypicFeature, Sex, SexFilter
from pmbridge.node import create_node_app, open_node, parse_node_config
from pmbridge.node._context import open_store
from pmbridge.store import EntryQuery, NodeStore
from pmbridge.store._lake_write import publish
from tests.node.conftest import CONFIG, SEIZURE
from tests.spark import require_spark
from tests.trust import as_hub, trusted

pytestmark = pytest.mark.anyio


def with_lake(lake: dict[str, object]) -> dict[str, object]:
    doc = copy.deepcopy(CONFIG)
    doc["node"]["lake"] = lake  # type: ignore[index]
    return doc


def seizure_counts(doc: dict[str, object]) -> dict[str, int]:
    return {s["id"]: s["resultsCount"] for s in doc["response"]["resultSets"]}  # type: ignore[index]


QUERY = {
    "meta": {"apiVersion": "v2.0.1"},
    "query": {
        "filters": [{"id": SEIZURE}],
        "requestedGranularity": "count",
        "requestParameters": {"datasets": ["ds-open"]},
    },
}


@pytest.fixture
def lake_dir(node_dir: Path, tmp_path: Path) -> Path:
    shutil.copy(node_dir / "store.duckdb", tmp_path / "store.duckdb")
    with NodeStore.open(tmp_path / "store.duckdb", read_only=True) as store:
        publish(store, tmp_path / "lake")
    return tmp_path


async def ask(root: Path, doc: dict[str, object]) -> AsyncIterator[httpx.AsyncClient]:
    context = open_node(parse_node_config(trusted(doc, root), base=root, where="test"))
    transport = httpx.ASGITransport(app=create_node_app(context))
    async with httpx.AsyncClient(transport=transport, base_url="http://node", auth=as_hub("eu-test")) as c:
        yield c
    context.close()


async def test_the_lake_answers_as_the_file_and_follows_a_new_publish(lake_dir: Path) -> None:
    async for from_file in ask(lake_dir, CONFIG):
        expected = (await from_file.post("/api/individuals", json=QUERY)).json()
    async for from_lake in ask(lake_dir, with_lake({"path": "lake"})):
        first = (await from_lake.post("/api/individuals", json=QUERY)).json()
        assert seizure_counts(first) == seizure_counts(expected) and seizure_counts(first)
        with NodeStore.open(lake_dir / "store.duckdb") as store:
            with store.transaction():
                store.write_records(
                    [
                        PatientRecord(
                            Individual(id="new", sex=Sex.FEMALE, age_years=9.0),
                            dataset_id="ds-open",
                            phenotypic_features=(PhenotypicFeature(SEIZURE),),
                        )
                    ]
                )
            publish(store, lake_dir / "lake")
        again = (await from_lake.post("/api/individuals", json=QUERY)).json()
        assert seizure_counts(again)["ds-open"] == seizure_counts(first)["ds-open"] + 1


def test_the_lake_settings_are_checked_and_resolved(lake_dir: Path) -> None:
    config = parse_node_config(with_lake({"path": "lake"}), base=lake_dir, where="test")
    assert config.lake is not None and config.lake.engine == "duckdb"
    assert Path(config.lake.path) == lake_dir / "lake"
    with open_store(config) as store:
        assert store.path == lake_dir / "lake" and store.read_only
    with pytest.raises(ConfigError, match="engine"):
        parse_node_config(with_lake({"path": "lake", "engine": "hive"}), base=lake_dir, where="test")
    with pytest.raises(ConfigError, match="path"):
        parse_node_config(with_lake({"engine": "duckdb"}), base=lake_dir, where="test")
    missing = parse_node_config(with_lake({"path": "nowhere"}), base=lake_dir, where="test")
    with pytest.raises(StoreError, match="no lake at"):
        open_store(missing)


@pytest.mark.slow
def test_spark_reads_the_same_lake_and_follows_its_snapshots(lake_dir: Path) -> None:
    require_spark("the Spark lake test")
    doc = with_lake({"path": "lake", "engine": "spark", "spark_master": "local[1]"})
    duck = open_store(parse_node_config(with_lake({"path": "lake"}), base=lake_dir, where="test"))
    with open_store(parse_node_config(doc, base=lake_dir, where="test")) as spark:
        assert spark.engine.dialect == "spark"
        women = EntryQuery("individuals", filters=(SexFilter("FEMALE"),))
        assert spark.count_entries(women) == duck.count_entries(women)
        assert spark.table_counts() == duck.table_counts()
        before = spark.version
        with NodeStore.open(lake_dir / "store.duckdb") as store:
            with store.transaction():
                store.write_records([PatientRecord(Individual(id="w", sex=Sex.FEMALE), dataset_id="ds-open")])
            publish(store, lake_dir / "lake")
        assert spark.count_entries(women) == duck.count_entries(women)
        assert spark.version != before
    duck.close()
