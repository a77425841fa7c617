"""A small real node: hand-made records in a DuckDB file with the real HPO closure."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from pmbridge.model import (
    Dataset,
    Disease,
    Individual,
    PatientRecord,
    PhenotypicFeature,
    Sex,
    Variant,
)
from pmbridge.node import create_node_app, open_node, parse_node_config
from pmbridge.store import NodeStore
from pmbridge.vocab import Hpo, locate_data_dir
from tests.node import records_node
from tests.release import exact_release
from tests.trust import as_hub, trusted

SEIZURE = "HP:0001250"
TONIC_CLONIC = "HP:0002069"  # a descendant of Seizure
ARACHNODACTYLY = "HP:0001166"


def person(
    i: int, sex: Sex, age: float, terms: tuple[str, ...], gene: str, dataset: str = "ds-open"
) -> PatientRecord:
    return PatientRecord(
        individual=Individual(id=f"p{i}", sex=sex, age_years=age),
        dataset_id=dataset,
        phenotypic_features=tuple(PhenotypicFeature(t) for t in terms),
        diseases=(Disease("OMIM:154700"),) if gene == "FBN1" else (),
        variants=(Variant(gene_symbol=gene),),
    )


RECORDS = [
    person(1, Sex.FEMALE, 4, (SEIZURE,), "SCN1A"),
    person(2, Sex.MALE, 7, (TONIC_CLONIC,), "SCN1A"),
    person(3, Sex.FEMALE, 30, (ARACHNODACTYLY,), "FBN1"),
    person(4, Sex.MALE, 41, (ARACHNODACTYLY, SEIZURE), "FBN1"),
    person(5, Sex.FEMALE, 12, (TONIC_CLONIC,), "SCN1A", dataset="ds-closed"),
]

CONFIG = exact_release(
    {  # query-logic tests: every count exact (tests/release.py)
        "node": {
            "id": "eu-test",
            "name": "Test node",
            "jurisdiction": "EU",
            "country": "IT",
            "store": "store.duckdb",
        },
        "datasets": [
            {"id": "ds-open", "name": "Open", "release": {"public": "count"}},
            {"id": "ds-closed", "name": "Closed", "release": {"public": "boolean"}},
        ],
    }
)


@pytest.fixture(scope="session")
def node_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("node")
    hpo = Hpo.load(locate_data_dir())
    config = parse_node_config(CONFIG, base=root, where="test")
    with NodeStore.open(config.store) as store, store.transaction():
        store.put_datasets(list(config.datasets))
        store.sync_closure(hpo.closure(), release=hpo.release)
        store.write_records(RECORDS)
    return root


@pytest.fixture
async def client(node_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    context = open_node(parse_node_config(trusted(CONFIG, node_dir), base=node_dir, where="test"))
    app = create_node_app(context)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://node", auth=as_hub("eu-test")) as c:
        yield c
    context.close()


__all__ = ["ARACHNODACTYLY", "SEIZURE", "TONIC_CLONIC", "Dataset"]


@pytest.fixture(scope="session")
def records_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("records-node")
    records_node.build(root, Hpo.load(locate_data_dir()))
    return root


@pytest.fixture
async def records_client(records_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A node whose dataset ds-rec releases records to the public (ds-count only counts)."""
    config = parse_node_config(trusted(records_node.CONFIG, records_dir), base=records_dir, where="test")
    context = open_node(config)
    app = create_node_app(context)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://node", auth=as_hub("eu-rec")) as c:
        yield c
    context.close()
