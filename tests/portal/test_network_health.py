"""The network page shows every health the hub reports as itself, translated, with summary counts
that add up: a node that refused the hub never reads as down or as not answering."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from contextlib import ExitStack, asynccontextmanager
from pathlib import Path

import httpx
import pytest

from pmbridge.client import NodeList
from pmbridge.network_app import create_network_app
from pmbridge.portal._network import HEALTH, health_summary, node_rows
from tests.hub.fake_nodes import REFUSAL, dead_url, fake_node
from tests.hub.test_fanout_faults import DEADLINE, entry
from tests.trust import hub_config

pytestmark = pytest.mark.anyio

# The fake nodes of tests/hub: "slow" answers after the hub's deadline, "error" with a 500.
BEHAVIOURS = {"good": "up", "refuser": "refused", "slow": "timeout", "error": "error", "down": "down"}


@asynccontextmanager
async def network(tmp_path: Path, behaviours: Sequence[str]) -> AsyncIterator[httpx.AsyncClient]:
    """The hub with its portal over the fake nodes of tests/hub (``down``: nothing listens)."""
    with ExitStack() as stack:
        nodes = [entry(b, stack.enter_context(fake_node(b))) for b in behaviours if b != "down"]
        if "down" in behaviours:
            nodes.append(entry("down", dead_url()))
        config = hub_config(nodes, tmp_path, id="hub", deadline=DEADLINE, max_reply_bytes=100_000)
        app = create_network_app(config)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client,
        ):
            yield client


def card(html: str, node: str) -> str:
    start = html.index(f'data-node="{node}"')
    return html[start : html.index("</article>", start)]


def summary(html: str) -> dict[str, int]:
    listed = html[html.index('class="summary"') : html.index("</ul>", html.index('class="summary"'))]
    found = re.findall(r'data-summary="(\w+)"><span class="summary-number">(\d+)</span>', listed)
    return {state: int(n) for state, n in found}


async def test_each_health_is_shown_as_itself_and_the_summary_adds_up(tmp_path: Path) -> None:
    async with network(tmp_path, list(BEHAVIOURS)) as client:
        english = (await client.get("/network", params={"lang": "en"})).text
        chinese = (await client.get("/network", params={"lang": "zh"})).text
    shown = dict(re.findall(r'data-node="([\w-]+)".*?data-health="(\w+)"', english, re.S))
    assert shown == BEHAVIOURS
    assert summary(english) == {
        "up": 1,
        "timeout": 1,
        "refused": 1,
        "down": 1,
        "error": 1,
    }  # 0 slow: left out
    assert sum(summary(english).values()) == len(BEHAVIOURS)
    refused = card(english, "refuser")
    assert 'data-health-refused="X1"' in refused and "Refused the hub:" in refused
    assert "Records cannot leave their jurisdiction" in refused and REFUSAL in refused  # the node's words
    assert "Not answering" not in refused and ">down<" not in refused
    # within what was left of the page's 0.5 s deadline when the nodes were asked
    assert re.search(r"Not answering: no reply within 0\.[1-5] s", card(english, "slow"))
    assert re.search(
        r"未响应： 0\.[1-5] 秒内没有回复", card(chinese, "slow")
    )  # the hub's English, said in 中文
    assert "Its answer could not be used: boom" in card(english, "error")
    assert "Not answering: ConnectError" in card(english, "down")
    assert " ms</span>" in card(english, "refuser") and " ms</span>" not in card(english, "slow")
    words = {"up": "在线", "timeout": "超时", "refused": "已拒绝", "down": "离线", "error": "失败"}
    for node, health in BEHAVIOURS.items():
        said = card(chinese, node)
        assert re.search(
            rf'data-health="{health}">\s*<span class="dot" aria-hidden="true"></span>\s*{words[health]}', said
        )
    assert "拒绝了中心的请求：" in card(chinese, "refuser") and "其答复无法使用：" in card(chinese, "error")


def test_rows_keep_every_health_and_an_unknown_one_is_not_called_up_or_down() -> None:
    listed = [
        {"id": state, "status": "ok", "health": state, "detail": "refused by rule X4: genetic", "rule": "X4"}
        for state, _ in HEALTH
    ]
    unknown = [
        {"id": "old", "status": "ok", "health": ""},
        {"id": "new", "status": "ok", "health": "sleeping"},
    ]
    rows = node_rows(NodeList.model_validate({"nodes": [*listed, *unknown]}).nodes, None)
    assert [r.health for r in rows] == [state for state, _ in HEALTH] + ["error", "error"]
    counts = health_summary(rows)
    assert list(counts) == [state for state, _ in HEALTH] and sum(counts.values()) == len(rows)
    refusals = {r.id: r.health_refusal for r in rows if r.health_refusal is not None}
    assert list(refusals) == ["refused"] and refusals["refused"].rule == "X4"
    assert [r.id for r in rows if r.answered] == [
        "up",
        "slow",
        "overloaded",
        "refused",
        "error",
        "old",
        "new",
    ]
