"""The fast phenopacket validator against ``json`` parsing and the official protobuf parser.

    .venv/bin/python bench/validator.py [--repeat 3] [--data ../shared/data]

All 4,844 files of the phenopacket-store development split are read into memory first; each
stage then handles every file (results dropped per file, as a streaming ingest would) and the best
of ``--repeat`` runs is reported, as a ratio to ``json.loads`` measured in the same run:
  - json.loads, orjson.loads: parsing only;
  - parse_phenopacket: orjson + our validator (+ the duplicate-key check);
  - parse + to_patient_record: the whole ingest hot path up to the model;
  - json_format.Parse: the official parser, run once (it is the slow one).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import orjson
from google.protobuf import json_format
from phenopackets import Phenopacket

from pmbridge.ingest import parse_phenopacket, to_patient_record

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = Path(os.environ.get("PMBRIDGE_DATA_DIR", ROOT.parent / "shared" / "data"))


def best_of(stage: Callable[[bytes], object], files: list[bytes], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        for raw in files:
            stage(raw)
        runs.append(time.perf_counter() - started)
    return min(runs)


def validate(raw: bytes) -> object:
    doc, problems = parse_phenopacket(raw)
    if problems:
        raise SystemExit(f"unexpected problems: {problems[:3]}")
    return doc


def validate_and_convert(raw: bytes) -> object:
    doc, problems = parse_phenopacket(raw)
    if problems or doc is None:
        raise SystemExit(f"unexpected problems: {problems[:3]}")
    return to_patient_record(doc, dataset_id="bench")


def official(raw: bytes) -> object:
    return json_format.Parse(raw, Phenopacket())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    files = [path.read_bytes() for path in sorted((args.data / "phenopackets-dev").glob("*/*.json"))]
    megabytes = sum(map(len, files)) / 1e6
    print(f"{len(files)} files, {megabytes:.1f} MB, best of {args.repeat}")
    stages: list[tuple[str, Callable[[bytes], object], int]] = [
        ("json.loads", json.loads, args.repeat),
        ("orjson.loads", orjson.loads, args.repeat),
        ("parse_phenopacket (orjson + validator)", validate, args.repeat),
        ("parse_phenopacket + to_patient_record", validate_and_convert, args.repeat),
        ("json_format.Parse (official)", official, 1),
    ]
    baseline = 0.0
    for name, stage, repeat in stages:
        seconds = best_of(stage, files, repeat)
        baseline = baseline or seconds
        per_file = seconds / len(files) * 1e6
        print(f"{name:42s} {seconds:7.3f} s {per_file:8.1f} us/file {seconds / baseline:6.2f}x json")


if __name__ == "__main__":
    main()
