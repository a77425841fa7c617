"""A stand-in for GitHub's HPO release downloads: ``http.server`` on 127.0.0.1 (ephemeral port)
serving a folder laid out as github.com serves the default release and the Chinese labels.

The folder is made in the test's tmp_path from ../shared/data: either whole copies (the demo builds
on them) or the first lines (enough to test the fetch); the Babelon table is written back from
``hpo_zh.tsv`` in the upstream format. Nothing is written into the project.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from pmbridge.vocab import DEFAULT_RELEASE
from pmbridge.vocab._fetch import DEFAULT_ZH_REF, HPO_FILES, hpo_url, zh_url
from tests.vocab._upstream import babelon_from_hpo_zh, head


def release_folder(shared_data: Path, root: Path, *, lines: int | None = None) -> Path:
    """``root`` filled with the default release's files at GitHub's paths (``lines``: cut to them)."""
    for name in HPO_FILES:
        target = root / urlsplit(hpo_url("http://x", DEFAULT_RELEASE, name)).path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        source = shared_data / "hpo" / name
        if lines is None:
            shutil.copyfile(source, target)
        else:
            target.write_bytes(head(source, lines))
    zh_rows = (shared_data / "hpo-zh" / "hpo_zh.tsv").read_text(encoding="utf-8").splitlines(True)
    target = root / urlsplit(zh_url("http://x", DEFAULT_ZH_REF)).path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(babelon_from_hpo_zh(zh_rows if lines is None else zh_rows[:lines]), encoding="utf-8")
    return root


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def release_server(folder: Path) -> Iterator[str]:
    """Serves ``folder``; yields its base URL (what ``PMBRIDGE_REFERENCE_URL`` names)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(folder)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
