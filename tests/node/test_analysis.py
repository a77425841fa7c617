"""The node's analysis endpoint through its whole release path: who may ask, X4 on genetic variables,
the differencing guard on analyses' cohorts, the step limit, disclosure checks that destroy an
output, and an audit entry for every release and refusal."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from pmbridge.analytics import parse_analysis, spec_to_wire
from pmbridge.audit import read_audit_log
from pmbridge.model import Individual, MedicalAction, PatientRecord, Sex, Variant, VitalStatus, Zygosity
from pmbridge.node import NodeContext, create_node_app, open_node, parse_node_config
from pmbridge.store import NodeStore
from pmbridge.vocab import Hpo, locate_data_dir
from tests.node import release_node
from tests.release import bearer, passport
from tests.trust import as_hub, trusted

pytestmark = pytest.mark.anyio

SIZE = 120
AGENT = "CHEBI:9168"
GENE = Variant("GRCh38", "chr2", 1_000_000, "C", "T", "GENE1", (), Zygosity.HETEROZYGOUS)
RARE_GENE = Variant("GRCh38", "chr15", 48_600_217, "G", "A", "FBN1", (), Zygosity.HETEROZYGOUS)


def person(dataset: str, i: int) -> PatientRecord:
    """Deterministic people with follow-up, an event for two in three, a treatment with a response."""
    sex = (Sex.FEMALE, Sex.MALE)[i % 2]
    variants = ((GENE,) if i % 3 == 0 else ()) + ((RARE_GENE,) if i < 3 else ())
    return PatientRecord(
        Individual(f"{dataset}-{i}", sex, age_years=20.0 + i * 0.5),
        dataset,
        variants=variants,
        vital_status=VitalStatus("DECEASED" if i % 3 else "ALIVE", survival_days=30 + (i * 37) % 900),
        medical_actions=(MedicalAction(AGENT, favourable=i % 4 < 2),),
    )


def build(root: Path, doc: Mapping[str, object], hpo: Hpo) -> dict[str, object]:
    full = trusted(doc, root)
    parsed = parse_node_config(full, base=root, where="test")
    with NodeStore.open(parsed.store) as store, store.transaction():
        store.put_datasets(list(parsed.datasets))
        store.sync_closure(hpo.closure(), release=hpo.release)
        store.write_records([person(parsed.datasets[0].id, i) for i in range(SIZE)])
    return full


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    hpo = Hpo.load(locate_data_dir())
    roots = {"eu": tmp_path_factory.mktemp("eu-an"), "cn": tmp_path_factory.mktemp("cn-an")}
    build(roots["eu"], release_node.EU, hpo)
    build(roots["cn"], release_node.CN, hpo)
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


def body(analysis: Mapping[str, object], **step: object) -> dict[str, object]:
    return {"analysis": spec_to_wire(parse_analysis(dict(analysis))), "step": {"kind": "evaluate", **step}}


GLM = {
    "analysis": "glm",
    "formula": "responded ~ male + age",
    "family": "binomial",
    "variables": {"responded": {"response": AGENT}},
}


async def test_a_registered_researcher_gets_the_score_and_information_and_an_anonymous_caller_nothing(
    stores: dict[str, Path],
) -> None:
    async with node(stores["eu"], release_node.EU) as (client, context):
        anonymous = await client.post("/api/analysis", json=body(GLM))
        assert anonymous.status_code == 403
        assert anonymous.json()["error"]["rule"] == "access_level"
        reply = await client.post(
            "/api/analysis", json=body(GLM), headers=bearer(passport("an-1", country="IT"))
        )
        assert reply.status_code == 200, reply.text
        part = reply.json()["part"]
        assert part["columns"] == ["Intercept", "male", "age"]
        assert part["contribution"]["n"] == SIZE
        log = context.config.trust.audit_log
    entries = [line.entry for line in read_audit_log(log) if line.entry is not None]
    releases = [e for e in entries if e.action == "release" and e.actor == "an-1"]
    refusals = [e for e in entries if e.action == "refusal"]
    assert [e.released["analysis"] for e in releases] == ["glm"]
    assert "privacy:access_level" in [e.rule for e in refusals]
    assert "rel-eu-" not in log.read_text()  # no individual's id ever reaches the log


async def test_a_genetic_variable_does_not_leave_china_without_a_filing(stores: dict[str, Path]) -> None:
    genetic = {"analysis": "crosstab", "rows": "male", "columns": "g", "variables": {"g": {"gene": "GENE1"}}}
    async with node(stores["cn"], release_node.CN) as (client, _):
        abroad = await client.post(
            "/api/analysis", json=body(genetic), headers=bearer(passport("an-2", country="IT"))
        )
        assert abroad.status_code == 403
        assert abroad.json()["error"]["rule"] == "X4"
        at_home = await client.post(
            "/api/analysis", json=body(genetic), headers=bearer(passport("an-3", country="CN"))
        )
        assert at_home.status_code == 200, at_home.text


async def test_a_rare_binary_covariate_destroys_the_output(stores: dict[str, Path]) -> None:
    rare = {
        **GLM,
        "formula": "responded ~ male + r",
        "variables": {**GLM["variables"], "r": {"gene": "FBN1"}},
    }
    async with node(stores["eu"], release_node.EU) as (client, _):
        reply = await client.post(
            "/api/analysis", json=body(rare), headers=bearer(passport("an-4", country="IT"))
        )
        assert reply.status_code == 403
        assert reply.json()["error"]["rule"] == "rare_level"
        assert "3" not in reply.json()["error"]["errorMessage"]  # never the small count itself


async def test_two_cohorts_a_few_people_apart_are_not_both_analysed(stores: dict[str, Path]) -> None:
    everyone = {"analysis": "summary", "variable": "age"}
    # age is 20 + i/2: "age < 79.5" leaves out exactly the oldest person
    all_but_one = {**everyone, "cohort": {"filters": [{"id": "age", "operator": "<", "value": "79.5"}]}}
    headers = bearer(passport("an-5", country="IT"))
    async with node(stores["eu"], release_node.EU) as (client, _):
        first = await client.post("/api/analysis", json=body(everyone), headers=headers)
        assert first.status_code == 200, first.text
        again = await client.post(
            "/api/analysis", json=body({**everyone, "quantiles": [0.5]}), headers=headers
        )
        assert again.status_code == 200, again.text  # the same people: any analysis of them is fine
        second = await client.post("/api/analysis", json=body(all_but_one), headers=headers)
        assert second.status_code == 403
        assert second.json()["error"]["rule"] == "differencing_guard"


async def test_a_hub_cannot_ask_for_more_evaluations_than_a_fit_needs(stores: dict[str, Path]) -> None:
    doc = copy.deepcopy(release_node.EU)
    doc["privacy"] = {"max_analysis_steps": 8}
    headers = bearer(passport("an-6", country="IT"))
    async with node(stores["eu"], doc) as (client, _):
        statuses = []
        for i in range(9):
            reply = await client.post(
                "/api/analysis", json=body(GLM, beta=[0.0, 0.01 * i, 0.0]), headers=headers
            )
            statuses.append(reply.status_code)
        assert statuses == [200] * 8 + [403]
        assert reply.json()["error"]["rule"] == "analysis_steps"


async def test_event_time_bins_are_checked_by_the_node_whatever_the_hub_sends(
    stores: dict[str, Path],
) -> None:
    km = {"analysis": "km", "bin_days": 7}
    headers = bearer(passport("an-7", country="IT"))
    async with node(stores["eu"], release_node.EU) as (client, _):
        proposal = await client.post(
            "/api/analysis", json={**body(km), "step": {"kind": "edges"}}, headers=headers
        )
        assert proposal.status_code == 200, proposal.text
        edges = proposal.json()["part"]["edges"]
        table = await client.post("/api/analysis", json=body(km, edges=edges), headers=headers)
        assert table.status_code == 200, table.text
        weekly = [float(e) for e in range(0, 938, 7)]
        finer = await client.post("/api/analysis", json=body(km, edges=weekly), headers=headers)
        assert finer.status_code == 403
        assert finer.json()["error"]["rule"] in {"event_time_bins", "released_bins"}


async def test_the_same_cohort_spelled_two_ways_is_one_question(stores: dict[str, Path]) -> None:
    headers = bearer(passport("an-8", country="IT"))
    async with node(stores["eu"], release_node.EU) as (client, _):
        for cohort in ({}, {"filters": []}):
            doc = {"analysis": "summary", "variable": "age", "cohort": cohort}
            reply = await client.post("/api/analysis", json=body(doc), headers=headers)
            assert reply.status_code == 200, reply.text
