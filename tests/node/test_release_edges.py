"""Edges of the node's release path: filtering terms pass the caller checks (passport, purpose, X4),
the allele floor hides existence too, a cohort's size is a released count, and the audit log
names an entry-id request by its route, never by the id."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmbridge.model import AccessLevel, Granularity
from pmbridge.node import NodeContext, create_node_app, open_node, parse_node_config
from pmbridge.node._release import release
from pmbridge.policy import PURPOSE_HEADER, Caller, ReleaseRequest, Researcher
from pmbridge.privacy import ReleasedCount, suppressed
from pmbridge.vocab import Hpo, locate_data_dir
from tests.beacon.walker import BOOLEAN, COUNT
from tests.beacon_schemas import errors
from tests.node import release_node
from tests.node.test_entries import valid
from tests.release import bearer, passport
from tests.trust import as_hub, trusted

pytestmark = pytest.mark.anyio

RARE = {"g_variant": {"referenceName": "15", "start": [48_600_216], "alternateBases": "A"}}
"""The variant three of sixty people carry: an allele count of 3, below the floor of 10."""


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    hpo = Hpo.load(locate_data_dir())
    roots = {"eu": tmp_path_factory.mktemp("eu-edges"), "cn": tmp_path_factory.mktemp("cn-edges")}
    release_node.build(roots["eu"], release_node.EU, hpo)
    release_node.build(roots["cn"], release_node.CN, hpo)
    return roots


@asynccontextmanager
async def node(root: Path, doc: Mapping[str, object]) -> AsyncIterator[tuple[httpx.AsyncClient, NodeContext]]:
    node_id = str(doc["node"]["id"])  # type: ignore[index]
    context = open_node(parse_node_config(trusted(doc, root, node_id=node_id), base=root, where="test"))
    transport = httpx.ASGITransport(app=create_node_app(context))
    async with httpx.AsyncClient(transport=transport, base_url="http://node", auth=as_hub(node_id)) as client:
        yield client, context
    context.close()
    context.release.close()


def query(granularity: str, **params: object) -> dict[str, object]:
    body: dict[str, object] = {
        "filters": [],
        "requestedGranularity": granularity,
        "includeResultsetResponses": "ALL",  # result sets without a hit too
    }
    if params:
        body["requestParameters"] = params
    return {"meta": {"apiVersion": "v2.0.1"}, "query": body}


def gene_terms(doc: Mapping[str, object]) -> list[str]:
    terms = doc["response"]["filteringTerms"]  # type: ignore[index]
    return [t["id"] for t in terms if t["id"].startswith("gene:") or t["id"] == "geneId"]


async def test_filtering_terms_refuse_a_forbidden_purpose_and_a_bad_passport(stores: dict[str, Path]) -> None:
    async with node(stores["eu"], release_node.EU) as (client, _):
        forbidden = await client.get("/api/filtering_terms", headers={PURPOSE_HEADER: "law_enforcement"})
        per_dataset = await client.post(
            "/api/datasets/rel-eu/filtering_terms", headers={PURPOSE_HEADER: "advertising"}
        )
        forged = await client.get("/api/individuals/filtering_terms", headers=bearer("not.a.passport"))
        allowed = await client.get("/api/filtering_terms")
    assert forbidden.status_code == 403 and "X5" in forbidden.json()["error"]["errorMessage"]
    assert per_dataset.status_code == 403 and "X6" in per_dataset.json()["error"]["errorMessage"]
    assert forged.status_code == 401
    assert allowed.status_code == 200 and gene_terms(allowed.json())  # an EU node: X4 does not apply


async def test_a_china_node_without_an_hgr_filing_lists_gene_terms_only_inside_china(
    stores: dict[str, Path],
) -> None:
    async with node(stores["cn"], release_node.CN) as (client, _):
        anonymous = (await client.get("/api/datasets/rel-cn/filtering_terms")).json()
        abroad = (
            await client.get("/api/filtering_terms", headers=bearer(passport("terms-it", country="IT")))
        ).json()
        at_home = (
            await client.get("/api/filtering_terms", headers=bearer(passport("terms-cn", country="CN")))
        ).json()
    for doc in (anonymous, abroad):
        assert gene_terms(doc) == []
        assert doc["info"]["withheldTerms"]["rule"] == "X4"
        assert any(t["id"] == release_node.SEIZURE for t in doc["response"]["filteringTerms"])
    assert "gene:FBN1" in gene_terms(at_home) and "withheldTerms" not in at_home["info"]


@pytest.mark.parametrize("granularity", ["boolean", "count"])
async def test_the_allele_floor_holds_back_existence_as_well_as_the_count(
    stores: dict[str, Path], granularity: str
) -> None:
    headers = bearer(passport("floor-1", country="IT"))
    async with node(stores["eu"], release_node.EU) as (client, _):
        reply = await client.post("/api/individuals", json=query(granularity, **RARE), headers=headers)
        listed = await client.post("/api/datasets", json=query(granularity, **RARE), headers=headers)
    assert reply.status_code == 200, reply.text
    doc = reply.json()
    assert errors(doc, BOOLEAN if granularity == "boolean" else COUNT) == []
    assert doc["responseSummary"]["exists"] is False
    (part,) = doc["response"]["resultSets"] if granularity == "count" else doc["info"]["resultSets"]
    assert part["exists"] is False and part["info"]["count"]["rule"] == "allele_count_floor"
    assert listed.json()["responseSummary"]["exists"] is False  # nor "which datasets hold it"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    exact=st.dictionaries(st.sampled_from(["a", "b", "c"]), st.integers(0, 500), min_size=1),
    held=st.sets(st.sampled_from(["a", "b", "c"])),
    granularity=st.sampled_from([Granularity.BOOLEAN, Granularity.COUNT]),
)
def test_no_dataset_the_allele_floor_holds_back_ever_says_it_exists(
    floor_node: NodeContext, exact: dict[str, int], held: set[str], granularity: Granularity
) -> None:
    floors: dict[str, ReleasedCount] = {
        ds: suppressed(threshold=10, rule="allele_count_floor", reason="rare") for ds in held if ds in exact
    }
    researcher = Researcher("floor-prop", level=AccessLevel.REGISTERED, issuer="broker", country="IT")
    done = release(
        exact,
        state=floor_node.release,
        caller=Caller(researcher),
        request=ReleaseRequest("research", granularity, "IT", genetic=True),
        granularity=granularity,
        questions={ds: {"q": ds, "n": n} for ds, n in exact.items()},
        held=floors,
    )
    for part in done.parts:
        if part.dataset in floors:
            assert part.exists is False and part.count == floors[part.dataset]
        else:
            assert part.exists == (exact[part.dataset] > 0)
    assert done.exists == any(n > 0 for ds, n in exact.items() if ds not in floors)


@pytest.fixture(scope="module")
def floor_node(stores: dict[str, Path]) -> Iterator[NodeContext]:
    """The EU node with a budget that outlasts a property test's many distinct questions."""
    doc = {**release_node.EU, "privacy": {"yearly_epsilon_budget": 1_000_000.0}}
    config = parse_node_config(
        trusted(doc, stores["eu"], node_id="eu-floor"), base=stores["eu"], where="test"
    )
    context = open_node(config)
    yield context
    context.close()
    context.release.close()


@pytest.mark.parametrize(
    ("user", "country", "exact"),
    [("size-it", "IT", True), ("size-cn", "CN", False)],
    ids=["controlled-at-home", "controlled-abroad"],
)
async def test_a_cohort_size_is_exact_only_to_whom_the_dataset_would_give_records(
    stores: dict[str, Path], user: str, country: str, exact: bool
) -> None:
    headers = bearer(passport(user, country=country, grants=("rel-eu",)))
    async with node(stores["eu"], release_node.EU) as (client, _):
        reply = await client.post("/api/cohorts", json=query("record"), headers=headers)
    assert reply.status_code == 200, reply.text
    doc = reply.json()
    valid(doc, "cohorts")  # the reply and the cohort record against the Beacon schemas
    (cohort,) = doc["response"]["collections"]
    account = cohort["info"]["cohortSize"]
    if exact:
        assert cohort["cohortSize"] == release_node.SIZE and account["how"] == "exact"
    else:  # across the border: a count of people like any other, noised at the cross-border k
        assert account["how"] in {"noised", "suppressed"} and account["threshold"] == 11
        assert cohort.get("cohortSize") == account["value"]


async def test_the_audit_log_names_an_entry_request_by_its_route_never_the_id(
    stores: dict[str, Path],
) -> None:
    headers = bearer(passport("audit-ids", country="IT", grants=("rel-eu",)))
    async with node(stores["eu"], release_node.EU) as (client, context):
        reply = await client.get("/api/individuals/rel-eu-5", headers=headers)
        looked_up = await client.get("/api/individuals/rel-eu-7/g_variants", headers=headers)
        text = context.config.trust.audit_log.read_text()
    assert reply.status_code == 200 and looked_up.status_code == 200
    assert "rel-eu-5" not in text and "rel-eu-7" not in text
    assert "GET /api/individuals/{entry_id} entry_id=sha256:" in text
    assert "GET /api/individuals/{entry_id}/g_variants entry_id=sha256:" in text
