"""A 3-filter count (HPO term with descendants + gene + sex) through a node's HTTP API vs raw DuckDB.

    .venv/bin/python bench/count_query.py [--size 1000000] [--repeat 50]

The node runs as a real process (uvicorn) over the store, answering unsigned requests
(``node.require_signatures = false``; bench/signing.py measures what signatures cost); the
baseline runs the same hand-written SQL directly in DuckDB in this process, on the same file, in
the same run. Prints p50 / p95 and the ratio API / raw.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import httpx
import tomli_w

from bench._common import percentiles, synthetic_store, timed
from pmbridge.signing import VerifyingKey, generate_key_pair, save_key_pair

HAND_WRITTEN = """
SELECT count(*) FROM individuals i
WHERE i.sex = 'FEMALE'
  AND i.ind IN (SELECT p.ind FROM phenotypes p JOIN hpo_closure c ON c.term = p.term
                WHERE c.ancestor = $term AND NOT p.excluded)
  AND i.ind IN (SELECT v.ind FROM variants v WHERE v.gene = $gene)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--term", default="HP:0000707", help="HPO term (descendants included)")
    args = parser.parse_args()
    store = synthetic_store(args.size)
    raw = duckdb.connect(str(store), read_only=True)
    gene = raw.execute(
        "SELECT gene FROM variants WHERE gene IS NOT NULL GROUP BY gene ORDER BY count(*) DESC LIMIT 1"
    ).fetchall()[0][0]
    params = {"term": args.term, "gene": gene}
    expected = raw.execute(HAND_WRITTEN, params).fetchall()[0][0]
    body = {
        "query": {
            "filters": [
                {"id": args.term},
                {"id": "geneId", "operator": "=", "value": gene},
                {"id": "sex", "operator": "=", "value": "FEMALE"},
            ],
            "requestedGranularity": "count",
        }
    }
    with (
        tempfile.TemporaryDirectory() as tmp,
        node_process(store, Path(tmp)) as url,
        httpx.Client() as client,
    ):
        got = client.post(f"{url}/api/individuals", json=body).json()["responseSummary"]["numTotalResults"]
        assert got == expected, (got, expected)
        timed(lambda: client.post(f"{url}/api/individuals", json=body), repeat=5)  # warm-up
        timed(lambda: raw.execute(HAND_WRITTEN, params).fetchall(), repeat=5)
        api = timed(lambda: client.post(f"{url}/api/individuals", json=body), repeat=args.repeat)
        direct = timed(lambda: raw.execute(HAND_WRITTEN, params).fetchall(), repeat=args.repeat)
    (a50, a95), (d50, d95) = percentiles(api), percentiles(direct)
    print(f"3-filter count on {args.size:,} individuals ({args.term} + {gene} + female = {expected:,}):")
    print(f"  node API   p50 {a50 * 1000:7.2f} ms  p95 {a95 * 1000:7.2f} ms")
    print(f"  raw DuckDB p50 {d50 * 1000:7.2f} ms  p95 {d95 * 1000:7.2f} ms")
    print(f"  ratio API/raw: p50 {a50 / d50:.2f}x  p95 {a95 / d95:.2f}x")


class node_process:  # noqa: N801 - used as a context manager
    """A real node process over ``store``; yields its URL.

    It signs its replies with its own key (``self.key``) and checks that requests are signed with
    ``hub_key``; without one it answers unsigned requests (``node.require_signatures = false``).
    """

    def __init__(
        self,
        store: Path,
        folder: Path,
        *,
        public: str = "count",
        node_id: str = "bench",
        hub_key: VerifyingKey | None = None,
    ) -> None:
        self.store, self.folder, self.public, self.node_id = store, folder, public, node_id
        self.key = generate_key_pair()
        self.hub_key = hub_key

    def __enter__(self) -> str:
        config = self.folder / f"{self.node_id}.toml"
        save_key_pair(self.key, directory=self.folder / "keys", name=self.node_id, overwrite=True)
        trust: dict[str, object] = {
            "private_key": f"keys/{self.node_id}.key",
            "audit_log": f"{self.node_id}-audit.jsonl",
        }
        if self.hub_key is None:
            trust["require_signatures"] = False
        else:
            trust["hub_public_key"] = self.hub_key.text
        config.write_text(
            tomli_w.dumps(
                {
                    "node": {
                        "id": self.node_id,
                        "name": "Bench",
                        "jurisdiction": "EU",
                        "country": "IT",
                        "store": str(self.store),
                        **trust,
                    },
                    "datasets": [{"id": "bench", "name": "Bench", "release": {"public": self.public}}],
                }
            )
        )
        ready = self.folder / f"{self.node_id}.ready.json"
        command = [
            sys.executable,
            "-m",
            "pmbridge",
            "node",
            "serve",
            "--config",
            str(config),
            "--ready-file",
            str(ready),
        ]
        self.process = subprocess.Popen(command)
        deadline = time.monotonic() + 120
        while not ready.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("node did not start")
            time.sleep(0.05)
        return str(json.loads(ready.read_text())["url"])

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


if __name__ == "__main__":
    main()
