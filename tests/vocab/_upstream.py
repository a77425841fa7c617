"""A local stand-in for GitHub: serves small HPO release files on 127.0.0.1 in the upstream layout.

The files are cut at test time from ../shared/data (nothing is copied into the project):
the first lines of hp.obo, phenotype.hpoa and genes_to_phenotype.txt, and a Babelon table
written back from the first rows of hpo_zh.tsv in the upstream format (header and quoting as in
obophenotype/hpo-translations babelon/hp-zh.babelon.tsv). The translations path answers with a
302 to a raw path, as github.com does.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

RELEASE = "2025-01-16"
ZH_REF = "0123456789abcdef0123456789abcdef01234567"
HPO_PREFIX = f"/obophenotype/human-phenotype-ontology/releases/download/v{RELEASE}/"
ZH_PATH = f"/obophenotype/hpo-translations/raw/{ZH_REF}/babelon/hp-zh.babelon.tsv"
RAW_ZH_PATH = f"/raw/obophenotype/hpo-translations/{ZH_REF}/babelon/hp-zh.babelon.tsv"
BABELON_HEADER = (
    "source_language\ttranslation_language\tsubject_id\tpredicate_id\t"
    "source_value\ttranslation_value\ttranslation_status"
)


def head(path: Path, lines: int) -> bytes:
    with path.open("rb") as handle:
        return b"".join(handle.readline() for _ in range(lines))


def babelon_from_hpo_zh(hpo_zh_lines: list[str]) -> str:
    """The Babelon table that ``hpo_zh.tsv`` rows were converted from (values with commas quoted)."""
    out = [BABELON_HEADER]
    for line in hpo_zh_lines[1:]:
        term_id, label_en, label_zh, _ = line.rstrip("\n").split("\t")
        source = f'"{label_en}"' if "," in label_en else label_en
        out.append(f"en\tzh\t{term_id}\trdfs:label\t{source}\t{label_zh}\tOFFICIAL")
    return "\n".join(out) + "\n"


@dataclass
class Upstream:
    """What the server serves; tests change it between requests."""

    url: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    truncate: set[str] = field(default_factory=set)
    requests: list[str] = field(default_factory=list)


def upstream_files(shared_data: Path, *, zh_rows: int = 60) -> dict[str, bytes]:
    hpo = shared_data / "hpo"
    zh_lines = (shared_data / "hpo-zh" / "hpo_zh.tsv").read_text(encoding="utf-8").splitlines(True)
    return {
        HPO_PREFIX + "hp.obo": head(hpo / "hp.obo", 400),
        HPO_PREFIX + "phenotype.hpoa": head(hpo / "phenotype.hpoa", 300),
        HPO_PREFIX + "genes_to_phenotype.txt": head(hpo / "genes_to_phenotype.txt", 300),
        RAW_ZH_PATH: babelon_from_hpo_zh(zh_lines[: zh_rows + 1]).encode("utf-8"),
    }


def serve(upstream: Upstream) -> ThreadingHTTPServer:
    """Starts a threaded server on an ephemeral loopback port; sets ``upstream.url``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            upstream.requests.append(self.path)
            if self.path == ZH_PATH:
                self.send_response(302)
                self.send_header("Location", RAW_ZH_PATH)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = upstream.files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.path in upstream.truncate:  # the connection drops halfway through the body
                self.wfile.write(body[: len(body) // 2])
                self.close_connection = True
                return
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    upstream.url = f"http://127.0.0.1:{server.server_address[1]}"
    return server
