"""Shared bits of the benchmarks: percentiles, peak memory, and building a synthetic node store."""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from pmbridge.ingest import ingest
from pmbridge.model import Dataset
from pmbridge.store import NodeStore
from pmbridge.synth import CohortSpec, write_cohort
from pmbridge.vocab import Hpo, load_disease_annotations, load_hpo_index, locate_data_dir

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "var" / "bench"


def percentiles(samples: list[float]) -> tuple[float, float]:
    """(p50, p95) of ``samples``."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def timed(fn: Callable[[], object], *, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def peak_rss_mb(children: bool = False) -> float:
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024


def synthetic_cohort(size: int, *, region: str = "eu-south", seed: int = 7, workers: int = 2) -> Path:
    """A cached JSON-lines cohort of ``size`` individuals."""
    path = CACHE / f"cohort-{region}-{seed}-{size}.jsonl"
    if not path.exists():
        located = locate_data_dir()
        hpo = Hpo.load(located)
        CACHE.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        write_cohort(
            CohortSpec(cohort_id=f"bench-{region}", region=region, size=size, seed=seed),
            path,
            annotations=load_disease_annotations(located),
            hpo_release=hpo.release,
            workers=workers,
        )
        print(f"generated {size:,} individuals in {time.perf_counter() - started:.1f} s ({workers} workers)")
    return path


def synthetic_store(size: int) -> Path:
    """A cached node store holding ``size`` synthetic individuals, built through the ingest path."""
    store_path = CACHE / f"node-{size}.duckdb"
    if store_path.exists():
        return store_path
    cohort = synthetic_cohort(size)
    hpo = load_hpo_index(locate_data_dir())
    tmp = store_path.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    started = time.perf_counter()
    with NodeStore.open(tmp) as store:
        report = ingest(
            [cohort],
            store=store,
            dataset=Dataset("bench", "Benchmark cohort"),
            hpo=hpo,
            quarantine_path=CACHE / "quarantine.jsonl",
        )
    tmp.rename(store_path)
    print(f"ingested {report.loaded:,} individuals in {time.perf_counter() - started:.1f} s")
    return store_path


BACKGROUND_SITES = 500_000


def with_background_variants(size: int, *, total_rows: int = 10_000_000) -> Path:
    """The ``size`` store plus population (non-causal) variants up to ``total_rows`` variant rows.

    The synthetic cohorts carry only causal variants (about 1.3 per person). Benchmarks of variant
    queries need a genome-scale table, so this adds common variants drawn, with a skewed frequency,
    from a fixed pool of sites: deterministic, built in SQL, and said to be synthetic.
    """
    import shutil

    import duckdb

    target = CACHE / f"node-{size}-variants-{total_rows}.duckdb"
    if target.exists():
        return target
    base = synthetic_store(size)
    tmp = target.with_suffix(".building")
    shutil.copyfile(base, tmp)
    con = duckdb.connect(str(tmp))
    have = con.execute("SELECT count(*) FROM variants").fetchall()[0][0]
    per_person = max(1, round((total_rows - have) / size))
    started = time.perf_counter()
    con.execute(
        f"""
        CREATE TEMP TABLE sites AS
        SELECT s AS site,
               'chr' || (1 + hash(s, 'chrom') % 22)::VARCHAR AS chromosome,
               (10000 + hash(s, 'pos') % 200000000)::BIGINT AS position,
               ['A','C','G','T'][1 + (hash(s, 'ref') % 4)::INTEGER] AS reference
        FROM range({BACKGROUND_SITES}) t(s)
        """
    )
    con.execute(
        f"""
        INSERT INTO variants (ind, assembly, chromosome, position, reference, alternate, gene, hgvs,
                              zygosity, interpretation)
        SELECT p.ind, 'GRCh38', s.chromosome, s.position, s.reference,
               CASE s.reference WHEN 'A' THEN 'G' WHEN 'G' THEN 'A' WHEN 'C' THEN 'T' ELSE 'C' END,
               NULL, [],
               CASE WHEN hash(p.ind, p.k, 'zyg') % 4 = 0 THEN 'GENO:0000136' ELSE 'GENO:0000135' END,
               'BENIGN'
        FROM (SELECT i.ind, k.k,
                     floor(pow((hash(i.ind, k.k) % 1000000) / 1000000.0, 3) * {BACKGROUND_SITES})::BIGINT
                       AS site
              FROM individuals i CROSS JOIN range({per_person}) k(k)) p
        JOIN sites s USING (site)
        """
    )
    rows = con.execute("SELECT count(*) FROM variants").fetchall()[0][0]
    con.close()
    tmp.rename(target)
    print(f"added background variants: {rows:,} variant rows in {time.perf_counter() - started:.1f} s")
    return target
