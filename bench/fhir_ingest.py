"""FHIR read + map against bare ``json.loads`` of the same Bundles, and what ``fhir.resources``
R4B validation would add, measured in the same run.

    .venv/bin/python -m bench.fhir_ingest [--size 20000] [--validate-sample 2000] [--no-ingest]

For a synthetic cohort written as FHIR (``write_fhir``: one collection Bundle a person, NDJSON):
  - baseline: read every line and ``json.loads`` it;
  - read + map: ``read_fhir`` (parse, resolve references, group by patient, map to a Phenopacket
    v2 document and serialise it) — what ingest adds before its phenopacket checks;
  - R4B validation: ``fhir.resources.R4B`` ``Bundle.model_validate`` of the parsed Bundle, on a
    sample, scaled to the cohort;
  - ingest: the whole in-process ``ingest`` of the FHIR file against the same cohort as
    phenopacket JSON lines (HPO already loaded).
Then the same three parse measures over the published IPS and Genomics Reporting example Bundles.
"""

from __future__ import annotations

import argparse
import itertools
import json
import tempfile
import time
from pathlib import Path

from fhir.resources.R4B.bundle import Bundle

from bench._common import CACHE, ROOT, synthetic_cohort
from pmbridge.ingest import ingest
from pmbridge.ingest._fhir_export import write_fhir
from pmbridge.ingest._fhir_source import read_fhir
from pmbridge.model import Dataset
from pmbridge.store import NodeStore
from pmbridge.vocab import load_hpo_index, locate_data_dir

EXAMPLES = ROOT.parent / "shared" / "data" / "examples" / "fhir"


def fhir_cohort(size: int) -> tuple[Path, Path]:
    """The cached phenopacket cohort and its FHIR NDJSON (written once)."""
    lines = synthetic_cohort(size)
    out = CACHE / f"{lines.stem}.fhir.ndjson"
    if not out.exists():
        started = time.perf_counter()
        with lines.open("rb") as handle:
            write_fhir((json.loads(line) for line in handle), out)
        print(f"wrote {out.name} in {time.perf_counter() - started:.1f} s")
    return lines, out


def json_only(path: Path) -> tuple[int, float]:
    started = time.perf_counter()
    count = 0
    with path.open("rb") as handle:
        for line in handle:
            json.loads(line)
            count += 1
    return count, time.perf_counter() - started


def read_and_map(path: Path) -> tuple[int, int, float]:
    started = time.perf_counter()
    count = notes = 0
    for item, _ in read_fhir(str(path)):
        count += 1
        notes += len(item.notes)
    return count, notes, time.perf_counter() - started


def r4b(path: Path, sample: int) -> tuple[int, int, float]:
    """(Bundles, resources, seconds) of R4B validation of the first ``sample`` lines, parse excluded."""
    with path.open("rb") as handle:
        bundles = [json.loads(line) for line in itertools.islice(handle, sample)]
    resources = sum(len(b["entry"]) for b in bundles)
    started = time.perf_counter()
    for bundle in bundles:
        Bundle.model_validate(bundle)
    return len(bundles), resources, time.perf_counter() - started


def ingest_seconds(path: Path, folder: Path, name: str) -> float:
    hpo = load_hpo_index(locate_data_dir())
    started = time.perf_counter()
    with NodeStore.open(folder / f"{name}.duckdb") as store:
        report = ingest(
            [path],
            store=store,
            dataset=Dataset("bench", "bench"),
            hpo=hpo,
            quarantine_path=folder / "q.jsonl",
        )
    assert report.quarantined == 0, report.errors[:3]
    return time.perf_counter() - started


def cohort(size: int, sample: int, with_ingest: bool) -> None:
    lines, path = fhir_cohort(size)
    n, baseline = json_only(path)
    mapped, notes, ours = read_and_map(path)
    assert mapped == n, (mapped, n)
    assert notes == 0, notes
    k, resources, validation = r4b(path, min(sample, n))
    scaled = validation * n / k
    megabytes = path.stat().st_size / 1e6
    shape = f"{megabytes:,.0f} MB of NDJSON, {resources / k:.1f} resources a Bundle"
    print(f"synthetic cohort: {n:,} persons, one Bundle each ({shape})")
    print(f"  json.loads only        {baseline:7.2f} s  ({n / baseline:,.0f}/s)")
    print(f"  read_fhir (map)        {ours:7.2f} s  ({n / ours:,.0f}/s)  ratio {ours / baseline:.2f}x")
    print(
        f"  + R4B validation       {scaled:7.2f} s  ({n / scaled:,.0f}/s)  ratio {scaled / baseline:.2f}x "
        f"(measured on {k:,} Bundles: {1e6 * validation / resources:,.0f} µs a resource)"
    )
    if with_ingest:
        with tempfile.TemporaryDirectory() as tmp:
            as_pp = ingest_seconds(lines, Path(tmp), "pp")
            as_fhir = ingest_seconds(path, Path(tmp), "fhir")
        print(f"  ingest, phenopackets   {as_pp:7.2f} s  ({n / as_pp:,.0f}/s)")
        print(
            f"  ingest, FHIR           {as_fhir:7.2f} s  ({n / as_fhir:,.0f}/s)  ratio {as_fhir / as_pp:.2f}x"
        )


def examples(repeat: int) -> None:
    files = sorted(EXAMPLES.glob("*/Bundle-*.json"))
    raw = [f.read_bytes() for f in files]
    timings = []
    for work in (
        lambda: [json.loads(r) for r in raw],
        lambda: [list(read_fhir(str(f))) for f in files],
        lambda: [Bundle.model_validate(json.loads(r)) for r in raw],
    ):
        started = time.perf_counter()
        for _ in range(repeat):
            work()
        timings.append((time.perf_counter() - started) / repeat)
    base, ours, checked = timings
    print(f"published example Bundles ({len(files)}, IPS + Genomics Reporting + R4 core), per pass:")
    print(f"  json.loads only        {1e3 * base:7.2f} ms")
    print(f"  read_fhir (map)        {1e3 * ours:7.2f} ms  ratio {ours / base:.2f}x")
    print(f"  R4B parse + validate   {1e3 * checked:7.2f} ms  ratio {checked / base:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=20_000, help="synthetic persons")
    parser.add_argument("--validate-sample", type=int, default=2_000, help="Bundles validated with R4B")
    parser.add_argument("--no-ingest", action="store_true", help="skip the whole-ingest comparison")
    args = parser.parse_args()
    cohort(args.size, args.validate_sample, not args.no_ingest)
    examples(repeat=50)


if __name__ == "__main__":
    main()
