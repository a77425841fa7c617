"""``pmbridge consensus`` against a real hub served from a thread: an organiser drafts a study, locks
it, runs a round the panel answers through the client, and fetches results, the CSV and the report."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

import pmbridge.cli  # noqa: F401  (registers every command group)
from pmbridge.cli._app import app
from pmbridge.client import HubClient
from pmbridge.errors import RoundClosed, StudyLocked
from tests.hub.consensus_hub import consensus_hub, links

runner = CliRunner()


class ServedHub(httpx.BaseTransport):
    """The consensus test hub on an event loop in its own thread, as a blocking transport."""

    def __init__(self, root: Path) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._client: httpx.AsyncClient | None = None
        self._served: Future[None] = asyncio.run_coroutine_threadsafe(self._serve(root), self._loop)
        if not self._ready.wait(timeout=60):
            self._served.result(timeout=1)
            raise TimeoutError("the hub did not start")

    async def _serve(self, root: Path) -> None:
        self._stop = asyncio.Event()
        async with consensus_hub(root) as hub:
            self._client = hub.client
            self._ready.set()
            await self._stop.wait()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        content = request.read()

        async def send() -> httpx.Response:
            assert self._client is not None
            sent = self._client.build_request(
                request.method, request.url.path, params=request.url.params, content=content
            )
            sent.headers.update({k: v for k, v in request.headers.items() if k != "host"})
            answer = await self._client.send(sent)
            return httpx.Response(answer.status_code, headers=answer.headers, content=await answer.aread())

        return asyncio.run_coroutine_threadsafe(send(), self._loop).result(timeout=120)

    def stop(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._served.result(timeout=60)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServedHub]:
    served = ServedHub(tmp_path)
    monkeypatch.setattr(
        httpx.HTTPTransport, "handle_request", lambda _, request: served.handle_request(request)
    )
    try:
        yield served
    finally:
        served.stop()


PASSPORT: dict[str, str] = {}


@pytest.fixture(autouse=True)
def organiser(hub: ServedHub) -> None:
    """The organiser's passport, signed once (the hub limits sign-ins)."""
    with HubClient("http://hub", transport=hub) as client:
        PASSPORT["organiser"] = client.sign_in("eu-researcher").passport or ""


def consensus(*args: str) -> Any:
    who = ["--passport", PASSPORT["organiser"]]
    return runner.invoke(app, ["consensus", *args, "--url", "http://hub", *who], env={"COLUMNS": "250"})


def ok(*args: str) -> str:
    result = consensus(*args)
    assert result.exit_code == 0, result.output + repr(result.exception)
    return str(result.output)


def test_an_organiser_runs_a_study_from_the_command_line(hub: ServedHub, tmp_path: Path) -> None:
    created = ok(
        "new",
        *("--title-en", "Core outcomes", "--title-zh", "核心结局"),
        *("--description-en", "Which outcomes matter", "--description-zh", "哪些结局重要"),
        *("--k", "3", "--rounds", "2"),
    )
    sid = re.search(r"(st-[0-9a-f]+) draft", created).group(1)  # type: ignore[union-attr]
    assert "中国临床医生" in ok("groups", sid, "cn", "--en", "CN clinicians", "--zh", "中国临床医生")
    ok("items", sid, "--en", "Survival", "--zh", "生存", "--provenance-zh", "reviewed", "--id", "it-s")
    listed = ok("items", sid, "--en", "Pain", "--zh", "疼痛", "--id", "it-p")
    assert "生存 [reviewed]" in listed and "Pain [author]" in listed
    assert '"rule_name": "COMET"' in ok("rules", sid)
    assert '"rule_name": "PANEL_70"' in ok("rules", sid, "--rule", "panel_70")
    panel = tmp_path / "panel.csv"
    panel.write_text(
        "name,email,group,language\n"
        + "".join(f"P{n},p{n}@panel.example,cn,{'zh' if n else 'en'}\n" for n in range(3)),
        encoding="utf-8",
    )
    assert "invited 3" in ok("panel", sid, "--file", str(panel))
    assert "sha256:" in ok("lock", sid)
    refused = consensus("rules", sid, "--rule", "comet")
    assert refused.exit_code == 1 and isinstance(refused.exception, StudyLocked)
    assert "open" in ok("open", sid, "--days", "7")

    tokens = links(tmp_path)
    with HubClient("http://hub") as client:
        for n, token in enumerate(tokens.values()):
            client.answer_panel(
                token, [{"item": "it-s", "score": 9}, {"item": "it-p", "score": 2 + n}], submit=True
            )
    assert "round 1 closed: 3/3 responded" in ok("close", sid, "1")
    results = ok("results", sid)
    assert "it-s" in results and "in" in results and "no_consensus" in results
    assert "ok: sha256:" in ok("verify", sid)

    out = tmp_path / "ratings.csv"
    assert "6 ratings written" in ok("export", sid, "--out", str(out))
    text = out.read_text(encoding="utf-8")
    assert text.startswith("code,round,group,item,score") and "panel.example" not in text
    report = tmp_path / "report.html"
    ok("report", sid, "--out", str(report), "--lang", "zh")
    assert "核心结局" in report.read_text(encoding="utf-8")
    assert "Core outcomes" in ok("status", sid)
    late = consensus("remind", sid)
    assert late.exit_code == 1 and isinstance(late.exception, RoundClosed)
