"""Ingest cost against parsing the same files with ``json`` alone, measured in the same run.

    .venv/bin/python bench/ingest.py [--synthetic 100000]

For the phenopacket-store development split (4,844 files) and a synthetic JSON-lines cohort:
  - baseline: read every file / line and ``json.loads`` it;
  - ingest in-process: ``pmbridge.ingest.ingest`` into a fresh store (HPO already loaded);
  - ingest command: the whole ``pmbridge ingest`` process, start-up and HPO load included,
    with its peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._common import ROOT, peak_rss_mb, synthetic_cohort
from pmbridge.ingest import ingest
from pmbridge.model import Dataset
from pmbridge.store import NodeStore
from pmbridge.vocab import HpoIndex, load_hpo_index, locate_data_dir

DEV = ROOT.parent / "shared" / "data" / "phenopackets-dev"


def parse_with_json(path: Path) -> int:
    if path.is_dir():
        files = sorted(path.rglob("*.json"))
        for f in files:
            json.loads(f.read_bytes())
        return len(files)
    count = 0
    with path.open("rb") as handle:
        for line in handle:
            if line.strip():
                json.loads(line)
                count += 1
    return count


def ingest_in_process(path: Path, hpo: HpoIndex, folder: Path) -> float:
    store_path = folder / "inproc.duckdb"
    started = time.perf_counter()
    with NodeStore.open(store_path) as store:
        report = ingest(
            [path],
            store=store,
            dataset=Dataset("bench", "bench"),
            hpo=hpo,
            quarantine_path=folder / "q.jsonl",
        )
    assert report.quarantined == 0, report.errors[:3]
    return time.perf_counter() - started


def ingest_command(path: Path, folder: Path) -> float:
    command = [sys.executable, "-m", "pmbridge", "ingest", "--store", str(folder / "cmd.duckdb")]
    command += ["--dataset", "bench", "--quiet", str(path)]
    started = time.perf_counter()
    subprocess.run(command, check=True, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def measure(label: str, path: Path, hpo: HpoIndex) -> None:
    started = time.perf_counter()
    n = parse_with_json(path)
    baseline = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        inproc = ingest_in_process(path, hpo, Path(tmp))
        command = ingest_command(path, Path(tmp))
    print(f"{label}: {n:,} phenopackets")
    print(f"  json.loads only      {baseline:7.2f} s  ({n / baseline:,.0f}/s)")
    print(f"  ingest (in process)  {inproc:7.2f} s  ({n / inproc:,.0f}/s)  ratio {inproc / baseline:.2f}x")
    print(f"  pmbridge ingest      {command:7.2f} s  ({n / command:,.0f}/s)  ratio {command / baseline:.2f}x")
    print(f"  peak memory of the ingest command so far: {peak_rss_mb(children=True):,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--synthetic", type=int, default=100_000, help="synthetic individuals (0 to skip)")
    args = parser.parse_args()
    started = time.perf_counter()
    hpo = load_hpo_index(locate_data_dir())
    print(
        f"HPO {hpo.release} loaded in {time.perf_counter() - started:.2f} s (index; not counted in-process)"
    )
    measure("development split", DEV, hpo)
    if args.synthetic:
        measure(f"synthetic cohort ({args.synthetic:,})", synthetic_cohort(args.synthetic), hpo)


if __name__ == "__main__":
    main()
