"""``POST /api/rank`` in-process: each disease says why it ranks where it does, labelled in both languages."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from pmbridge.hub import create_hub_app
from pmbridge.hub._routes_rank import evidence_json
from pmbridge.similarity import Evidence, PhenotypeQuery, load_disease_ranker
from pmbridge.vocab import Hpo, locate_data_dir
from tests.trust import hub_config

pytestmark = pytest.mark.anyio

SEIZURE, GDD, MICROCEPHALY = "HP:0001250", "HP:0001263", "HP:0000252"
EVIDENCE_KEYS = {"term", "kind", "weight", "labels", "zhFallback"}


@pytest.fixture(scope="module")
def hpo() -> Hpo:
    return Hpo.load(locate_data_dir())


@pytest.fixture
async def hub() -> AsyncIterator[httpx.AsyncClient]:
    with tempfile.TemporaryDirectory() as home:
        app = create_hub_app(hub_config([], Path(home)))
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client,
        ):
            yield client


def test_evidence_carries_both_labels_and_rounded_weights(hpo: Hpo) -> None:
    shown = evidence_json(
        hpo,
        [
            Evidence(SEIZURE, "observed", 1.234567),
            Evidence(MICROCEPHALY, "excluded", -0.85),
            Evidence("SCN1A", "gene", 0.5),
        ],
    )
    assert shown == [
        {
            "term": SEIZURE,
            "kind": "observed",
            "weight": 1.23,
            "labels": {"en": "Seizure", "zh": "癫痫发作"},
            "zhFallback": False,
        },
        {
            "term": MICROCEPHALY,
            "kind": "excluded",
            "weight": -0.85,
            "labels": {"en": "Microcephaly", "zh": hpo.labels_zh.label(MICROCEPHALY, "Microcephaly")[0]},
            "zhFallback": False,
        },
        {
            "term": "SCN1A",
            "kind": "gene",
            "weight": 0.5,
            "labels": {"en": "SCN1A", "zh": "SCN1A"},
            "zhFallback": False,
        },
    ]


async def test_evidence_names_the_query_terms_with_weights_largest_first(
    hub: httpx.AsyncClient, hpo: Hpo
) -> None:
    body = {"phenotypes": [SEIZURE, GDD], "excluded": [MICROCEPHALY], "gene": "SCN1A", "limit": 5}
    reply = await hub.post("/api/rank", json=body)
    assert reply.status_code == 200, reply.text
    diseases = reply.json()["diseases"]
    assert len(diseases) == 5
    asked = {SEIZURE: "observed", GDD: "observed", MICROCEPHALY: "excluded", "SCN1A": "gene"}
    for disease in diseases:
        evidence = disease["evidence"]
        assert evidence, disease["id"]
        weights = [abs(e["weight"]) for e in evidence]
        assert weights == sorted(weights, reverse=True)
        for item in evidence:
            assert set(item) == EVIDENCE_KEYS
            assert asked[item["term"]] == item["kind"]
            assert isinstance(item["weight"], float)
            if item["kind"] != "gene":
                english = hpo.term(item["term"]).name
                assert item["labels"] == {
                    "en": english,
                    "zh": hpo.labels_zh.label(item["term"], english)[0],
                }
    top = diseases[0]
    assert "SCN1A" in top["genes"]
    assert any(e["kind"] == "gene" and e["weight"] > 0 for e in top["evidence"])


async def test_the_evidence_is_the_librarys(hub: httpx.AsyncClient) -> None:
    body = {"phenotypes": [SEIZURE, GDD], "excluded": [MICROCEPHALY], "gene": "SCN1A", "limit": 5}
    diseases = (await hub.post("/api/rank", json=body)).json()["diseases"]
    query = PhenotypeQuery((SEIZURE, GDD), (MICROCEPHALY,), ("SCN1A",))
    expected = load_disease_ranker(locate_data_dir()).rank(query, top=5)
    assert [[{k: e[k] for k in ("term", "kind", "weight")} for e in d["evidence"]] for d in diseases] == [
        [e.to_dict() for e in d.evidence] for d in expected
    ]
