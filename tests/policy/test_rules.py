"""Rules X1–X6 as decisions: each allowed and refused, with the rule and the fix named."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from pmbridge.errors import ConfigError, PolicyRefused
from pmbridge.model import Granularity, Jurisdiction
from pmbridge.policy import (
    CnExportRoute,
    MemoryExportLedger,
    NodePolicy,
    Purpose,
    ReleaseRequest,
    TransferMechanism,
    check_genetic,
    check_purpose,
    check_transfer,
    decide_release,
    describe_policy,
    evaluate_release,
    parse_policy,
)

EU = NodePolicy(Jurisdiction.EU, "IT")
CN = NodePolicy(Jurisdiction.CN, "CN")
EU_ROUTED = NodePolicy(Jurisdiction.EU, "IT", transfer_mechanism=TransferMechanism.SCC, tia_ref="TIA-7")
CN_ROUTED = NodePolicy(
    Jurisdiction.CN,
    "CN",
    cn_export_route=CnExportRoute.STANDARD_CONTRACT,
    pipia_ref="PIPIA-3",
    separate_consent=True,
    hgr_filing_id="HGR-F-1",
)
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def request(
    granularity: Granularity, country: str | None, *, purpose: str = "research", genetic: bool = False
) -> ReleaseRequest:
    return ReleaseRequest(purpose, granularity, requester_country=country, genetic=genetic)


# X1 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("granularity", [Granularity.BOOLEAN, Granularity.COUNT])
@pytest.mark.parametrize("policy", [EU, CN])
def test_x1_aggregates_cross_the_border(policy: NodePolicy, granularity: Granularity) -> None:
    abroad = "CN" if policy.jurisdiction is Jurisdiction.EU else "DE"
    decision = check_transfer(policy, request(granularity, abroad))
    assert decision.allowed and decision.rule == "X1"


def test_x1_records_within_the_jurisdiction_are_allowed() -> None:
    assert check_transfer(EU, request(Granularity.RECORD, "DE")).allowed
    assert check_transfer(CN, request(Granularity.RECORD, "CN")).allowed


def test_x1_eu_researcher_record_query_to_a_cn_node_is_refused() -> None:
    decision = check_transfer(CN, request(Granularity.RECORD, "IT"))
    assert not decision.allowed
    assert decision.rule == "X1"
    assert "cn_export_route" in decision.reason and "count" in decision.reason


def test_x1_records_to_an_unknown_location_are_refused() -> None:
    assert not check_transfer(EU, request(Granularity.RECORD, None)).allowed
    assert not check_transfer(EU, request(Granularity.RECORD, "US")).allowed


def test_x1_hong_kong_is_abroad_for_a_mainland_node() -> None:
    assert check_transfer(CN, request(Granularity.RECORD, "HK")).rule == "X1"
    assert not check_transfer(CN, request(Granularity.RECORD, "HK")).allowed


# X2 -------------------------------------------------------------------------------------------


def test_x2_records_leave_the_eu_with_scc_and_tia() -> None:
    decision = check_transfer(EU_ROUTED, request(Granularity.RECORD, "CN"))
    assert decision.allowed and decision.rule == "X2"
    assert "TIA-7" in decision.reason


def test_x2_mechanism_without_tia_is_refused() -> None:
    policy = NodePolicy(Jurisdiction.EU, "IT", transfer_mechanism=TransferMechanism.BCR)
    decision = check_transfer(policy, request(Granularity.RECORD, "CN"))
    assert (decision.allowed, decision.rule) == (False, "X2")
    assert "policy.tia_ref" in decision.reason


def test_x2_tia_without_mechanism_is_refused() -> None:
    decision = check_transfer(
        NodePolicy(Jurisdiction.EU, "IT", tia_ref="T"), request(Granularity.RECORD, "CN")
    )
    assert (decision.allowed, decision.rule) == (False, "X2")
    assert "transfer_mechanism" in decision.reason


# X3 route -------------------------------------------------------------------------------------


def test_x3_route_allows_records_out_of_china() -> None:
    decision = check_transfer(CN_ROUTED, request(Granularity.RECORD, "DE"))
    assert decision.allowed and decision.rule == "X3"


@pytest.mark.parametrize(
    ("changes", "missing"),
    [
        ({"pipia_ref": None}, "pipia_ref"),
        ({"separate_consent": False}, "separate_consent"),
        ({"cn_export_route": None}, "cn_export_route"),
    ],
)
def test_x3_incomplete_route_is_refused(changes: dict[str, object], missing: str) -> None:
    decision = check_transfer(replace(CN_ROUTED, **changes), request(Granularity.RECORD, "DE"))
    assert (decision.allowed, decision.rule) == (False, "X3")
    assert missing in decision.reason


# X4 -------------------------------------------------------------------------------------------


def test_x4_genetic_aggregates_stay_in_china_without_a_filing() -> None:
    decision = check_genetic(CN, request(Granularity.COUNT, "IT", genetic=True))
    assert (decision.allowed, decision.rule) == (False, "X4")
    assert "hgr_filing_id" in decision.reason
    verdict = evaluate_release(CN, request(Granularity.COUNT, "IT", genetic=True))
    assert verdict.deciding.rule == "X4"


def test_x4_genetic_aggregates_leave_with_a_filing() -> None:
    decision = check_genetic(CN_ROUTED, request(Granularity.COUNT, "IT", genetic=True))
    assert decision.allowed and "HGR-F-1" in decision.reason


def test_x4_does_not_touch_phenotypes_eu_nodes_or_domestic_requests() -> None:
    assert check_genetic(CN, request(Granularity.COUNT, "IT", genetic=False)).allowed
    assert check_genetic(CN, request(Granularity.COUNT, "CN", genetic=True)).allowed
    assert check_genetic(EU, request(Granularity.COUNT, "CN", genetic=True)).allowed


# X5, X6 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("policy", [EU, CN, EU_ROUTED, CN_ROUTED])
def test_x5_law_enforcement_is_always_refused(policy: NodePolicy) -> None:
    for country in ("IT", "CN", None):
        verdict = evaluate_release(policy, request(Granularity.BOOLEAN, country, purpose="law_enforcement"))
        assert not verdict.allowed
        assert verdict.deciding.rule == "X5"


@pytest.mark.parametrize(
    "purpose",
    ["advertising", "insurance_exclusion", "employment_exclusion", "credit_exclusion", "harmful_products"],
)
def test_x6_forbidden_purposes_are_refused_everywhere(purpose: str) -> None:
    for policy in (EU, CN):
        decision = check_purpose(purpose, allowed=policy.allowed_purposes)
        assert (decision.allowed, decision.rule) == (False, "X6")


@pytest.mark.parametrize("purpose", [p.value for p in Purpose])
def test_x6_allowed_purposes(purpose: str) -> None:
    assert check_purpose(purpose).allowed


def test_x6_unknown_or_miscased_purpose_is_refused_with_the_list() -> None:
    decision = check_purpose("Research")
    assert not decision.allowed and "public_health" in decision.reason


def test_x6_a_node_may_narrow_its_purposes() -> None:
    policy = NodePolicy(Jurisdiction.EU, "IT", allowed_purposes=frozenset({Purpose.RESEARCH}))
    verdict = evaluate_release(policy, request(Granularity.COUNT, "IT", purpose="education"))
    assert verdict.deciding.rule == "X6"
    assert "allowed_purposes" in verdict.deciding.reason


# Whole chain ----------------------------------------------------------------------------------


def test_verdict_raises_policy_refused_naming_the_rule() -> None:
    verdict = evaluate_release(CN, request(Granularity.RECORD, "FR"))
    with pytest.raises(PolicyRefused) as caught:
        verdict.raise_if_refused()
    assert caught.value.rule == "X1"
    assert caught.value.status == 403
    assert caught.value.to_dict()["code"] == "policy_refused"


def test_refused_release_counts_no_one() -> None:
    ledger = MemoryExportLedger()
    verdict = decide_release(CN, request(Granularity.RECORD, "FR"), people=["p1"], ledger=ledger, now=NOW)
    assert not verdict.allowed
    assert ledger.totals(year=2026) == {}


def test_allowed_release_names_every_rule_applied() -> None:
    ledger = MemoryExportLedger()
    verdict = decide_release(
        CN_ROUTED,
        request(Granularity.RECORD, "FR", genetic=True),
        people=["p1", "p2"],
        ledger=ledger,
        now=NOW,
    )
    assert verdict.allowed
    assert verdict.deciding.rule == "X6+X3+X4"
    assert ledger.totals(year=2026) == {"x3_sensitive": 2, "x4_genetic": 2}


# Config ---------------------------------------------------------------------------------------


def test_missing_policy_table_is_the_strictest_policy() -> None:
    policy = parse_policy({"node": {"jurisdiction": "CN", "country": "CN"}})
    assert policy == NodePolicy(Jurisdiction.CN, "CN")
    assert "only aggregates" in dict(describe_policy(policy))["X1"]


def test_full_cn_policy_parses() -> None:
    doc = {
        "node": {"jurisdiction": "CN", "country": "cn"},
        "policy": {
            "allowed_purposes": ["research", "public_health"],
            "cn_export_route": "standard_contract",
            "pipia_ref": "PIPIA-3",
            "separate_consent": True,
            "hgr_filing_id": "HGR-F-1",
            "thresholds": {"hgr_genetic_people": 100},
        },
    }
    policy = parse_policy(doc)
    assert policy.cn_export_route is CnExportRoute.STANDARD_CONTRACT
    assert policy.allowed_purposes == {Purpose.RESEARCH, Purpose.PUBLIC_HEALTH}
    assert policy.thresholds.hgr_genetic_people == 100
    assert policy.thresholds.cn_sensitive_people == 10_000
    assert "100" in dict(describe_policy(policy))["X4"]


@pytest.mark.parametrize(
    ("policy", "node", "fragment"),
    [
        (
            {"transfer_mechanism": "adequacy"},
            {"jurisdiction": "EU", "country": "IT"},
            "one of 'scc' or 'bcr'",
        ),
        ({"cn_export_route": "standard_contract"}, {"jurisdiction": "EU", "country": "IT"}, "does not apply"),
        (
            {"transfer_mechanism": "scc", "tia_ref": "T"},
            {"jurisdiction": "CN", "country": "CN"},
            "do not apply",
        ),
        (
            {"tia_reff": "x"},
            {"jurisdiction": "EU", "country": "IT"},
            "[policy] has no setting 'tia_reff'; did you mean 'tia_ref'?",
        ),
        ({"allowed_purposes": ["advertising"]}, {"jurisdiction": "EU", "country": "IT"}, "advertising"),
        (
            {"thresholds": {"hgr_genetic_people": 501}},
            {"jurisdiction": "CN", "country": "CN"},
            "policy.thresholds.hgr_genetic_people must be at most 500, not 501",
        ),
        (
            {"thresholds": {"hgr_genetic_peopel": 5}},
            {"jurisdiction": "CN", "country": "CN"},
            "[policy.thresholds] has no setting 'hgr_genetic_peopel'; did you mean 'hgr_genetic_people'?",
        ),
        ({"separate_consent": "yes"}, {"jurisdiction": "CN", "country": "CN"}, "true or false"),
        ({"jurisdiction": "CN"}, {"jurisdiction": "EU", "country": "IT"}, "contradicts"),
        ({}, {"jurisdiction": "EU", "country": "CN"}, "not in jurisdiction"),
        ({}, {"jurisdiction": "US", "country": "US"}, "neither"),
        (
            {"pipia_ref": ""},
            {"jurisdiction": "CN", "country": "CN"},
            "policy.pipia_ref must be non-empty text",
        ),
        (
            {"separate_consent": 1},
            {"jurisdiction": "CN", "country": "CN"},
            "policy.separate_consent must be true",
        ),
    ],
)
def test_bad_policies_are_named(policy: dict[str, object], node: dict[str, object], fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_policy({"node": node, "policy": policy}, where="node.toml")
    assert fragment in str(caught.value)
    assert "node.toml" in str(caught.value)
