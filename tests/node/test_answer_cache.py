"""A count asked again is read from the store once, yet released through disclosure control every
time: the answer cache holds the cohort, never what leaves the node."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import pmbridge.store._store as store_module
from pmbridge.beacon import parse_body
from pmbridge.node import NodeContext, answer_entries, open_node, parse_node_config
from pmbridge.privacy import DisclosureControl
from tests.node.conftest import CONFIG, SEIZURE
from tests.trust import trusted

BODY = {
    "query": {
        "filters": [{"id": SEIZURE}],
        "requestParameters": {"datasets": ["ds-open"]},  # the one counted in public
        "requestedGranularity": "count",
    }
}


@pytest.fixture
def guarded_node(node_dir: Path) -> Iterator[NodeContext]:
    """The test node with the default privacy settings: noise, budget and the differencing guard."""
    config = {k: v for k, v in CONFIG.items() if k != "privacy"}
    context = open_node(parse_node_config(trusted(config, node_dir), base=node_dir, where="test"))
    yield context
    context.close()


def test_a_repeated_count_reads_the_store_once_and_is_released_every_time(
    guarded_node: NodeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    scans: list[object] = []
    releases: list[object] = []
    read = store_module.read_counted_members
    release_count = DisclosureControl.release_count

    def counting_read(*args: object, **kwargs: object) -> object:
        scans.append(args)
        return read(*args, **kwargs)  # type: ignore[arg-type]

    def counting_release(self: DisclosureControl, *args: object, **kwargs: object) -> object:
        releases.append(kwargs.get("cohort"))
        return release_count(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store_module, "read_counted_members", counting_read)
    monkeypatch.setattr(DisclosureControl, "release_count", counting_release)
    replies = [answer_entries(guarded_node, parse_body(BODY), path="individuals") for _ in range(3)]
    assert len(scans) == 1  # one statement for the count and the cohort, then remembered
    assert len(releases) == 3 and all(releases)  # the guard saw the cohort on every request
    totals = {r["responseSummary"]["numTotalResults"] for r in replies}  # type: ignore[index]
    assert len(totals) == 1  # same question, same (noisy) answer
