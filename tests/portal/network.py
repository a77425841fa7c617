"""A small network for in-process portal tests: two real nodes (EU, CN) over DuckDB files, one node down.

The cohorts are hand-made so that some counts are large and some fall below the minimum count,
and so that the cohorts of the questions the tests ask are far enough apart for the differencing
guard (at least the cross-border minimum count, 11 people).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI

from pmbridge.access import Language
from pmbridge.hub import HubLearningSettings, HubReleaseSettings, NodeEntry, Steward, load_broker_key
from pmbridge.model import Disease, Individual, Jurisdiction, PatientRecord, PhenotypicFeature, Sex, Variant
from pmbridge.network_app import create_network_app
from pmbridge.node import NodeContext, create_node_app, open_node, parse_node_config
from pmbridge.policy import DEMO_AUDIENCE, DEMO_ISSUER, public_key_pem
from pmbridge.store import NodeStore
from pmbridge.vocab import Hpo
from tests.ingest.test_miabis import VALID as MIABIS
from tests.trust import hub_config, node_public_key, trusted

SEIZURE = "HP:0001250"
ARACHNODACTYLY = "HP:0001166"
HEART = "HP:0001627"  # Abnormal heart morphology
MARFAN = "OMIM:154700"
EU_SIZE, CN_SIZE = 90, 40
RARE = 3  # people in Rome with arachnodactyly: below the minimum count of 5

RELEASE = {"public": "count", "registered": "count", "controlled": "record"}
NODES = {
    "eu-rome": {
        "node": {"id": "eu-rome", "name": "Rome Biobank", "jurisdiction": "EU", "country": "IT"},
        "datasets": [
            {
                "id": "rome-rd",
                "name": "Rome rare-disease cohort",
                "description": "Hand-made test cohort.",
                "duo": ["DUO:0000042"],
                "release": RELEASE,
                "miabis": "miabis.json",  # MIABIS (tests/ingest/test_miabis.py), written by build()
                "miabis_collection": "bbmri-eric:ID:IT_ROME:collection:RD",
            }
        ],
    },
    "cn-shanghai": {
        "node": {"id": "cn-shanghai", "name": "Shanghai Biobank", "jurisdiction": "CN", "country": "CN"},
        "datasets": [
            {
                "id": "shanghai-rd",
                "name": "Shanghai rare-disease cohort",
                "duo": ["DUO:0000007", "DUO:0000021"],
                "release": RELEASE,
            }
        ],
    },
}
STEWARDS = {
    "eu-rome": (Steward("rome-steward", "Marco Bianchi", None, Language.EN, DEMO_ISSUER),),
    "cn-shanghai": (Steward("shanghai-steward", "张敏 Zhang Min", None, Language.ZH, DEMO_ISSUER),),
}
"""Who decides each node's access requests (demo users of the hub's broker)."""
REGISTRY = (
    ("eu-rome", Jurisdiction.EU, "IT", "Rome Biobank"),
    ("cn-shanghai", Jurisdiction.CN, "CN", "Shanghai Biobank"),
    ("eu-down", Jurisdiction.EU, "DE", "Berlin (offline)"),
)


def rome(i: int) -> PatientRecord:
    features = [PhenotypicFeature(SEIZURE)] if i < EU_SIZE // 2 else []
    if i < RARE:
        features.append(PhenotypicFeature(ARACHNODACTYLY))
    if i % 3 == 0:
        features.append(PhenotypicFeature(HEART))
    marfan = i < RARE
    return PatientRecord(
        Individual(f"r{i}", Sex.FEMALE if i % 2 == 0 else Sex.MALE, age_years=5 + i % 60, country="IT"),
        "rome-rd",
        phenotypic_features=tuple(features),
        diseases=(Disease(MARFAN, "Marfan syndrome"),) if marfan else (),
        variants=(Variant("GRCh38", "15", 48_600_217, "G", "A", "FBN1"),) if marfan else (),
    )


def shanghai(i: int) -> PatientRecord:
    return PatientRecord(
        Individual(f"s{i}", Sex.MALE if i % 4 else Sex.FEMALE, age_years=20 + i, country="CN"),
        "shanghai-rd",
        phenotypic_features=(PhenotypicFeature(SEIZURE if i < CN_SIZE // 2 else HEART),),
    )


def build(root: Path, hpo: Hpo) -> dict[str, NodeContext]:
    """Write both stores under ``root`` and open the nodes, which trust the hub's demo broker."""
    broker = load_broker_key(root / "hub-state")
    trust = {
        "audience": DEMO_AUDIENCE,
        "issuers": [{"iss": DEMO_ISSUER, "public_key": public_key_pem(broker).decode()}],
    }
    people = {
        "eu-rome": [rome(i) for i in range(EU_SIZE)],
        "cn-shanghai": [shanghai(i) for i in range(CN_SIZE)],
    }
    opened = {}
    for node_id, doc in NODES.items():
        home = root / node_id
        home.mkdir(parents=True, exist_ok=True)
        (home / "miabis.json").write_text(json.dumps(MIABIS), encoding="utf-8")  # named by Rome only
        config = parse_node_config(trusted({**doc, "passports": trust}, home), base=home, where="test")
        with NodeStore.open(config.store) as store, store.transaction():
            store.put_datasets(list(config.datasets))
            store.sync_closure(hpo.closure(), release=hpo.release)
            store.write_records(people[node_id])
        opened[node_id] = open_node(config)
    return opened


class Nodes(httpx.AsyncBaseTransport):
    """Routes the hub's calls to in-process node apps by host; unknown hosts are down."""

    def __init__(self, contexts: Mapping[str, NodeContext]) -> None:
        self._apps = {node: httpx.ASGITransport(app=create_node_app(c)) for node, c in contexts.items()}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        app = self._apps.get(request.url.host)
        if app is None:
            raise httpx.ConnectError("connection refused", request=request)
        return await app.handle_async_request(request)


def network_app(
    contexts: Mapping[str, NodeContext], root: Path, *, learning: HubLearningSettings | None = None
) -> FastAPI:
    """The hub (with its portal) over the test nodes; ``learning`` replaces its default (off)."""
    entries = [
        NodeEntry(
            n,
            f"http://{n}",
            where,
            country,
            name,
            public_key=node_public_key(contexts, n),
            stewards=STEWARDS.get(n, ()),
        )
        for n, where, country, name in REGISTRY
    ]
    # A generous deadline: the first match builds each node's index, on a machine tests share.
    release = HubReleaseSettings(demo_broker=True)
    config = hub_config(entries, root, name="Test network", deadline=30.0, release=release)
    if learning is not None:
        config = dataclasses.replace(config, learning=learning)
    return create_network_app(config, transport=Nodes(contexts))


@asynccontextmanager
async def portal_client(
    contexts: Mapping[str, NodeContext], root: Path, *, learning: HubLearningSettings | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a hub (with its portal) over the test nodes."""
    app = network_app(contexts, root, learning=learning)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client,
    ):
        yield client
