"""The node's release path with its defaults: passports, access caps, X1–X6, disclosure control, audit."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from pmbridge.audit import read_audit_log
from pmbridge.node import NodeContext, create_node_app, open_node, parse_node_config
from pmbridge.policy import PURPOSE_HEADER, generate_issuer_key
from pmbridge.vocab import Hpo, locate_data_dir
from tests.beacon_schemas import RESULTSETS, errors
from tests.node import release_node
from tests.release import bearer, passport
from tests.trust import as_hub, trusted

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    hpo = Hpo.load(locate_data_dir())
    roots = {"eu": tmp_path_factory.mktemp("eu-rel"), "cn": tmp_path_factory.mktemp("cn-rel")}
    release_node.build(roots["eu"], release_node.EU, hpo)
    release_node.build(roots["cn"], release_node.CN, hpo)
    return roots


@asynccontextmanager
async def node(
    root: Path, doc: Mapping[str, object], *, name: str | None = None
) -> AsyncIterator[tuple[httpx.AsyncClient, NodeContext]]:
    """A node over ``root``'s store with ``doc``'s settings; ``name`` gives it its own audit log."""
    node_id = name or str(doc["node"]["id"])  # type: ignore[index]
    context = open_node(parse_node_config(trusted(doc, root, node_id=node_id), base=root, where="test"))
    transport = httpx.ASGITransport(app=create_node_app(context))
    async with httpx.AsyncClient(transport=transport, base_url="http://node", auth=as_hub(node_id)) as client:
        yield client, context
    context.close()
    context.release.close()


def count_body(
    *filters: Mapping[str, object], granularity: str = "count", **params: object
) -> dict[str, object]:
    query: dict[str, object] = {"filters": list(filters), "requestedGranularity": granularity}
    if params:
        query["requestParameters"] = params
    return {"meta": {"apiVersion": "v2.0.1"}, "query": query}


AGE_KNOWN = {"id": "age", "operator": ">", "value": "0"}


def the_set(doc: Mapping[str, object]) -> dict[str, object]:
    # a boolean reply has no result sets (they need a count): its yes/no per dataset is in info
    sets = doc["response"]["resultSets"] if "response" in doc else doc["info"]["resultSets"]  # type: ignore[index]
    assert len(sets) == 1
    return dict(sets[0])


async def test_a_registered_researcher_at_home_gets_noised_counts_that_say_how_they_were_made(
    stores: dict[str, Path],
) -> None:
    token = passport("home-1", country="IT")
    async with node(stores["eu"], release_node.EU) as (client, _):
        reply = await client.post("/api/individuals", json=count_body(), headers=bearer(token))
    assert reply.status_code == 200, reply.text
    doc = reply.json()
    assert errors(doc, RESULTSETS) == []
    assert doc["meta"]["returnedGranularity"] == "count"
    part = the_set(doc)
    count = part["info"]["count"]  # type: ignore[index]
    assert count["how"] == "noised" and count["threshold"] == 5 and count["epsilon"] == 1.0
    assert part["resultsCount"] == count["value"] == doc["responseSummary"]["numTotalResults"]
    release = doc["info"]["release"]
    assert release["access"] == {"rel-eu": "registered"} and release["crossBorder"] is False
    assert release["researcher"] == "home-1" and release["purpose"] == "research"
    assert release["total"]["how"] == "noised" and release["total"]["partial"] is False


async def test_without_a_passport_the_public_cap_applies(stores: dict[str, Path]) -> None:
    async with node(stores["eu"], release_node.EU) as (client, _):
        doc = (await client.post("/api/individuals", json=count_body())).json()
    assert doc["meta"]["returnedGranularity"] == "boolean"
    assert doc["info"]["release"]["access"] == {"rel-eu": "public"}
    assert "count" not in the_set(doc).get("info", {})


async def test_across_the_border_small_counts_are_suppressed_at_eleven(stores: dict[str, Path]) -> None:
    young = {"id": "age", "operator": "<", "value": "6"}  # four people: ages 1.5, 2.5, 3.5, 4.5
    async with node(stores["eu"], release_node.EU) as (client, _):
        doc = (
            await client.post(
                "/api/individuals", json=count_body(young), headers=bearer(passport("abroad-1", country="CN"))
            )
        ).json()
    part = the_set(doc)
    count = part["info"]["count"]  # type: ignore[index]
    assert (count["how"], count["value"], count["threshold"], count["display"]) == (
        "suppressed",
        None,
        11,
        "<11",
    )
    assert part["resultsCount"] == 0 and part["exists"] is True
    assert doc["info"]["release"]["crossBorder"] is True


async def test_a_repeated_question_is_answered_from_the_cache_at_any_endpoint_and_paid_once(
    stores: dict[str, Path],
) -> None:
    headers = bearer(passport("repeat-1", country="IT"))
    async with node(stores["eu"], release_node.EU) as (client, _):
        first = (await client.post("/api/individuals", json=count_body(AGE_KNOWN), headers=headers)).json()
        again = (await client.post("/api/individuals", json=count_body(AGE_KNOWN), headers=headers)).json()
        other = await client.post(
            "/api/datasets/rel-eu/individuals", json=count_body(AGE_KNOWN), headers=headers
        )
        budget = (await client.get("/api/budget", headers=headers)).json()
    values = [the_set(d)["info"]["count"]["value"] for d in (first, again, other.json())]  # type: ignore[index]
    assert other.status_code == 200 and len(set(values)) == 1
    assert budget["researcher"] == "repeat-1" and budget["anonymous"] is False
    assert budget["datasets"] == [{"dataset": "rel-eu", "budget": 50.0, "spent": 1.0, "remaining": 49.0}]


async def test_counting_a_person_out_repeats_the_answer_as_a_rewording_with_the_same_people_does(
    stores: dict[str, Path],
) -> None:
    """A minus the oldest person gets the answer A got; so does a rewording with the very same
    people. Neither is refused and both read alike, so the attacker cannot tell which world they
    are in, and the honest rewording costs nothing."""
    oldest = {"id": "age", "operator": "<", "value": "60"}  # ages run to 60.5: one person fewer
    same = {"id": "age", "operator": "<", "value": "1000"}  # the same people as AGE_KNOWN
    seen = []
    for who, second in (("diff-1", oldest), ("diff-2", same)):
        headers = bearer(passport(who, country="IT"))
        async with node(stores["eu"], release_node.EU) as (client, _):
            first = await client.post("/api/individuals", json=count_body(AGE_KNOWN), headers=headers)
            reply = await client.post("/api/individuals", json=count_body(second), headers=headers)
            budget = (await client.get("/api/budget", headers=headers)).json()
        assert first.status_code == reply.status_code == 200
        a, b = (the_set(r.json())["info"]["count"] for r in (first, reply))  # type: ignore[index]
        assert b["value"] == a["value"] and budget["datasets"][0]["spent"] == 1.0
        seen.append((b["how"], b["reason"], b["display"].startswith("≈")))
    assert seen[0] == seen[1]


async def test_an_exhausted_budget_is_refused(stores: dict[str, Path]) -> None:
    doc = {**release_node.EU, "privacy": {"yearly_epsilon_budget": 2.0, "differencing_guard": False}}
    headers = bearer(passport("budget-1", country="IT"))
    filters = [{"id": "sex", "operator": "=", "value": s} for s in ("FEMALE", "MALE", "UNKNOWN_SEX")]
    async with node(stores["eu"], doc, name="eu-rel-tiny") as (client, _):
        statuses = [
            (await client.post("/api/individuals", json=count_body(f), headers=headers)).status_code
            for f in filters[:2]
        ]
        refused = await client.post("/api/individuals", json=count_body(filters[2]), headers=headers)
        repeat = await client.post("/api/individuals", json=count_body(filters[0]), headers=headers)
        budget = (await client.get("/api/budget", headers=headers)).json()
    assert statuses == [200, 200]
    assert refused.status_code == 403 and "budget" in refused.json()["error"]["errorMessage"]
    assert repeat.status_code == 200  # cached answers stay free
    assert budget["datasets"][0]["remaining"] == 0.0


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (lambda: passport("forger", country="IT", key=generate_issuer_key()), "bad_signature"),
        (lambda: passport("late", country="IT", age=timedelta(hours=2)), "expired"),
        (lambda: passport("elsewhere", country="IT", audience="another-network"), "wrong_audience"),
        (lambda: "not-a-jwt", "malformed"),
    ],
)
async def test_a_passport_that_fails_a_check_is_refused_with_the_reason(
    stores: dict[str, Path], token: object, reason: str
) -> None:
    async with node(stores["eu"], release_node.EU) as (client, _):
        reply = await client.post("/api/individuals", json=count_body(), headers=bearer(token()))  # type: ignore[operator]
    assert reply.status_code == 401
    assert f"passport rejected ({reason})" in reply.json()["error"]["errorMessage"]


@pytest.mark.parametrize(
    ("purpose", "rule"), [("law_enforcement", "X5"), ("advertising", "X6"), ("curiosity", "X6")]
)
async def test_forbidden_and_unknown_purposes_are_refused(
    stores: dict[str, Path], purpose: str, rule: str
) -> None:
    headers = {**bearer(passport("purpose-1", country="IT")), PURPOSE_HEADER: purpose}
    async with node(stores["eu"], release_node.EU) as (client, _):
        reply = await client.post("/api/individuals", json=count_body(), headers=headers)
    assert reply.status_code == 403
    assert f"refused by rule {rule}" in reply.json()["error"]["errorMessage"]


async def test_records_do_not_leave_china_without_a_legal_route(stores: dict[str, Path]) -> None:
    eu = bearer(passport("grant-eu", country="DE", grants=("rel-cn",)))
    cn = bearer(passport("grant-cn", country="CN", grants=("rel-cn",)))
    async with node(stores["cn"], release_node.CN) as (client, _):
        abroad = await client.post("/api/individuals", json=count_body(granularity="record"), headers=eu)
        counted = await client.post("/api/individuals", json=count_body(AGE_KNOWN), headers=eu)
        home = await client.post("/api/individuals", json=count_body(granularity="record"), headers=cn)
    assert abroad.status_code == 403
    message = abroad.json()["error"]["errorMessage"]
    assert message.startswith("refused by rule X1:") and "PIPL Art 38" in message
    assert counted.status_code == 200
    assert home.status_code == 200 and home.json()["meta"]["returnedGranularity"] == "record"
    assert the_set(home.json())["results"]


async def test_genetic_output_leaves_china_only_under_an_hgr_filing_and_is_counted(
    stores: dict[str, Path],
) -> None:
    gene = {"id": "gene:GENE1"}
    headers = bearer(passport("gene-eu", country="FR"))
    async with node(stores["cn"], release_node.CN) as (client, _):
        refused = await client.post("/api/individuals", json=count_body(gene), headers=headers)
    filed = {**release_node.CN, "policy": {"hgr_filing_id": "HGR-2026-0042"}}
    async with node(stores["cn"], filed, name="cn-rel-filed") as (client, context):
        allowed = await client.post("/api/individuals", json=count_body(gene), headers=headers)
        totals = context.release.exports.totals(year=_china_year())
    assert refused.status_code == 403
    assert refused.json()["error"]["errorMessage"].startswith("refused by rule X4:")
    assert allowed.status_code == 200
    assert the_set(allowed.json())["info"]["count"]["how"] == "noised"  # type: ignore[index]
    assert totals["x4_genetic"] == release_node.SIZE // 2


async def test_the_allele_floor_holds_back_a_rare_variant_but_not_a_common_one(
    stores: dict[str, Path],
) -> None:
    headers = bearer(passport("alleles-1", country="IT"))
    rare = {"g_variant": {"referenceName": "15", "start": [48_600_216], "alternateBases": "A"}}
    common = {"g_variant": {"referenceName": "2", "start": [999_999], "alternateBases": "T"}}
    async with node(stores["eu"], release_node.EU) as (client, _):
        every_set = count_body(**rare)
        every_set["query"]["includeResultsetResponses"] = "ALL"  # type: ignore[index]  # a held set has no hit
        held = (await client.post("/api/individuals", json=every_set, headers=headers)).json()
        shown = (await client.post("/api/individuals", json=count_body(**common), headers=headers)).json()
    held_count = the_set(held)["info"]["count"]  # type: ignore[index]
    assert the_set(held)["exists"] is False and held["responseSummary"]["exists"] is False
    assert (held_count["how"], held_count["rule"], held_count["threshold"]) == (
        "suppressed",
        "allele_count_floor",
        10,
    )
    assert the_set(shown)["info"]["count"]["how"] == "noised"  # type: ignore[index]


async def test_every_release_and_refusal_is_audited_with_its_rule_and_never_the_data(
    stores: dict[str, Path],
) -> None:
    headers = bearer(passport("audited-1", country="IT"))
    async with node(stores["eu"], release_node.EU, name="eu-rel-audit") as (client, context):
        await client.post("/api/individuals", json=count_body(), headers=headers)
        await client.post(
            "/api/individuals", json=count_body(), headers={**headers, PURPOSE_HEADER: "advertising"}
        )
        log = context.config.trust.audit_log
    entries = [line.entry for line in read_audit_log(log) if line.entry is not None]
    releases = [e for e in entries if e.action == "release"]
    refusals = [e for e in entries if e.action == "refusal"]
    assert [e.actor for e in releases] == ["audited-1"]
    assert releases[0].rule.startswith("X6+X1+X4") and releases[0].released["totalHow"] == "noised"
    assert [(e.actor, e.rule) for e in refusals] == [("audited-1", "X6")]
    assert "rel-eu-" not in log.read_text()  # no individual's id ever reaches the log


def _china_year() -> int:
    from datetime import UTC, datetime

    from pmbridge.model import Jurisdiction
    from pmbridge.policy import export_year

    return export_year(datetime.now(UTC), Jurisdiction.CN)


async def test_the_configuration_lists_the_access_levels_passports_unlock(stores: dict[str, Path]) -> None:
    async with node(stores["eu"], release_node.EU) as (client, _):
        levels = (await client.get("/api/configuration")).json()["response"]["securityAttributes"]
    assert levels["securityLevels"] == ["PUBLIC", "REGISTERED", "CONTROLLED"]
    assert levels["defaultGranularity"] == "boolean"
