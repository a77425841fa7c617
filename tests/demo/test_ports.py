"""The demo checks its ports before it builds anything, and names the taken one and the fix."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pmbridge.demo import _run as demo_run
from pmbridge.demo import check_demo_ports, run_demo
from pmbridge.errors import ConfigError


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port that a server listens on, as an earlier demo would."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


def test_a_taken_hub_port_is_named_with_the_options_that_move_it(taken_port: int) -> None:
    with pytest.raises(ConfigError) as caught:
        check_demo_ports(hub_port=taken_port, node_ports=())
    assert f"port {taken_port}" in caught.value.message
    assert "--hub-port" in caught.value.message
    assert "--hub-port" in caught.value.hint and "--node-port-base" in caught.value.hint


def test_a_taken_node_port_names_the_node(taken_port: int) -> None:
    with pytest.raises(ConfigError, match=rf"port {taken_port} .*eu-berlin \(--node-port-base\)"):
        check_demo_ports(hub_port=0, node_ports=(0, taken_port, 0))


def test_port_zero_is_any_free_port_and_is_never_refused() -> None:
    check_demo_ports(hub_port=0, node_ports=(0, 0, 0))


def test_a_port_wanted_twice_is_refused() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ConfigError, match=f"port {port} is wanted by both the hub and eu-rome"):
        check_demo_ports(hub_port=port, node_ports=(port + 0,))


def test_the_demo_stops_before_fetching_or_building_anything(
    taken_port: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def must_not_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("reference data or build reached with a taken port")

    monkeypatch.setattr(demo_run, "ensure_reference_data", must_not_run)
    monkeypatch.setattr(demo_run, "build_demo", must_not_run)
    with pytest.raises(ConfigError, match=str(taken_port)):
        run_demo(tmp_path / "demo", size=10, workers=1, hub_port=taken_port, node_ports=(), say=print)
    assert not (tmp_path / "demo").exists()


def test_the_command_prints_the_error_and_its_fix(taken_port: int, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "pmbridge", "demo", "--dir", str(tmp_path / "demo")]
    command += ["--hub-port", "0", "--node-port-base", str(taken_port)]
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert f"port {taken_port}" in done.stderr and "eu-rome" in done.stderr
    assert "--node-port-base" in done.stderr
    assert not (tmp_path / "demo").exists()
