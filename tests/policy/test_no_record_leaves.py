"""Property: without a complete legal route, no record-level release crosses a border."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from pmbridge.model import Granularity, Jurisdiction
from pmbridge.policy import (
    CnExportRoute,
    MemoryExportLedger,
    NodePolicy,
    Purpose,
    ReleaseRequest,
    TransferMechanism,
    crosses_border,
    decide_release,
)

COUNTRIES = st.sampled_from(["IT", "DE", "FR", "NO", "CN", "HK", "US", "JP", "GB", None])
REFS = st.none() | st.text(min_size=1, max_size=8)


@st.composite
def policies(draw: st.DrawFn) -> NodePolicy:
    jurisdiction = draw(st.sampled_from(Jurisdiction))
    if jurisdiction is Jurisdiction.EU:
        return NodePolicy(
            jurisdiction,
            draw(st.sampled_from(["IT", "DE", "ES", "NL"])),
            transfer_mechanism=draw(st.none() | st.sampled_from(TransferMechanism)),
            tia_ref=draw(REFS),
        )
    return NodePolicy(
        jurisdiction,
        "CN",
        cn_export_route=draw(st.none() | st.sampled_from(CnExportRoute)),
        pipia_ref=draw(REFS),
        separate_consent=draw(st.booleans()),
        hgr_filing_id=draw(REFS),
        hgr_review_id=draw(REFS),
    )


def has_route(policy: NodePolicy) -> bool:
    if policy.jurisdiction is Jurisdiction.EU:
        return policy.transfer_mechanism is not None and policy.tia_ref is not None
    return policy.cn_export_route is not None and policy.pipia_ref is not None and policy.separate_consent


requests = st.builds(
    ReleaseRequest,
    purpose=st.sampled_from([*(p.value for p in Purpose), "law_enforcement", "advertising", "other"]),
    granularity=st.sampled_from(Granularity),
    requester_country=COUNTRIES,
    genetic=st.booleans(),
    sensitive=st.booleans(),
)


@settings(max_examples=400, deadline=None)
@given(policy=policies(), request=requests, people=st.lists(st.text(max_size=4), max_size=5))
def test_no_record_leaves_across_a_border_without_a_legal_route(
    policy: NodePolicy, request: ReleaseRequest, people: list[str]
) -> None:
    verdict = decide_release(
        policy, request, people=people, ledger=MemoryExportLedger(), now=datetime(2026, 1, 1, tzinfo=UTC)
    )
    crossing = crosses_border(policy.jurisdiction, request.requester_country)
    if verdict.allowed and crossing and request.granularity is Granularity.RECORD:
        assert has_route(policy), verdict
    if verdict.allowed and crossing and request.genetic and policy.jurisdiction is Jurisdiction.CN:
        assert policy.hgr_filing_id is not None
    if request.purpose not in {p.value for p in Purpose}:
        assert not verdict.allowed
    if crossing and request.granularity is Granularity.RECORD and not has_route(policy):
        assert not verdict.allowed
        assert verdict.deciding.rule in {"X1", "X2", "X3", "X5", "X6"}
