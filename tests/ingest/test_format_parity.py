"""Parity: one synthetic cohort ingested as Phenopackets, as FHIR, and as OMOP + VCF answers a fixed
battery of Beacon queries with identical counts.

The battery is built from the cohort (fixed seed) before any format is written: HPO terms with and
without descendants, diseases, genes, sex, age, variants by sequence, by range and by gene, and
combinations. Each query goes through the node's own request → store-query path.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from pmbridge.beacon import entry_type, parse_body
from pmbridge.ingest import IngestReport, VcfOptions, ingest, write_fhir, write_omop, write_vcf
from pmbridge.model import Dataset
from pmbridge.node._query import plan_query
from pmbridge.store import NodeStore
from pmbridge.synth import CohortSpec, generate_cohort
from pmbridge.vocab import Hpo, HpoIndex, load_disease_annotations, load_hpo_index, locate_data_dir

Doc = dict[str, object]
Query = tuple[str, str, dict[str, object]]  # (name, entry path, Beacon request body)
SIZE = 400
DATASET = Dataset("parity", "parity")


@pytest.fixture(scope="module")
def cohort() -> list[Doc]:
    spec = CohortSpec("parity", "eu-south", SIZE, 17)
    return list(
        generate_cohort(spec, annotations=load_disease_annotations(locate_data_dir()), hpo_release="t")
    )


@pytest.fixture(scope="module")
def hpo() -> Hpo:
    return Hpo.load(locate_data_dir())


@pytest.fixture(scope="module")
def hpo_index() -> HpoIndex:
    return load_hpo_index(locate_data_dir())


@pytest.fixture(scope="module")
def stores(
    cohort: list[Doc], hpo_index: HpoIndex, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """One store per route, each filled by `pmbridge.ingest.ingest` from files on disk."""
    root = tmp_path_factory.mktemp("parity")
    packets = root / "cohort.jsonl"
    packets.write_text("".join(json.dumps(doc) + "\n" for doc in cohort), encoding="utf-8")
    write_fhir(cohort, root / "cohort.fhir.ndjson")
    write_omop(cohort, root / "omop")
    write_vcf(cohort, root / "cohort.vcf.gz", root / "samples.tsv")
    routes: dict[str, tuple[list[Path | str], VcfOptions | None]] = {
        "phenopackets": ([packets], None),
        "fhir": ([root / "cohort.fhir.ndjson"], None),
        "omop+vcf": ([root / "omop", root / "cohort.vcf.gz"], VcfOptions(sample_sheet=root / "samples.tsv")),
    }
    paths: dict[str, Path] = {}
    for name, (inputs, vcf) in routes.items():
        path = root / f"{name}.duckdb"
        with NodeStore.open(path) as store:
            report = ingest(
                inputs,
                store=store,
                dataset=DATASET,
                hpo=hpo_index,
                quarantine_path=root / f"{name}.quarantine.jsonl",
                workers=1,
                vcf=vcf,
            )
        _assert_clean(name, report)
        paths[name] = path
    return paths


def _assert_clean(name: str, report: IngestReport) -> None:
    assert report.committed, name
    assert report.quarantined == 0, (name, [str(p) for p in report.errors][:5])
    assert report.loaded == SIZE, (name, report.loaded)


def battery(cohort: list[Doc], hpo: Hpo) -> list[Query]:
    """At least 50 queries, chosen from what the cohort holds so that most answers are not zero."""
    queries: list[Query] = []
    terms = Counter(t for doc in cohort for t in _present_terms(doc))
    for term, _ in terms.most_common(10):
        queries.append((f"hpo {term}", "individuals", _filters({"id": term})))
        queries.append(
            (f"hpo {term} exact", "individuals", _filters({"id": term, "includeDescendantTerms": False}))
        )
    for parent in ("HP:0000707", "HP:0000478", "HP:0001507", "HP:0000152", "HP:0002715"):
        queries.append((f"hpo {parent} with descendants", "individuals", _filters({"id": parent})))
    diseases = Counter(d for doc in cohort for d in _disease_terms(doc))
    for disease, _ in diseases.most_common(8):
        queries.append((f"disease {disease}", "individuals", _filters({"id": disease})))
    for code in ("NCIT:C16576", "NCIT:C20197"):
        queries.append((f"sex {code}", "individuals", _filters({"id": code})))
    for operator, years in ((">=", "18"), ("<", "18"), (">", "40"), ("<=", "5")):
        queries.append(
            (
                f"age {operator}{years}",
                "individuals",
                _filters({"id": "age", "operator": operator, "value": years}),
            )
        )
    variants = Counter(v for doc in cohort for v in _variants(doc))
    genes = Counter(gene for (*_, gene) in variants.elements())
    for gene, _ in genes.most_common(6):
        queries.append((f"gene {gene}", "individuals", _params({"geneId": gene})))
        queries.append((f"gene {gene} variants", "g_variants", _params({"geneId": gene})))
    for chrom, pos, ref, alt, _gene in list(variants)[:8]:
        params = {
            "assemblyId": "GRCh38",
            "referenceName": chrom.removeprefix("chr"),
            "start": [pos - 1],
            "referenceBases": ref,
            "alternateBases": alt,
        }
        queries.append((f"allele {chrom}:{pos}{ref}>{alt}", "individuals", _params(params)))
    for chrom, pos, *_ in list(variants)[8:14]:
        span = {"assemblyId": "GRCh38", "referenceName": chrom.removeprefix("chr"), "start": [pos - 500_000]}
        span["end"] = [pos + 500_000]
        queries.append((f"range {chrom}:{pos}±500k", "g_variants", _params(span)))
    top_term = terms.most_common(1)[0][0]
    top_gene = genes.most_common(1)[0][0]
    queries.append(("hpo+female", "individuals", _filters({"id": top_term}, {"id": "NCIT:C16576"})))
    queries.append(
        ("hpo+gene", "individuals", {**_filters({"id": top_term}), **_params({"geneId": top_gene})})
    )
    queries.append(
        (
            "male+adult",
            "individuals",
            _filters({"id": "NCIT:C20197"}, {"id": "age", "operator": ">=", "value": "18"}),
        )
    )
    return queries


def _filters(*filters: Mapping[str, object]) -> dict[str, object]:
    return {"query": {"filters": list(filters)}}


def _params(params: Mapping[str, object]) -> dict[str, object]:
    return {"query": {"requestParameters": dict(params)}}


def _present_terms(doc: Doc) -> Iterator[str]:
    for feature in doc.get("phenotypicFeatures", []):  # type: ignore[union-attr]
        if not feature.get("excluded"):
            yield feature["type"]["id"]


def _disease_terms(doc: Doc) -> Iterator[str]:
    for disease in doc.get("diseases", []):  # type: ignore[union-attr]
        yield disease["term"]["id"]


def _variants(doc: Doc) -> Iterator[tuple[str, int, str, str, str]]:
    for interpretation in doc.get("interpretations", []):  # type: ignore[union-attr]
        for genomic in interpretation["diagnosis"].get("genomicInterpretations", []):
            descriptor = genomic["variantInterpretation"]["variationDescriptor"]
            vcf = descriptor["vcfRecord"]
            gene = descriptor.get("geneContext", {}).get("symbol", "")
            yield vcf["chrom"], int(vcf["pos"]), vcf["ref"], vcf["alt"], gene


def _answers(path: Path, queries: list[Query], hpo: Hpo) -> dict[str, dict[str, int]]:
    answers: dict[str, dict[str, int]] = {}
    with NodeStore.open(path, read_only=True) as store:
        datasets = store.datasets()
        for name, entry, body in queries:
            target = entry_type(entry)
            plan = plan_query(
                parse_body(body), owner=target, target=target, entry_id=None, datasets=datasets, hpo=hpo
            )
            assert plan.query is not None, name
            answers[name] = store.count_entries(plan.query)
    return answers


def test_the_battery_is_large_and_mostly_not_empty(
    stores: dict[str, Path], cohort: list[Doc], hpo: Hpo
) -> None:
    queries = battery(cohort, hpo)
    assert len(queries) >= 50
    assert len({name for name, *_ in queries}) == len(queries)
    answers = _answers(stores["phenopackets"], queries, hpo)
    nonzero = [name for name, counts in answers.items() if sum(counts.values())]
    assert len(nonzero) >= 0.9 * len(queries), sorted(set(answers) - set(nonzero))


@pytest.mark.parametrize("route", ["fhir", "omop+vcf"])
def test_every_format_gives_the_phenopacket_answers(
    route: str, stores: dict[str, Path], cohort: list[Doc], hpo: Hpo
) -> None:
    queries = battery(cohort, hpo)
    expected = _answers(stores["phenopackets"], queries, hpo)
    got = _answers(stores[route], queries, hpo)
    differing = {name: (expected[name], got[name]) for name in expected if expected[name] != got[name]}
    assert not differing, differing


PERSON_TABLES = (
    "individuals",
    "phenotypes",
    "diseases",
    "variants",
    "biosamples",
    "vital_status",
    "measurements",
    "medical_actions",
)
ROUTE_COLUMNS = frozenset({"ind", "origin", "source"})  # the store's key and where a variant came from


def _contents(path: Path) -> dict[str, Counter[str]]:
    """Every stored row of every person table, keyed by the person's id instead of the store's key."""
    contents: dict[str, Counter[str]] = {}
    with NodeStore.open(path, read_only=True) as store:
        con = store.connection
        for table in PERSON_TABLES:
            columns = [
                row[0] for row in con.execute(f"DESCRIBE {table}").fetchall() if row[0] not in ROUTE_COLUMNS
            ]
            listed = ", ".join(f"t.{c}" for c in columns)
            sql = (
                f"SELECT {listed} FROM individuals t"
                if table == "individuals"
                else f"SELECT i.id, {listed} FROM {table} t JOIN individuals i USING (ind)"
            )
            contents[table] = Counter(repr(row) for row in con.execute(sql).fetchall())
    return contents


@pytest.mark.parametrize("route", ["fhir", "omop+vcf"])
def test_every_format_stores_the_same_people(route: str, stores: dict[str, Path]) -> None:
    """Stronger than the counts: every row of every person table, only where a variant came from aside."""
    expected, got = _contents(stores["phenopackets"]), _contents(stores[route])
    for table in PERSON_TABLES:
        missing, extra = expected[table] - got[table], got[table] - expected[table]
        assert not missing and not extra, (table, list(missing)[:3], list(extra)[:3])
    assert sum(expected["variants"].values()) > 0 and sum(expected["measurements"].values()) > 0
