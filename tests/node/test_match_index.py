"""The patient-matching index is built in the background when a node starts: ``/health`` answers
meanwhile, and a match that comes first waits for the build under way, for a bounded time."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import anyio
import httpx
import pytest
import tomli_w

from pmbridge.demo import Supervisor
from pmbridge.errors import MatchIndexNotReady, StoreError
from pmbridge.node import create_node_app, open_node, parse_node_config
from pmbridge.node._matching import MATCHERS, MatcherCache, NodeMatcher, build_node_matcher
from pmbridge.vocab import Hpo, locate_data_dir
from tests.node import match_node
from tests.trust import as_hub

PATIENTS = 25  # match_node's records
QUERY = {"phenotypes": list(match_node.MARFAN), "limit": 5}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    root = tmp_path_factory.mktemp("match-index")
    return root, match_node.build(root, Hpo.load(locate_data_dir()))


def copy_node(built: tuple[Path, dict[str, object]], to: Path) -> Path:
    """The module's node (store, keys, match-id secret) in a folder of its own: a store the
    process-wide matcher cache has not seen."""
    root, _ = built
    shutil.copytree(root, to, ignore=shutil.ignore_patterns("*.sqlite*", "audit*", "run"))
    return to


@pytest.fixture
def gate() -> Iterator[threading.Event]:
    """Holds builds back until set; set at the end whatever happens, so no build thread is left waiting."""
    event = threading.Event()
    yield event
    event.set()


def held(gate: threading.Event, build: Callable[[], NodeMatcher]) -> Callable[[], NodeMatcher]:
    def slow() -> NodeMatcher:
        gate.wait(60)
        return build()

    return slow


@pytest.mark.slow
def test_a_node_process_starts_building_its_index_at_once_and_the_first_match_waits_for_it(
    built: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    root = copy_node(built, tmp_path / "node")
    (root / "node.toml").write_text(tomli_w.dumps(built[1]), encoding="utf-8")
    with Supervisor(tmp_path / "run") as supervisor:
        url = supervisor.start("eu-match", ["node", "serve", "--config", str(root / "node.toml")]).url
        first = httpx.get(f"{url}/health", timeout=30)
        # the first match waits for the build under way (node.match_index_wait_seconds, 30 s)
        reply = httpx.post(f"{url}/api/match", json=QUERY, auth=as_hub("eu-match"), timeout=60)
        after = httpx.get(f"{url}/health", timeout=30)
    assert first.status_code == 200 and first.json()["status"] == "up"
    assert first.json()["matchIndex"] in {"building", "ready"}  # started with the process, unasked
    assert reply.status_code == 200, reply.text
    assert reply.json()["meta"]["patients"] == PATIENTS
    assert after.json()["matchIndex"] == "ready"


@pytest.mark.anyio
async def test_a_match_waits_for_the_build_under_way_but_only_as_long_as_the_node_allows(
    built: tuple[Path, dict[str, object]], tmp_path: Path, gate: threading.Event
) -> None:
    root = copy_node(built, tmp_path / "node")
    doc = {**built[1], "node": {**built[1]["node"], "match_index_wait_seconds": 0.2}}  # type: ignore[dict-item]
    context = open_node(parse_node_config(doc, base=root, where="test"))
    transport = httpx.ASGITransport(app=create_node_app(context))  # no lifespan here: nothing warms
    try:
        slow = held(gate, lambda: build_node_matcher(context))
        MATCHERS.warm(context.config.store, slow)  # a build under way that will not finish in time
        async with httpx.AsyncClient(
            transport=transport, base_url="http://node", auth=as_hub("eu-match")
        ) as c:
            health = (await c.get("/health")).json()
            early = await c.post("/api/match", json=QUERY)
            gate.set()
            for _ in range(600):  # bounded: the build takes a few seconds once let through
                if (await c.get("/health")).json()["matchIndex"] != "building":
                    break
                await anyio.sleep(0.1)
            later = await c.post("/api/match", json=QUERY)
    finally:
        context.close()
        context.release.close()
    assert health["matchIndex"] == "building"
    assert early.status_code == 503, early.text
    assert "still being built" in early.json()["error"]["errorMessage"]
    assert later.status_code == 200, later.text
    assert later.json()["meta"]["patients"] == PATIENTS


def test_a_failed_build_reaches_every_waiting_request_and_the_next_one_builds_again(
    built: tuple[Path, dict[str, object]], tmp_path: Path, gate: threading.Event
) -> None:
    root = copy_node(built, tmp_path / "node")
    context = open_node(parse_node_config(built[1], base=root, where="test"))
    cache, store = MatcherCache(), context.config.store
    try:

        def broken() -> NodeMatcher:
            gate.wait(60)
            raise StoreError("the store went away", hint="test")

        cache.warm(store, broken)
        assert cache.state(store) == "building"
        with pytest.raises(MatchIndexNotReady):
            cache.get(store, broken, wait=0.05)
        gate.set()
        with pytest.raises(StoreError, match="went away"):
            cache.get(store, broken, wait=60)
        assert cache.state(store) == "not built"
        matcher = cache.get(store, lambda: build_node_matcher(context), wait=60)
        assert cache.state(store) == "ready" and len(matcher.index) == PATIENTS
        assert cache.get(store, broken, wait=0) is matcher  # built: nothing is built again
    finally:
        context.close()
        context.release.close()
