"""A first run on a machine with the project alone: ``pmbridge demo`` fetches the HPO release from a
local stand-in for GitHub, builds, starts the network, and the portal answers; Ctrl-C stops it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from pmbridge.vocab import BASE_URL_ENV_VAR, ENV_VAR, REFERENCE_FILES, DataDir, read_manifest
from tests.demo._release_server import release_folder, release_server

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

FIRST_RUN_S = 300
PROJECT_ALONE = (  # `python -m pmbridge`, as if there were no ../shared/data beside the checkout
    "import sys, pathlib, pmbridge.vocab._datadir as d; "
    "d._CHECKOUT_DATA = pathlib.Path(sys.argv.pop(1)); "
    "from pmbridge.cli import main; main()"
)


def test_the_demo_fetches_the_release_builds_and_serves_the_portal(shared_data: Path, tmp_path: Path) -> None:
    user_data = tmp_path / "home" / "share" / "pmbridge"
    env = {k: v for k, v in os.environ.items() if k != ENV_VAR}
    env["XDG_DATA_HOME"] = str(tmp_path / "home" / "share")
    out = tmp_path / "demo.out"
    with release_server(release_folder(shared_data, tmp_path / "github")) as url:
        env[BASE_URL_ENV_VAR] = url
        command = [sys.executable, "-c", PROJECT_ALONE, str(tmp_path / "no-shared" / "data")]
        command += ["demo", "--dir", str(tmp_path / "demo"), "--size", "50", "--workers", "1"]
        command += ["--hub-port", "0", "--node-port-base", "0"]
        started = time.monotonic()
        with out.open("w") as sink:
            process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=env, text=True)
        try:
            lines = _wait_for_line(process, out, "Try:", deadline=started + FIRST_RUN_S)
            seconds = time.monotonic() - started
            portal = next(line for line in lines if line.startswith("Portal:")).split()[1]
            page = httpx.get(portal, timeout=60)
            assert page.status_code == 200, page.text[:500]
            assert "text/html" in page.headers["content-type"]
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=60)
    print(f"first run with the local release server: {seconds:.1f} s")
    summary = lines[lines.index(next(line for line in lines if line.startswith("Portal:"))) :]
    assert summary[0] == f"Portal: {portal}  (open it in a browser)"
    assert summary[1].startswith("API:")
    assert any("downloading the HPO 2025-01-16 release" in line and url in line for line in lines)
    assert DataDir(user_data, "user").missing() == ()
    manifest = read_manifest(user_data)
    assert sorted(row.file for row in manifest) == sorted(REFERENCE_FILES)
    for row in manifest:
        if row.file.startswith("hpo/"):  # byte for byte the served release
            assert (user_data / row.file).read_bytes() == (shared_data / row.file).read_bytes()
    assert (user_data / "hpo-zh" / "hpo_zh.tsv").read_bytes() == (
        shared_data / "hpo-zh" / "hpo_zh.tsv"
    ).read_bytes()


def _wait_for_line(process: subprocess.Popen[str], out: Path, prefix: str, *, deadline: float) -> list[str]:
    while time.monotonic() < deadline:
        lines = out.read_text().splitlines()
        if any(line.startswith(prefix) for line in lines):
            return lines
        if process.poll() is not None:
            pytest.fail(f"the demo exited with {process.returncode}:\n{out.read_text()}")
        time.sleep(0.2)
    pytest.fail(f"no {prefix!r} line within {FIRST_RUN_S} s:\n{out.read_text()}")
