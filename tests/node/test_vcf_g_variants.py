"""Variants that came from real VCFs are served as Beacon genomicVariations that validate, every one.

The example VCFs (a 189-sample GATK cohort on b37, an hg19 trio with missing and haploid calls,
snpEff-annotated samples) are ingested for individuals made from their sample names, then every
g_variants record the node gives is checked against the Beacon v2 default-model schema.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from pathlib import Path

import cyvcf2
import httpx
import orjson
import pytest

from pmbridge.ingest import VcfOptions, ingest
from pmbridge.model import Dataset
from pmbridge.node import create_node_app, open_node, parse_node_config
from pmbridge.store import NodeStore
from pmbridge.vocab import load_hpo_index, locate_data_dir
from tests.node.test_entries import post, query, results, valid
from tests.release import exact_release
from tests.trust import as_hub, trusted

pytestmark = pytest.mark.anyio
EXAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "examples" / "vcf"
VCFS = {"test.vcf.gz": "GRCh37", "o.vcf.gz": "hg19", "test.snpeff.vcf": "hg19"}
CONFIG = exact_release(
    {
        "node": {"id": "eu-vcf", "name": "VCF node", "jurisdiction": "EU", "country": "IT"},
        "datasets": [{"id": "ds-vcf", "name": "VCF", "release": {"public": "record"}}],
    }
)


def _people(vcf: Path) -> list[str]:
    return list(cyvcf2.VCF(str(vcf)).samples)


@pytest.fixture(scope="module")
def vcf_node(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("vcf-node")
    config = parse_node_config(trusted(CONFIG, root), base=root, where="test")
    packets = root / "people.jsonl"
    ids = [sample for name in VCFS for sample in _people(EXAMPLES / name)]
    packets.write_bytes(b"".join(orjson.dumps({"id": i, "subject": {"id": i}}) + b"\n" for i in ids))
    hpo = load_hpo_index(locate_data_dir())
    dataset = Dataset("ds-vcf", "VCF")
    with NodeStore.open(config.store) as store:
        ingest([packets], store=store, dataset=dataset, hpo=hpo, quarantine_path=root / "q.jsonl", workers=1)
        for name, assembly in VCFS.items():
            report = ingest(
                [EXAMPLES / name],
                store=store,
                dataset=dataset,
                hpo=hpo,
                quarantine_path=root / "q.jsonl",
                vcf=VcfOptions(assembly=assembly),
            )
            assert report.committed and report.quarantined == 0, [str(p) for p in report.errors]
    return root


@pytest.fixture
async def client(vcf_node: Path) -> AsyncIterator[httpx.AsyncClient]:
    config = parse_node_config(trusted(CONFIG, vcf_node), base=vcf_node, where="test")
    context = open_node(config)
    transport = httpx.ASGITransport(app=create_node_app(context))
    async with httpx.AsyncClient(transport=transport, base_url="http://node", auth=as_hub("eu-vcf")) as c:
        yield c
    context.close()


async def test_every_variant_from_the_example_vcfs_is_a_valid_genomic_variation(
    client: httpx.AsyncClient, vcf_node: Path
) -> None:
    with NodeStore.open(parse_node_config(CONFIG, base=vcf_node, where="t").store, read_only=True) as store:
        (stored,) = store.connection.execute(
            "SELECT count(*) FROM (SELECT DISTINCT assembly, chromosome, position, reference, alternate "
            "FROM variants WHERE origin = 'vcf')"
        ).fetchall()[0]
    assert stored > 1_000  # the trio alone carries over a thousand alleles
    seen: list[dict[str, object]] = []
    for page in range(100):  # bounded: at most 100 pages of 100
        body = query(datasets=["ds-vcf"])
        body["query"]["pagination"] = {"skip": page * 100, "limit": 100}  # type: ignore[index]
        doc = await post(client, "/api/g_variants", copy.deepcopy(body))
        valid(doc, "g_variants")
        batch = results(doc).get("ds-vcf", [])
        seen += batch
        if len(batch) < 100:
            break
    assert len(seen) == stored
    assert len({str(v["variantInternalId"]) for v in seen}) == stored


async def test_a_trio_call_reaches_its_carriers(client: httpx.AsyncClient) -> None:
    doc = await post(client, "/api/g_variants", query(datasets=["ds-vcf"]))
    first = results(doc)["ds-vcf"][0]
    carriers = await post(client, f"/api/g_variants/{first['variantInternalId']}/individuals", query())
    valid(carriers, "individuals")
    people = {r["id"] for r in results(carriers)["ds-vcf"]}
    assert people and people <= {s for name in VCFS for s in _people(EXAMPLES / name)}
