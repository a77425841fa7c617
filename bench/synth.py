"""Benchmark of the synthetic cohort generator: individuals per second, 1 worker vs N workers.

    .venv/bin/python bench/synth.py [--size 20000] [--workers 2] [--region eu-south]

The baseline is the one-worker run in the same process; the ratio is the parallel speed-up.
It also checks that both files are byte-identical and extrapolates the time for 1,000,000.
CPU seconds (this process plus its workers) are printed too: on a shared machine the wall
clock measures the neighbours as much as the generator.
"""

from __future__ import annotations

import argparse
import hashlib
import resource
import tempfile
import time
from pathlib import Path

from pmbridge.synth import CohortSpec, term_labels, write_cohort
from pmbridge.vocab import Hpo, load_disease_annotations, locate_data_dir

TARGET = 1_000_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--region", default="eu-south")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    started = time.perf_counter()
    data_dir = locate_data_dir()
    hpo = Hpo.load(data_dir)
    annotations = load_disease_annotations(data_dir)
    labels = term_labels(hpo, annotations)
    print(f"reference data loaded in {time.perf_counter() - started:.1f} s (HPO {hpo.release})")

    spec = CohortSpec("bench", args.region, args.size, args.seed)
    results: dict[int, tuple[float, float, str, int]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for workers in sorted({1, args.workers}):
            path = Path(folder) / f"w{workers}.jsonl"
            began, cpu_began = time.perf_counter(), _cpu_seconds()
            write_cohort(
                spec,
                path,
                annotations=annotations,
                hpo_release=hpo.release,
                labels=labels,
                workers=workers,
            )
            seconds, cpu = time.perf_counter() - began, _cpu_seconds() - cpu_began
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            results[workers] = (seconds, cpu, digest, path.stat().st_size)

    base_seconds, _, base_digest, size_bytes = results[1]
    print(f"{args.size:,} individuals, region {args.region}, {size_bytes / args.size:,.0f} bytes each")
    for workers, (seconds, cpu, digest, _) in results.items():
        rate = args.size / seconds
        same = "identical" if digest == base_digest else "DIFFERENT"
        print(
            f"  workers={workers}: {seconds:6.2f} s wall, {cpu:6.2f} s CPU  {rate:9,.0f} individuals/s  "
            f"({args.size / cpu:,.0f} per CPU-second)  ratio vs 1 worker {base_seconds / seconds:4.2f}x  "
            f"output {same}  -> {TARGET:,} in ~{TARGET / rate / 60:.1f} min"
        )
    print(f"  {TARGET:,} individuals would take {TARGET * size_bytes / args.size / 1e9:.1f} GB")


def _cpu_seconds() -> float:
    mine, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + workers.ru_utime + workers.ru_stime


if __name__ == "__main__":
    main()
