"""Beacon queries through a node's HTTP API against the same hand-written SQL run directly in DuckDB.

    .venv/bin/python -m bench.beacon_queries [--repeat 50]

A 1,000,000-individual node with about 10,000,000 variant rows (bench/_common.py builds it once:
the synthetic cohort through the ingest path, plus synthetic population variants). The node runs
as a real process; the baseline runs in this process on the same file, in the same run. For each
query: p50 / p95 of both and the ratio API / raw.
  (a) individuals count with 3 filters (HPO term with descendants + gene + sex)
  (b) g_variants sequence query (one position, reference and alternate bases)
  (c) g_variants range query over 1 Mb
  (d) a record page of 10 individuals
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import httpx

from bench._common import percentiles, timed, with_background_variants
from bench.count_query import HAND_WRITTEN as COUNT_3_FILTERS
from bench.count_query import node_process

SEQUENCE_SQL = """
SELECT count(*) FROM (
  SELECT DISTINCT v.assembly, v.chromosome, v.position, v.reference, v.alternate
  FROM variants v JOIN individuals i ON i.ind = v.ind
  WHERE v.chromosome = $chrom AND v.position = $pos AND v.reference = $ref AND v.alternate = $alt)
"""
RANGE_SQL = """
SELECT count(*) FROM (
  SELECT DISTINCT v.assembly, v.chromosome, v.position, v.reference, v.alternate
  FROM variants v JOIN individuals i ON i.ind = v.ind
  WHERE v.chromosome = $chrom AND v.position <= $last
    AND v.position + length(v.reference) - 1 >= $first)
"""
PAGE_SQL = """
WITH page AS (
  SELECT i.* FROM individuals i
  WHERE i.ind IN (SELECT p.ind FROM phenotypes p JOIN hpo_closure c ON c.term = p.term
                  WHERE c.ancestor = $term AND NOT p.excluded)
  ORDER BY i.ind LIMIT 10),
features AS (SELECT p.ind, list((p.term, p.excluded, p.onset)) AS features
             FROM phenotypes p WHERE p.ind IN (SELECT ind FROM page) GROUP BY p.ind),
diagnoses AS (SELECT d.ind, list((d.term, d.label)) AS diagnoses
              FROM diseases d WHERE d.ind IN (SELECT ind FROM page) GROUP BY d.ind)
SELECT page.*, features.features, diagnoses.diagnoses
FROM page LEFT JOIN features USING (ind) LEFT JOIN diagnoses USING (ind)
"""


@dataclass(frozen=True, slots=True)
class Case:
    label: str
    path: str
    body: dict[str, object]
    sql: str
    params: dict[str, object]
    check: Callable[[dict[str, object], list[tuple[object, ...]]], bool]


def total(doc: dict[str, object], rows: list[tuple[object, ...]]) -> bool:
    summary = doc["responseSummary"]
    assert isinstance(summary, dict)
    return summary.get("numTotalResults") == rows[0][0]


def page_of_ten(doc: dict[str, object], rows: list[tuple[object, ...]]) -> bool:
    response = doc["response"]
    assert isinstance(response, dict)
    results = [r for s in response["resultSets"] for r in s["results"]]
    return len(results) == len(rows) == 10


def cases(raw: duckdb.DuckDBPyConnection, term: str) -> list[Case]:
    gene = raw.execute(
        "SELECT gene FROM variants WHERE gene IS NOT NULL GROUP BY gene ORDER BY count(*) DESC LIMIT 1"
    ).fetchall()[0][0]
    chrom, pos, ref, alt = raw.execute(
        "SELECT chromosome, position, reference, alternate FROM variants "
        "GROUP BY ALL ORDER BY count(*) DESC LIMIT 1"
    ).fetchall()[0]
    window = (pos, pos + 999_999)

    def g_variants(params: dict[str, object]) -> dict[str, object]:
        return {"query": {"requestParameters": params, "requestedGranularity": "count"}}

    return [
        Case(
            f"(a) individuals: {term} + {gene} + female",
            "/api/individuals",
            {
                "query": {
                    "filters": [
                        {"id": term},
                        {"id": "geneId", "operator": "=", "value": gene},
                        {"id": "sex", "operator": "=", "value": "FEMALE"},
                    ],
                    "requestedGranularity": "count",
                }
            },
            COUNT_3_FILTERS,
            {"term": term, "gene": gene},
            total,
        ),
        Case(
            f"(b) g_variants sequence {chrom}:{pos} {ref}>{alt}",
            "/api/g_variants",
            g_variants(
                {
                    "assemblyId": "GRCh38",
                    "referenceName": chrom,
                    "start": [pos - 1],  # Beacon is 0-based
                    "referenceBases": ref,
                    "alternateBases": alt,
                }
            ),
            SEQUENCE_SQL,
            {"chrom": chrom, "pos": pos, "ref": ref, "alt": alt},
            total,
        ),
        Case(
            f"(c) g_variants range {chrom}:{window[0]}-{window[1]} (1 Mb)",
            "/api/g_variants",
            g_variants(
                {"assemblyId": "GRCh38", "referenceName": chrom, "start": [window[0] - 1], "end": [window[1]]}
            ),
            RANGE_SQL,
            {"chrom": chrom, "first": window[0], "last": window[1]},
            total,
        ),
        Case(
            f"(d) record page of 10 individuals with {term}",
            "/api/individuals",
            {
                "query": {
                    "filters": [{"id": term}],
                    "requestedGranularity": "record",
                    "pagination": {"skip": 0, "limit": 10},
                }
            },
            PAGE_SQL,
            {"term": term},
            page_of_ten,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--variants", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--term", default="HP:0000707")
    args = parser.parse_args()
    store = with_background_variants(args.size, total_rows=args.variants)
    raw = duckdb.connect(str(store), read_only=True)
    rows = raw.execute(
        "SELECT (SELECT count(*) FROM individuals), (SELECT count(*) FROM variants)"
    ).fetchall()[0]
    print(f"node: {rows[0]:,} individuals, {rows[1]:,} variant rows")
    with (
        tempfile.TemporaryDirectory() as tmp,
        node_process(store, Path(tmp), public="record") as url,
        httpx.Client(timeout=60) as client,
    ):
        for case in cases(raw, args.term):
            api_call = lambda case=case: client.post(url + case.path, json=case.body)  # noqa: E731
            sql_call = lambda case=case: raw.execute(case.sql, case.params).fetchall()  # noqa: E731
            reply = api_call()
            assert reply.status_code == 200, reply.text
            assert case.check(reply.json(), sql_call()), f"API and SQL disagree on {case.label}"
            timed(api_call, repeat=3)
            timed(sql_call, repeat=3)
            (a50, a95), (d50, d95) = (
                percentiles(timed(api_call, repeat=args.repeat)),
                percentiles(timed(sql_call, repeat=args.repeat)),
            )
            print(case.label)
            print(f"  node API   p50 {a50 * 1000:8.2f} ms  p95 {a95 * 1000:8.2f} ms")
            print(f"  raw DuckDB p50 {d50 * 1000:8.2f} ms  p95 {d95 * 1000:8.2f} ms")
            print(f"  ratio API/raw: p50 {a50 / d50:.2f}x  p95 {a95 / d95:.2f}x")


if __name__ == "__main__":
    main()
