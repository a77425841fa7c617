"""Ingest and serve at once: a writer appends batches to a lake while eight readers query it; no
reader errs, and every count a reader sees is a sum of whole batches, in both tables at once."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

import pyarrow as pa
import pytest

from pmbridge.model import Dataset, Individual, PatientRecord, Sex
from pmbridge.store import ALLELE_COUNTS, SCHEMAS, CompiledQuery, EntryQuery, NodeStore, VariantQuery
from pmbridge.store._lake_read import open_lake
from pmbridge.store._lake_write import append, publish

SECONDS = 10.0
READERS = 8
PEOPLE = 20
TORN = EntryQuery("g_variants", variant=VariantQuery(chromosomes=("chrT",)))
PER_BATCH = (
    "SELECT v.source, v.n, a.n FROM "
    "(SELECT source, count(*) AS n FROM variants WHERE chromosome = 'chrT' GROUP BY source) v "
    "FULL JOIN (SELECT source, count(*) AS n FROM allele_counts GROUP BY source) a USING (source)"
)


def size(k: int) -> int:
    """Rows of batch ``k``: uneven, so a partial batch cannot pass for a whole one."""
    return 1 + (k * 37) % 53


WHOLE = set(itertools.accumulate((size(k) for k in range(100_000)), initial=0))
"""Every count a reader may see: the rows of batches 0..k, for some k."""


def batch(k: int, first: int) -> dict[str, pa.Table]:
    n = size(k)
    source = [f"batch-{k}-{n}"] * n
    positions = list(range(first, first + n))
    variants = {
        "ind": [1 + (first + j) % PEOPLE for j in range(n)],
        "assembly": ["GRCh38"] * n,
        "chromosome": ["chrT"] * n,
        "position": positions,
        "reference": ["A"] * n,
        "alternate": ["C"] * n,
        "gene": ["TORN"] * n,
        "hgvs": [[] for _ in range(n)],
        "zygosity": ["heterozygous"] * n,
        "interpretation": ["unknown"] * n,
        "origin": ["vcf"] * n,
        "source": source,
    }
    counts = {
        "dataset_id": ["ds1"] * n,
        "source": source,
        "assembly": ["GRCh38"] * n,
        "chromosome": ["chrT"] * n,
        "position": positions,
        "reference": ["A"] * n,
        "alternate": ["C"] * n,
        "ac": [1] * n,
        "an": [2 * PEOPLE] * n,
        "af": [0.5 / PEOPLE] * n,
        "hom": [0] * n,
        "hemi": [0] * n,
    }
    return {
        "variants": pa.table(variants, schema=SCHEMAS["variants"]),
        "allele_counts": pa.table(counts, schema=ALLELE_COUNTS),
    }


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    with NodeStore.open(tmp_path / "node.duckdb") as store:
        with store.transaction():
            store.put_datasets([Dataset("ds1", "One")])
            store.write_records(
                [PatientRecord(Individual(id=f"p{i}", sex=Sex.MALE), dataset_id="ds1") for i in range(PEOPLE)]
            )
        publish(store, tmp_path / "lake")
    return tmp_path / "lake"


def test_a_writer_and_eight_readers_see_only_whole_batches(lake: Path) -> None:
    store = open_lake(lake)
    stop = threading.Event()
    errors: list[BaseException] = []
    torn: list[object] = []
    seen: set[int] = set()
    written = [0]

    def write() -> None:
        first = 1
        try:
            for k in itertools.count():
                if stop.is_set():
                    return
                append(lake, batch(k, first))
                first += size(k)
                written[0] = k + 1
        except BaseException as exc:
            errors.append(exc)

    def read() -> None:
        try:
            while not stop.is_set():
                count = store.count_entries(TORN).get("ds1", 0)
                seen.add(count)
                if count not in WHOLE:
                    torn.append(("count", count))
                for source, variants, counts in store.engine.rows(CompiledQuery(PER_BATCH, ())):
                    whole = int(str(source).rsplit("-", 1)[1])
                    if variants != whole or counts != whole:
                        torn.append((source, variants, counts))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write), *(threading.Thread(target=read) for _ in range(READERS))]
    for thread in threads:
        thread.start()
    time.sleep(SECONDS)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert torn == []
    assert written[0] >= 3 and len(seen) >= 3  # the readers watched the lake grow
    final = sum(size(k) for k in range(written[0]))
    assert store.count_entries(TORN) == {"ds1": final}
    store.close()
