"""Questions that match nobody, through a real node: never refused by the differencing guard.

Every anonymous visitor is one researcher ("anonymous") at a node, so a zero that clashed with a
remembered cohort would refuse everyone's next empty question. A remembered cohort can be small:
a count of biosamples (or variants) reaches k with fewer than k people behind it. Here one donor
gives twelve biosamples, so counting them remembers a cohort of one person.
"""

from __future__ import annotations

import copy
import shutil
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import httpx
import pytest

from pmbridge.model import Biosample, Individual, PatientRecord, PhenotypicFeature, Sex
from pmbridge.node import create_node_app, open_node, parse_node_config
from pmbridge.store import NodeStore
from pmbridge.vocab import Hpo, locate_data_dir
from tests.node import release_node
from tests.trust import as_hub, trusted

pytestmark = pytest.mark.anyio

DONOR_TERM = "HP:0001382"  # Joint hypermobility: only the donor has it
NOBODY = ("HP:0001631", "HP:0000256", "HP:0004322")  # terms no one at this node has
SAMPLES = 12  # at least the cross-border minimum count (11), from one person


def _config() -> dict[str, object]:
    doc = copy.deepcopy(release_node.EU)
    datasets = doc["datasets"]
    assert isinstance(datasets, list)
    datasets[0]["release"]["public"] = "count"  # anonymous visitors get counts, as in the portal
    return doc


CONFIG = _config()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("empty-cohorts")
    hpo = Hpo.load(locate_data_dir())
    config = parse_node_config(trusted(CONFIG, root), base=root, where="test")
    donor = PatientRecord(
        Individual("donor", Sex.FEMALE, age_years=40.0),
        "rel-eu",
        phenotypic_features=(PhenotypicFeature(DONOR_TERM),),
        biosamples=tuple(Biosample(f"donor-s{i}", "DNA") for i in range(SAMPLES)),
    )
    with NodeStore.open(config.store) as db, db.transaction():
        db.put_datasets(list(config.datasets))
        db.sync_closure(hpo.closure(), release=hpo.release)
        db.write_records([*release_node.people("rel-eu"), donor])
    return root


@pytest.fixture
async def anonymous(store: Path, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A node over a copy of the module's store, with ledgers of its own (no history), asked
    without a passport."""
    shutil.copy(store / "store.duckdb", tmp_path / "store.duckdb")
    context = open_node(parse_node_config(trusted(CONFIG, tmp_path), base=tmp_path, where="test"))
    transport = httpx.ASGITransport(app=create_node_app(context))
    async with httpx.AsyncClient(transport=transport, base_url="http://node", auth=as_hub("eu-rel")) as c:
        yield c
    context.close()
    context.release.close()


def count_body(*filters: Mapping[str, object]) -> dict[str, object]:
    return {
        "meta": {"apiVersion": "v2.0.1"},
        "query": {
            "filters": list(filters),
            "requestedGranularity": "count",
            "includeResultsetResponses": "ALL",
        },
    }


def released(doc: Mapping[str, object]) -> dict[str, object]:
    sets = doc["response"]["resultSets"]  # type: ignore[index]
    assert len(sets) == 1
    return dict(sets[0]["info"]["count"])


async def test_questions_matching_nobody_are_answered_after_a_small_cohort_was_counted(
    anonymous: httpx.AsyncClient,
) -> None:
    samples = await anonymous.post("/api/biosamples", json=count_body({"id": DONOR_TERM}))
    assert samples.status_code == 200, samples.text
    assert released(samples.json())["how"] == "noised"  # twelve samples: at least k, from one donor
    for term in NOBODY:
        reply = await anonymous.post("/api/individuals", json=count_body({"id": term}))
        assert reply.status_code == 200, reply.text
        assert released(reply.json())["value"] == 0
        charts = await anonymous.post(
            "/api/aggregates",
            json={
                "query": {"filters": [{"id": term}]},
                "breakdowns": ["sex", "ageBand", "phenotypeCategory"],
            },
        )
        assert charts.status_code == 200, charts.text
        (entry,) = charts.json()["datasets"]
        assert entry["total"]["value"] == 0
        cells = [c for part in entry["breakdowns"].values() for c in part["cells"].values()]
        assert cells and all(c["value"] == 0 for c in cells)


async def test_a_minus_one_person_and_the_same_people_reworded_repeat_the_first_answer(
    anonymous: httpx.AsyncClient,
) -> None:
    """Same people, same answer: neither is refused, both get the first number again, so the
    difference (one person) is not there to read; a question matching nobody still answers 0."""
    everyone = {"id": "age", "operator": ">", "value": "0"}
    minus_oldest = {"id": "age", "operator": "<", "value": "60"}  # ages run to 60.5: one person fewer
    same_people = {"id": "age", "operator": "<", "value": "1000"}
    first = await anonymous.post("/api/individuals", json=count_body(everyone))
    assert first.status_code == 200 and released(first.json())["how"] == "noised"
    for second in (minus_oldest, same_people):
        reply = await anonymous.post("/api/individuals", json=count_body(second))
        assert reply.status_code == 200, reply.text
        assert released(reply.json())["value"] == released(first.json())["value"]
    nobody = await anonymous.post("/api/individuals", json=count_body({"id": NOBODY[0]}))
    assert nobody.status_code == 200 and released(nobody.json())["value"] == 0
