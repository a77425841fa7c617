"""Services start side by side; one that fails is named, with the end of its log."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmbridge.demo import Launch, Supervisor, summary
from pmbridge.errors import UpstreamError


def test_a_service_that_exits_while_starting_is_named_with_its_log(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    with Supervisor(tmp_path / "run") as supervisor, pytest.raises(UpstreamError) as caught:
        supervisor.start_all(
            [
                Launch("eu-rome", ["node", "serve", "--config", str(missing)]),
                Launch("eu-berlin", ["node", "serve", "--config", str(missing)]),
            ]
        )
    error = caught.value
    assert error.message.startswith(("eu-rome exited", "eu-berlin exited"))
    failed = error.message.split()[0]
    assert str(tmp_path / "run" / f"{failed}.log") in error.hint
    assert "its log ends:" in error.message and "missing.toml" in error.message
    assert supervisor.services == {}


def test_the_summary_names_the_portal_first() -> None:
    urls = {
        "eu-rome": "http://127.0.0.1:8101",
        "eu-berlin": "http://127.0.0.1:8102",
        "cn-shanghai": "http://127.0.0.1:8103",
        "hub": "http://127.0.0.1:8100",
    }
    lines = summary(urls)
    assert lines[0] == "Portal: http://127.0.0.1:8100/  (open it in a browser)"
    assert lines[1].startswith("API:    http://127.0.0.1:8100/api")
    assert [line.split()[0] for line in lines[2:6]] == ["eu-rome", "eu-berlin", "cn-shanghai", "hub"]
    assert lines[-1].startswith("Try: pmbridge query --url http://127.0.0.1:8100 ")
