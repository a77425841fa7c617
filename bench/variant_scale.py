"""A node's variant queries as the table grows: 10⁷, 10⁸, 10⁹ variant rows over 10⁶ individuals.

    .venv/bin/python -m bench.variant_scale --rows 10000000 [--rows 100000000 …] [--lake] [--repeat 100]

Builds (once, cached in var/bench/) a node store in SQL: 10⁶ individuals, 4 HPO terms each drawn
from the real HPO (so ``phenotype_ancestors`` has the real closure), and ``--rows`` variant rows:
sites spread evenly over 22 chromosomes of 150 Mb (8 carriers per site, genes as 50 kb blocks),
written in position order as a VCF ingest would leave them. Synthetic, and said so: what it
measures is how the store's queries scale, not a population's genetics.

For each size and query kind, ``--repeat`` different queries (none repeated, so no answer is
remembered) through :class:`NodeStore` — the node's own path: the compiler, ``gene_loci``, the
members the disclosure guard needs — and the same questions as minimal hand-written SQL run by
raw DuckDB on the same data (the baseline, same run). Kinds:
  point   one allele (assembly, chromosome, position, ref, alt), a g_variants count
  range   variants overlapping a 1 Mb window, a g_variants count
  cohort  individuals with an HPO term (or a descendant) and a call in a gene, an individuals count
With ``--lake`` the store is also published to a lake (Delta/Parquet) and read by DuckDB over it.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from bench._common import CACHE, percentiles
from pmbridge.model import Dataset, GeneFilter, PhenotypeFilter
from pmbridge.store import EntryQuery, NodeStore, VariantQuery
from pmbridge.store._closure import PHENOTYPE_ANCESTORS
from pmbridge.store._gene_loci import FILL_GENE_LOCI
from pmbridge.vocab import load_hpo_index, locate_data_dir

PEOPLE = 1_000_000
CHROMOSOMES = 22
CHROMOSOME_LENGTH = 150_000_000
CARRIERS = 8
GENE_BLOCK = 50_000
SCRAMBLE = 2_654_435_761
"""Gene names are scrambled along the chromosome, as real symbols are (BRCA2 lies between genes named
anything): a row group's min/max of names then spans most of the alphabet and a filter on the name
alone prunes nothing, which is what ``gene_loci`` is for."""
DATA = "v2"
"""Bumped when the generated data change (v1 named genes in position order, which let a gene-only
filter prune by the names' min/max and so flattered the baseline)."""
TERMS_EACH = 4
TERM_POOL = 3_000

POINT_SQL = """SELECT count(*) FROM (SELECT DISTINCT v.position, v.reference, v.alternate FROM variants v
 WHERE v.assembly = $a AND v.chromosome = $c AND v.position = $p AND v.reference = $r AND v.alternate = $t)"""
RANGE_SQL = """SELECT count(*) FROM (SELECT DISTINCT v.position, v.reference, v.alternate FROM variants v
 WHERE v.assembly = $a AND v.chromosome = $c AND v.position BETWEEN $first AND $last)"""
COHORT_SQL = """SELECT count(*) FROM individuals i
 WHERE i.ind IN (SELECT ind FROM phenotype_ancestors WHERE ancestor = $term)
   AND i.ind IN (SELECT ind FROM variants WHERE gene = $gene
                 AND chromosome = $c AND position BETWEEN $first AND $last)"""
"""The baseline names the gene's locus by hand, as an expert user of raw DuckDB would; the store finds
it in ``gene_loci``. ``cohort-gene-only`` shows the same baseline without the locus (a full scan)."""
GENE_ONLY_SQL = """SELECT count(*) FROM individuals i
 WHERE i.ind IN (SELECT ind FROM phenotype_ancestors WHERE ancestor = $term)
   AND i.ind IN (SELECT ind FROM variants WHERE gene = $gene)"""


def build_store(rows: int) -> Path:
    """The cached store with ``rows`` variant rows (built in SQL; minutes at 10⁹)."""
    path = CACHE / f"scale-{DATA}-{rows}.duckdb"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    started = time.perf_counter()
    hpo = load_hpo_index(locate_data_dir())
    with NodeStore.open(tmp) as store:
        with store.transaction():
            store.put_datasets([Dataset("biobank", "Synthetic biobank (bench)")])
        store.sync_closure(hpo.closure, release=hpo.release)
        con = store.connection
        con.execute(
            "CREATE TEMP TABLE pool AS SELECT row_number() OVER (ORDER BY hash(term)) - 1 AS k, term FROM "
            "(SELECT DISTINCT term FROM hpo_closure WHERE ancestor = 'HP:0000118' AND term <> ancestor) "
            f"ORDER BY hash(term) LIMIT {TERM_POOL}"
        )
        con.execute(
            "INSERT INTO individuals SELECT r + 1, 'p' || r, 'biobank', "
            "CASE WHEN hash(r, 'sex') % 2 = 0 THEN 'FEMALE' ELSE 'MALE' END, "
            f"(hash(r, 'age') % 90)::DOUBLE, NULL, 'IT' FROM range({PEOPLE}) t(r)"
        )
        # Skewed term frequency: a few terms are common, most rare (as in real cohorts).
        con.execute(
            "INSERT INTO phenotypes SELECT r + 1, p.term, FALSE, NULL FROM range("
            f"{PEOPLE}) t(r) CROSS JOIN range({TERMS_EACH}) e(e) JOIN pool p ON p.k = "
            f"floor(pow((hash(r, e) % 1000000) / 1000000.0, 3) * {TERM_POOL})::BIGINT"
        )
        con.execute(PHENOTYPE_ANCESTORS.format(where=""))
        sites = rows // CARRIERS
        per_chromosome = -(-sites // CHROMOSOMES)
        spacing = max(1, CHROMOSOME_LENGTH // per_chromosome)
        print(f"  {rows:,} variant rows: {sites:,} sites, one every {spacing:,} bp", flush=True)
        position = f"10000 + (s % {per_chromosome}) * {spacing} + hash(s, 'j') % {spacing}"
        con.execute("SET preserve_insertion_order = true")
        con.execute(
            f"""INSERT INTO variants
            SELECT 1 + hash(r, 'ind') % {PEOPLE}, 'GRCh38', chromosome, position, reference,
                   CASE reference WHEN 'A' THEN 'G' WHEN 'G' THEN 'A' WHEN 'C' THEN 'T' ELSE 'C' END,
                   {gene_name("chromosome", f"position // {GENE_BLOCK}")}, [],
                   CASE WHEN hash(r, 'zyg') % 5 = 0 THEN 'GENO:0000136' ELSE 'GENO:0000135' END,
                   'BENIGN', 'vcf', 'bench'
            FROM (SELECT r, (1 + s // {per_chromosome})::VARCHAR AS chromosome,
                         ({position})::BIGINT AS position,
                         ['A','C','G','T'][1 + (hash(s, 'ref') % 4)::INTEGER] AS reference
                  FROM (SELECT r, r // {CARRIERS} AS s FROM range({rows}) t(r)))"""
        )
        con.execute("DELETE FROM gene_loci")
        con.execute(FILL_GENE_LOCI)
        con.execute("CHECKPOINT")
    tmp.rename(path)
    print(f"  built {path.name} in {time.perf_counter() - started:.0f} s", flush=True)
    return path


def gene_name(chromosome: str, block: str) -> str:
    """SQL naming the gene of ``block`` on ``chromosome``, as :func:`kinds` names it in Python."""
    return f"'G' || {chromosome} || '-' || lpad((({block}) * {SCRAMBLE} % 4294967296)::VARCHAR, 10, '0')"


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    sql: str
    draw: Callable[[random.Random], tuple[EntryQuery, dict[str, object]]]


def kinds(raw: duckdb.DuckDBPyConnection, rows: int) -> list[Kind]:
    """The three query kinds, each drawing its parameters at random from what the store holds."""
    sites = rows // CARRIERS
    per_chromosome = -(-sites // CHROMOSOMES)
    spacing = max(1, CHROMOSOME_LENGTH // per_chromosome)
    terms = [
        str(t)
        for (t,) in raw.execute(
            "SELECT ancestor FROM phenotype_ancestors GROUP BY ancestor "
            f"HAVING count(*) BETWEEN {PEOPLE // 100} AND {PEOPLE // 5} ORDER BY ancestor"
        ).fetchall()
    ]

    def site(rng: random.Random) -> tuple[str, int]:
        s = rng.randrange(sites)
        return str(1 + s // per_chromosome), 10000 + (s % per_chromosome) * spacing

    def point(rng: random.Random) -> tuple[EntryQuery, dict[str, object]]:
        chromosome, start = site(rng)
        found = raw.execute(
            "SELECT position, reference, alternate FROM variants WHERE assembly = 'GRCh38' AND "
            "chromosome = ? AND position BETWEEN ? AND ? LIMIT 1",
            [chromosome, start, start + spacing],
        ).fetchall()
        position, reference, alternate = found[0] if found else (start, "A", "G")
        variant = VariantQuery(
            ("GRCh38",), (chromosome,), position=position, reference=reference, alternate=alternate
        )
        params = {"a": "GRCh38", "c": chromosome, "p": position, "r": reference, "t": alternate}
        return EntryQuery("g_variants", variant=variant), params

    def window(rng: random.Random) -> tuple[EntryQuery, dict[str, object]]:
        chromosome, start = site(rng)
        first, last = start, start + 999_999
        variant = VariantQuery(("GRCh38",), (chromosome,), starts=(first, last))
        return EntryQuery("g_variants", variant=variant), {
            "a": "GRCh38",
            "c": chromosome,
            "first": first,
            "last": last,
        }

    def cohort(rng: random.Random) -> tuple[EntryQuery, dict[str, object]]:
        chromosome, start = site(rng)
        block = start // GENE_BLOCK
        gene = f"G{chromosome}-{block * SCRAMBLE % 2**32:010d}"
        term = rng.choice(terms)
        query = EntryQuery("individuals", filters=(PhenotypeFilter(term), GeneFilter(gene)))
        locus = {"c": chromosome, "first": block * GENE_BLOCK, "last": (block + 1) * GENE_BLOCK - 1}
        return query, {"term": term, "gene": gene, **locus}

    def gene_only(rng: random.Random) -> tuple[EntryQuery, dict[str, object]]:
        query, params = cohort(rng)
        return query, {"term": params["term"], "gene": params["gene"]}

    return [
        Kind("point", POINT_SQL, point),
        Kind("range", RANGE_SQL, window),
        Kind("cohort", COHORT_SQL, cohort),
        Kind("cohort-gene-only", GENE_ONLY_SQL, gene_only),
    ]


def measure(store: NodeStore, raw: duckdb.DuckDBPyConnection, kind: Kind, *, repeat: int, seed: int) -> str:
    rng = random.Random(seed)
    drawn = [kind.draw(rng) for _ in range(repeat + 5)]
    for query, params in drawn[:5]:  # warm the caches of both (file pages, Parquet footers)
        store.counted(query, members=True)
        raw.execute(kind.sql, params).fetchall()
    ours: list[float] = []
    theirs: list[float] = []
    for query, params in drawn[5:]:
        started = time.perf_counter()
        answer = store.counted(query, members=True)
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        expected = raw.execute(kind.sql, params).fetchall()[0][0]
        theirs.append(time.perf_counter() - started)
        got = sum(answer.counts.values())
        if got != expected:
            raise SystemExit(f"{kind.name}: the store counted {got}, raw DuckDB {expected} for {params}")
    p50, p95 = percentiles(ours)
    b50, b95 = percentiles(theirs)
    return (
        f"  {kind.name:<16} store p50 {p50 * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms | raw DuckDB p50 "
        f"{b50 * 1000:7.1f} ms  p95 {b95 * 1000:7.1f} ms | ratio p95 {p95 / b95:5.2f}"
    )


def run(rows: int, *, repeat: int, lake: bool) -> None:
    path = build_store(rows)
    print(
        f"{rows:,} variant rows, {PEOPLE:,} individuals ({path.stat().st_size / 2**30:.1f} GiB file)",
        flush=True,
    )
    with NodeStore.open(path, read_only=True) as store:
        raw = duckdb.connect(str(path), read_only=True)
        for seed, kind in enumerate(kinds(raw, rows)):
            times = min(repeat, 10) if kind.name == "cohort-gene-only" else repeat
            print(measure(store, raw, kind, repeat=times, seed=seed), flush=True)
        raw.close()
    if lake:
        run_lake(path, rows, repeat=repeat)


def run_lake(path: Path, rows: int, *, repeat: int) -> None:
    from pmbridge.store import open_lake, publish  # type: ignore[attr-defined]

    target = CACHE / f"scale-{DATA}-{rows}.lake"
    if not (target / "_snapshot.json").exists():
        started = time.perf_counter()
        with NodeStore.open(path, read_only=True) as store:
            publish(store, target)
        print(f"  published the lake in {time.perf_counter() - started:.0f} s", flush=True)
    size = sum(f.stat().st_size for f in target.rglob("*.parquet")) / 2**30
    print(f"the same over the lake ({size:.1f} GiB of Parquet), DuckDB in process", flush=True)
    with open_lake(target) as store:
        raw = store.connection  # the lake's own views: the baseline reads the same Parquet files
        for seed, kind in enumerate(kinds(raw, rows)):
            times = min(repeat, 10) if kind.name == "cohort-gene-only" else repeat
            print(measure(store, raw, kind, repeat=times, seed=seed), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, action="append", help="variant rows (repeatable)")
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--lake", action="store_true", help="also publish to a lake and query it")
    parser.add_argument(
        "--build-only", action="store_true", help="build (and cache) the stores, measure nothing"
    )
    args = parser.parse_args()
    for rows in args.rows or [10_000_000]:
        if args.build_only:
            build_store(rows)
        else:
            run(rows, repeat=args.repeat, lake=args.lake)


if __name__ == "__main__":
    main()
