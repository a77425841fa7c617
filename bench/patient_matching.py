"""Patient-to-patient matching at a node: one real patient against 100,000 synthetic ones.

    .venv/bin/python -m bench.patient_matching [--size 100000] [--queries 200] [--baseline-size 10000]

The node's patients are the cached synthetic store (bench/_common.py, built through the ingest
path); the query patients are cases of phenopacket-store's development split (observed and
excluded terms, and the gene of their first variant), spread evenly over the split. Measured in
the same run:
  - build: reading the store and building the vectorised index (match ids included);
  - ours: scoring every patient, the top 10 and the band counts, as ``POST /api/match`` does;
  - baseline: ``PatientIndex`` (Resnik best-match average with per-item Python loops, the
    similarity package's first patient index) on a random subsample, scaled linearly to the
    full size; its scores are checked equal to our phenotype part on that subsample;
  - naive: ``match_score`` (the definition) patient by patient on a smaller subsample, scaled.
Prints p50 / p95 per query and the ratios.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

import duckdb

from bench._common import percentiles, synthetic_store
from bench.diagnosis_ranking import load_cases, read_cases
from pmbridge.node._matching import build_matcher
from pmbridge.node._pseudonyms import MatchIds
from pmbridge.node._release_matches import BAND_BOUNDS
from pmbridge.similarity import (
    MatchIndex,
    PatientIndex,
    PatientProfile,
    PhenotypeQuery,
    load_term_information,
    match_score,
)
from pmbridge.store import DuckDBEngine, read_profiles
from pmbridge.vocab import Hpo, locate_data_dir

ROOT = Path(__file__).resolve().parents[1]


def query_patients(hpo: Hpo, *, count: int) -> list[PhenotypeQuery]:
    dev = locate_data_dir().path / "phenopackets-dev"
    cases = read_cases(dev)
    step = max(1, len(cases) // count)
    queries = []
    for case in load_cases(cases[::step][:count], hpo=hpo).cases:
        query = case.query
        queries.append(PhenotypeQuery(query.observed, query.excluded, query.genes[:1]))
    return queries


def profiles_of(con: duckdb.DuckDBPyConnection, positions: list[int]) -> dict[str, PatientProfile]:
    """The subsample's patients as plain term sets (keyed by their position in the full index)."""
    con.execute("CREATE OR REPLACE TEMP TABLE chosen AS SELECT unnest($p) AS pos", {"p": positions})
    rows = con.execute(
        "WITH pos AS (SELECT ind, row_number() OVER (ORDER BY ind) - 1 AS pos FROM individuals) "
        "SELECT pos.pos, list(p.term) FILTER (WHERE NOT p.excluded), list(p.term) FILTER (WHERE p.excluded) "
        "FROM pos JOIN chosen USING (pos) LEFT JOIN phenotypes p USING (ind) GROUP BY pos.pos"
    ).fetchall()
    genes = dict(
        con.execute(
            "WITH pos AS (SELECT ind, row_number() OVER (ORDER BY ind) - 1 AS pos FROM individuals) "
            "SELECT pos.pos, list(DISTINCT upper(v.gene)) FROM pos JOIN chosen USING (pos) "
            "JOIN variants v USING (ind) WHERE v.gene IS NOT NULL GROUP BY pos.pos"
        ).fetchall()
    )
    return {
        str(pos): PatientProfile(frozenset(obs or ()), frozenset(exc or ()), frozenset(genes.get(pos, ())))
        for pos, obs, exc in rows
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--baseline-size", type=int, default=10_000)
    parser.add_argument("--baseline-queries", type=int, default=20)
    parser.add_argument("--naive-size", type=int, default=1_000)
    args = parser.parse_args()

    store = synthetic_store(args.size)
    hpo = Hpo.load(locate_data_dir())
    started = time.perf_counter()
    terms = load_term_information(hpo)
    terms_s = time.perf_counter() - started
    con = duckdb.connect(str(store), read_only=True)
    started = time.perf_counter()
    tables = read_profiles(DuckDBEngine(con))
    read_s = time.perf_counter() - started
    matcher = build_matcher(
        tables, vocabulary=terms.vocabulary, match_ids=MatchIds(b"b" * 32), hpo_release=hpo.release
    )
    index = matcher.index
    queries = query_patients(hpo, count=args.queries)
    print(f"{len(index):,} patients; {len(queries)} query patients from phenopackets-dev; HPO {hpo.release}")
    print(f"  HPO graph + IC of OMIM annotations (once per process): {terms_s:.2f} s")
    print(f"  index build: read store {read_s:.2f} s + build {matcher.build_seconds:.2f} s")

    def one(query: PhenotypeQuery) -> None:
        scores = index.scores(query)
        index.top(scores, limit=10)
        index.band_counts(scores, bounds=BAND_BOUNDS)

    for query in queries[:5]:  # warm-up
        one(query)
    ours = []
    for query in queries:
        began = time.perf_counter()
        one(query)
        ours.append(time.perf_counter() - began)

    rng = random.Random(7)
    sample = sorted(rng.sample(range(len(index)), min(args.baseline_size, len(index))))
    profiles = profiles_of(con, sample)
    baseline_queries = queries[:: max(1, len(queries) // args.baseline_queries)][: args.baseline_queries]
    started = time.perf_counter()
    baseline = PatientIndex({k: p.observed for k, p in profiles.items()}, graph=terms.graph, ic=terms.ic)
    baseline_build = time.perf_counter() - started
    observed_only = {k: PatientProfile(p.observed) for k, p in profiles.items()}
    small = MatchIndex.from_profiles(
        observed_only, datasets=dict.fromkeys(profiles, "bench"), vocabulary=terms.vocabulary
    )
    theirs, worst = [], 0.0
    for query in baseline_queries:
        began = time.perf_counter()
        ranked = baseline.rank(query.observed, top=10)
        theirs.append(time.perf_counter() - began)
        phenotype_only = PhenotypeQuery(query.observed)
        own = statistics.fmean(terms.ic[t] for t in dict.fromkeys(query.observed) if t in terms.graph)
        mine = dict(zip(small.ids, small.scores(phenotype_only).tolist(), strict=True))
        worst = max([worst, *(abs(mine[m.id] * own - m.score) for m in ranked)])
    scale = len(index) / len(sample)

    naive_sample = list(profiles.items())[: args.naive_size]
    naive = []
    for query in baseline_queries[:5]:
        began = time.perf_counter()
        for _, profile in naive_sample:
            match_score(query, profile, graph=terms.graph, ic=terms.ic)
        naive.append(time.perf_counter() - began)
    naive_scale = len(index) / len(naive_sample)

    (o50, o95) = percentiles(ours)
    (b50, b95) = percentiles([t * scale for t in theirs])
    n50 = statistics.median(naive) * naive_scale
    print(f"one match against {len(index):,} patients (scores, top 10, band counts):")
    print(f"  ours                    p50 {o50 * 1000:8.1f} ms  p95 {o95 * 1000:8.1f} ms")
    print(
        f"  PatientIndex (baseline) p50 {b50 * 1000:8.1f} ms  p95 {b95 * 1000:8.1f} ms  "
        f"(measured on {len(sample):,}, x{scale:g}; its build {baseline_build:.1f} s on {len(sample):,})"
    )
    print(
        f"  naive match_score loop  p50 {n50 * 1000:8.0f} ms  "
        f"(measured on {len(naive_sample):,}, x{naive_scale:g})"
    )
    print(
        f"  speed-up: {b50 / o50:.0f}x the baseline at p50, {b95 / o95:.0f}x at p95; "
        f"{n50 / o50:.0f}x the naive loop"
    )
    print(f"  baseline scores equal ours (phenotype part) to {worst:.1e}")


if __name__ == "__main__":
    main()
