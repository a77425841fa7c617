"""The node's aggregates API: totals and breakdowns released through the same choke point as counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmbridge.store import AGE_BANDS
from pmbridge.vocab import Hpo, locate_data_dir
from tests.node import release_node
from tests.node.test_release_path import count_body, node, the_set
from tests.release import bearer, passport

pytestmark = pytest.mark.anyio

HOWS = {"exact", "rounded", "noised", "suppressed"}


@pytest.fixture(scope="module")
def eu_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("eu-agg")
    release_node.build(root, release_node.EU, Hpo.load(locate_data_dir()))
    return root


def check_released(count: dict[str, object]) -> None:
    """A ReleasedCount as JSON: a known method, and never a value between 1 and k-1."""
    assert count["how"] in HOWS
    value, threshold = count["value"], count["threshold"]
    assert (value is None) == (count["how"] == "suppressed")
    assert value is None or value == 0 or value >= threshold  # type: ignore[operator]


async def test_totals_and_breakdowns_have_the_contract_shape_and_pass_disclosure_control(
    eu_store: Path,
) -> None:
    headers = bearer(passport("charts-1", country="IT"))
    body = {"query": {"filters": []}, "breakdowns": ["sex", "ageBand", "phenotypeCategory"]}
    async with node(eu_store, release_node.EU) as (client, context):
        reply = await client.post("/api/aggregates", json=body, headers=headers)
        counted = (await client.post("/api/individuals", json=count_body(), headers=headers)).json()
        categories = set(context.hpo.descendants("HP:0000118", include_self=False))
    assert reply.status_code == 200, reply.text
    doc = reply.json()
    assert doc["node"] == "eu-rel" and [d["dataset"] for d in doc["datasets"]] == ["rel-eu"]
    entry = doc["datasets"][0]
    assert set(entry) == {"dataset", "total", "breakdowns", "spent"}
    sex, age, phenotypes = (entry["breakdowns"][k] for k in ("sex", "ageBand", "phenotypeCategory"))
    assert list(sex["cells"]) == ["female", "male", "other", "unknown"]
    assert list(age["cells"]) == list(AGE_BANDS) and age["cells"]["80+"]["value"] == 0
    assert set(phenotypes["cells"]) == {"HP:0000707", "HP:0033127", "HP:0040064", "HP:0001507"}
    assert set(phenotypes["cells"]) <= categories and "total" not in phenotypes
    for count in [entry["total"], sex["total"], age["total"], *sex["cells"].values(), *age["cells"].values()]:
        check_released(count)
    for count in phenotypes["cells"].values():
        check_released(count)
    # One question, one answer: the chart's total is the Beacon count, noised once.
    beacon = the_set(counted)["info"]["count"]  # type: ignore[index]
    assert entry["total"]["how"] == "noised"
    assert entry["total"]["value"] == sex["total"]["value"] == age["total"]["value"] == beacon["value"]
    assert sex["cells"]["other"]["how"] == "exact" and sex["cells"]["other"]["value"] == 0


async def test_small_cells_are_hidden_with_a_partner_so_the_total_gives_nothing_away(eu_store: Path) -> None:
    headers = bearer(passport("charts-2", country="IT"))
    young = {"id": "age", "operator": "<", "value": "15"}  # 12 people with ages 1.5 to 13.5 (two unknown)
    body = {"query": {"filters": [young]}, "breakdowns": ["sex"]}
    async with node(eu_store, release_node.EU) as (client, _):
        doc = (await client.post("/api/aggregates", json=body, headers=headers)).json()
    cells = doc["datasets"][0]["breakdowns"]["sex"]["cells"]
    hidden = [name for name, c in cells.items() if c["how"] == "suppressed"]
    assert len(hidden) != 1  # never a single hidden cell beside a released total
    for count in cells.values():
        check_released(count)


async def test_without_count_access_a_dataset_is_marked_not_counted(eu_store: Path) -> None:
    async with node(eu_store, release_node.EU) as (client, _):
        doc = (await client.post("/api/aggregates", json={"breakdowns": ["sex"]})).json()
    entry = doc["datasets"][0]
    assert entry["total"]["rule"] == "access_level" and entry["total"]["value"] is None
    assert entry["breakdowns"] == {}


@pytest.mark.parametrize(
    "body", [{"breakdowns": ["income"]}, {"breakdowns": "sex"}, {"query": {}, "extra": 1}, [1, 2]]
)
async def test_a_malformed_aggregates_request_is_a_400(eu_store: Path, body: object) -> None:
    async with node(eu_store, release_node.EU) as (client, _):
        reply = await client.post("/api/aggregates", json=body)
    assert reply.status_code == 400
