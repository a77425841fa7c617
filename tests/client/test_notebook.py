"""The notebook example (docs/examples/client_notebook.py) runs against a real demo network: three
nodes and a hub as processes on 127.0.0.1 with ephemeral ports, as a researcher would run it."""

from __future__ import annotations

import runpy
from collections.abc import Iterator
from pathlib import Path

import pytest

from pmbridge.demo import DemoPaths, Supervisor, build_demo, start_network

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "examples" / "client_notebook.py"


@pytest.fixture(scope="module")
def hub_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("demo")
    build_demo(DemoPaths(root), size=300, workers=1, say=lambda _: None)
    with Supervisor(root / "run") as supervisor:
        yield start_network(supervisor, DemoPaths(root))["hub"]


def test_the_notebook_runs_against_the_demo_and_keeps_every_mark(
    hub_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PMBRIDGE_HUB_URL", hub_url)
    runpy.run_path(str(NOTEBOOK), run_name="__main__")
    out = capsys.readouterr().out
    assert "node eu-rome: up (EU" in out and "node cn-shanghai: up (CN" in out
    assert "total: " in out and "| granularity: count" in out
    assert "signed in as eu-researcher until " in out
    assert "every held-back value is null: True" in out
    assert "aggregate rows:" in out and "value, how, kind, mark" in out
    assert "1. OMIM:" in out and "matches:" in out
    assert "knowledge hits: policy:gdpr" in out
    assert "refused: PolicyRefused policy_refused rule=X5" in out
    assert "hint: " in out
