"""The hub shows only numbers it released itself (property tests over scripted, signed node replies).

Whatever nodes send, no number the hub held back (under its minimum count, refused by its budget,
hidden by complementary suppression, or below a yes/no answer) appears anywhere in its reply:
not in a count, not in provenance, not in a per-node line, not in a string.

The hub here charges ε 1 per number from a yearly budget of 0, so every number it would noise
itself is refused, and the only numbers it may show are 0 and node-noised counts at or above its
minimum count (drawn as multiples of 1000, so that their sums cannot meet a held-back value).
"""

from __future__ import annotations

import asyncio
import re
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmbridge.hub import HubReleaseSettings, NodeEntry, create_hub_app
from pmbridge.model import Jurisdiction
from pmbridge.policy import broker_trust
from pmbridge.privacy import DisclosureSettings, ReleasedCount, ReleaseMethod
from tests.hub.scripted_nodes import ScriptedNodes
from tests.release import BROKER, bearer, passport
from tests.trust import hub_config

NODES = {
    "eu-north": (Jurisdiction.EU, "SE"),
    "eu-south": (Jurisdiction.EU, "IT"),
    "cn-east": (Jurisdiction.CN, "CN"),
}
YES_NO = "eu-yesno"  # answers yes/no only: the network's answer drops to boolean when it answers
DATASETS = ("alpha", "beta")
CELLS = {"sex": ("female", "male"), "phenotypeCategory": ("nervous", "skeletal")}
HUB_MIN_COUNTS = (13, 40, 250)  # at home; across the border (cn-east for an Italian researcher) +6

ELAPSED = {"elapsedMs", "elapsed_ms"}  # timings, not counts
BUDGET_YEARS = {str(datetime.now(UTC).year + d) for d in (-1, 0, 1)}
"""Years a budget refusal names in words (\"spent … in 2026; wait until 2027\"): dates, not counts."""
Account = dict[str, object] | None  # a node's info.count; None: a Beacon that does not say how


class Hub:
    """One hub app with its lifespan entered, on an event loop of its own, over scripted nodes."""

    def __init__(self, k: int, root: Path) -> None:
        self.k = k
        self.loop = asyncio.new_event_loop()
        self.nodes = ScriptedNodes([*NODES, YES_NO])
        self._stack = AsyncExitStack()
        privacy = DisclosureSettings(min_count=k, min_count_cross_border=k + 6, yearly_epsilon_budget=0.0)
        entries = [
            NodeEntry(n, f"http://{n}", j, c, public_key=self.nodes.keys[n].verifying_key)
            for n, (j, c) in [*NODES.items(), (YES_NO, (Jurisdiction.EU, "FR"))]
        ]
        release = HubReleaseSettings(privacy=privacy, passports=broker_trust(BROKER))
        app = create_hub_app(hub_config(entries, root, release=release), transport=self.nodes)
        self.client = self.run(self._start(app))

    async def _start(self, app: object) -> httpx.AsyncClient:
        await self._stack.enter_async_context(app.router.lifespan_context(app))  # type: ignore[attr-defined]
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        return await self._stack.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url="http://hub")
        )

    def run(self, work: object) -> object:
        return self.loop.run_until_complete(work)  # type: ignore[arg-type]

    def close(self) -> None:
        self.run(self._stack.aclose())
        self.loop.close()


@pytest.fixture(scope="module", params=HUB_MIN_COUNTS)
def hub(request: pytest.FixtureRequest) -> Iterator[Hub]:
    with tempfile.TemporaryDirectory() as root:
        running = Hub(request.param, Path(root))
        yield running
        running.close()


def rc(value: int | None, how: ReleaseMethod, **extra: object) -> dict[str, object]:
    return ReleasedCount(value=value, how=how, threshold=5, reason="as the node made it", **extra).to_dict()  # type: ignore[arg-type]


def node_numbers(max_k: int) -> st.SearchStrategy[tuple[Account, int]]:
    """A node's account of one number and the integer beside it (``resultsCount``)."""
    plain = st.integers(12, 999)
    return st.one_of(
        st.just((rc(None, ReleaseMethod.SUPPRESSED, rule="min_count"), 0)),
        plain.map(lambda v: (rc(v, ReleaseMethod.EXACT), v)),
        plain.map(lambda v: (rc(v, ReleaseMethod.ROUNDED, rounded_to=1), v)),
        plain.map(lambda v: (None, v)),  # a third-party Beacon: no account
        st.integers(12, max_k - 1).map(lambda v: (rc(v, ReleaseMethod.NOISED, epsilon=1.0), v)),
        st.integers(1, 4).map(lambda m: (rc(1000 * m, ReleaseMethod.NOISED, epsilon=1.0), 1000 * m)),
        st.just((rc(0, ReleaseMethod.EXACT), 0)),
    )


def entries_reply(node: str, counts: Mapping[str, tuple[Account, int]]) -> dict[str, object]:
    sets = [
        {
            "id": ds,
            "setType": "dataset",
            "exists": value > 0 or (account is not None and account["how"] == "suppressed"),
            "resultsCount": value,
            "results": [],
            **({"info": {"count": account}} if account is not None else {}),
        }
        for ds, (account, value) in counts.items()
    ]
    total = sum(value for _, value in counts.values())  # the node's own total: a number too
    return {
        "meta": {"beaconId": node, "apiVersion": "v2.0.1", "returnedGranularity": "count"},
        "responseSummary": {"exists": any(s["exists"] for s in sets), "numTotalResults": total},
        "response": {"resultSets": sets},
    }


def yes_no_reply() -> dict[str, object]:
    sets = [{"id": "gamma", "setType": "dataset", "exists": True, "resultsCount": 1, "results": []}]
    return {
        "meta": {"beaconId": YES_NO, "apiVersion": "v2.0.1", "returnedGranularity": "boolean"},
        "responseSummary": {"exists": True},
        "response": {"resultSets": sets},
    }


def aggregates_reply(
    node: str, datasets: Mapping[str, Mapping[str, tuple[Account, int]]]
) -> dict[str, object]:
    def part(name: str, numbers: Mapping[str, tuple[Account, int]]) -> dict[str, object]:
        out: dict[str, object] = {"cells": {c: numbers[c][0] for c in CELLS[name]}}
        if name == "sex":
            out["total"] = numbers["total"][0]
        return out

    return {
        "node": node,
        "datasets": [
            {"dataset": ds, "total": numbers["total"][0], "breakdowns": {n: part(n, numbers) for n in CELLS}}
            for ds, numbers in datasets.items()
        ],
    }


def numbers_in(doc: object, key: str = "") -> Iterator[int]:
    """Every integer in a JSON document, in values and inside strings (elapsed times aside)."""
    if isinstance(doc, Mapping):
        for k, v in doc.items():
            yield from numbers_in(v, str(k))
    elif isinstance(doc, list):
        for v in doc:
            yield from numbers_in(v, key)
    elif isinstance(doc, str):
        yield from (int(d) for d in re.findall(r"\d+", doc) if d not in BUDGET_YEARS)
    elif isinstance(doc, int | float) and not isinstance(doc, bool) and key not in ELAPSED:
        yield from [int(doc)] if float(doc).is_integer() else []


def held_back(sent: list[int], *, k: int, boolean: bool) -> set[int]:
    """The node numbers this hub may not show: all of them under a yes/no answer, else every one
    it would have to noise itself (refused: no budget) or that is below its minimum count. The
    hub's own settings (k, k-1, k+5, k+6 appear in its reasons) are public and left out."""
    public = {k - 1, k, k + 5, k + 6}
    return {v for v in sent if v >= 12 and (boolean or v % 1000) and v not in public}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), boolean=st.booleans())
def test_no_number_the_hub_held_back_appears_in_its_reply(
    hub: Hub, data: st.DataObject, boolean: bool
) -> None:
    numbers = node_numbers(hub.k)
    names = ["total", *CELLS["sex"], *CELLS["phenotypeCategory"]]
    sent: list[int] = []
    for node in NODES:
        counts = {ds: data.draw(numbers) for ds in DATASETS}
        hub.nodes.bodies[(node, "/api/individuals")] = entries_reply(node, counts)
        charts = {ds: {name: data.draw(numbers) for name in names} for ds in DATASETS}
        hub.nodes.bodies[(node, "/api/aggregates")] = aggregates_reply(node, charts)
        sent += [v for _, v in counts.values()] + [sum(v for _, v in counts.values())]
        sent += [v for numbers_of in charts.values() for _, v in numbers_of.values()]
    if boolean:
        hub.nodes.bodies[(YES_NO, "/api/individuals")] = yes_no_reply()
    else:  # a node that is down does not change the answer's granularity
        hub.nodes.bodies.pop((YES_NO, "/api/individuals"), None)
    hub.nodes.bodies[(YES_NO, "/api/aggregates")] = {"node": YES_NO, "datasets": []}
    headers = bearer(passport("prop-researcher", country="IT"))
    query = {"meta": {"apiVersion": "v2.0.1"}, "query": {"filters": [], "requestedGranularity": "count"}}
    entries = hub.run(hub.client.post("/api/individuals", json=query, headers=headers))
    charts_asked = {"query": {"filters": []}, "breakdowns": list(CELLS)}
    aggregates = hub.run(hub.client.post("/api/aggregates", json=charts_asked, headers=headers))
    assert entries.status_code == aggregates.status_code == 200, (entries.text, aggregates.text)  # type: ignore[attr-defined]
    forbidden = held_back(sent, k=hub.k, boolean=False)
    assert not forbidden & set(numbers_in(aggregates.json()))  # type: ignore[attr-defined]
    doc = entries.json()  # type: ignore[attr-defined]
    assert doc["meta"]["returnedGranularity"] == ("boolean" if boolean else "count")
    assert not held_back(sent, k=hub.k, boolean=boolean) & set(numbers_in(doc))
