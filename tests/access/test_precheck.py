"""The node's automatic pre-check of one dataset (DUO + X1–X6) and its wire forms, read strictly."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmbridge.access._duos import DuosVerdict
from pmbridge.access._precheck import DatasetPrecheck, DuoEntry, Releases, RuleEntry, precheck_dataset
from pmbridge.access._precheck_request import parse_precheck_request
from pmbridge.errors import AccessRequestError, UpstreamError
from pmbridge.model import Granularity, Jurisdiction
from pmbridge.policy import (
    Applicant,
    DataUseConditions,
    DuoVocabulary,
    NodePolicy,
    ResearchPurpose,
    duo_release,
    load_duo_terms,
)

ON = date(2026, 12, 6)
CN = NodePolicy(Jurisdiction.CN, "CN")
EU = NodePolicy(Jurisdiction.EU, "IT")
GRU = DataUseConditions(codes=("DUO:0000042",))
RELEASES = Releases(duo="http://purl.obolibrary.org/obo/duo/releases/2021-02-23/duo.owl")
REQUEST = {
    "purpose": {"category": "research", "use": "DS", "disease": "MONDO:0007915", "geneticStudy": True},
    "applicant": {"institution": "uni-roma", "organisationType": "non_profit", "commitments": ["PUB"]},
    "datasets": [{"id": "rome-rd", "granularity": "record"}],
    "on": "2026-12-06",
}


@pytest.fixture(scope="module")
def duo(shared_data: Path) -> DuoVocabulary:
    return load_duo_terms(shared_data)


def check(
    duo: DuoVocabulary | None,
    *,
    policy: NodePolicy = CN,
    country: str | None = "IT",
    category: str = "research",
    conditions: DataUseConditions | None = GRU,
    purpose: ResearchPurpose | None = None,
    requested: Granularity = Granularity.RECORD,
) -> DatasetPrecheck:
    return precheck_dataset(
        "ds-1",
        conditions=conditions,
        category=category,
        purpose=purpose or ResearchPurpose("HMB"),
        applicant=Applicant(country=country),
        requested=requested,
        on=ON,
        policy=policy,
        requester_country=country,
        duo=duo,
        diseases=None,
        releases=RELEASES,
    )


def rule(found: DatasetPrecheck, name: str) -> RuleEntry:
    return next(r for r in found.rules if r.rule == name)


def test_an_eu_researcher_asking_records_of_a_cn_dataset_is_sent_at_count(duo: DuoVocabulary) -> None:
    found = check(duo)
    assert found.send and found.sent is Granularity.COUNT and found.requested is Granularity.RECORD
    x1 = rule(found, "X1")
    assert not x1.allowed and x1.instead is Granularity.COUNT
    assert found.to_wire()["rules"][1]["instead"] == "count"  # type: ignore[index]


def test_at_an_eu_node_the_same_researcher_gets_records(duo: DuoVocabulary) -> None:
    found = check(duo, policy=EU)
    assert found.send and found.sent is Granularity.RECORD and rule(found, "X1").allowed


@pytest.mark.parametrize(("category", "name"), [("law_enforcement", "X5"), ("advertising", "X6")])
def test_forbidden_purposes_are_not_sent(duo: DuoVocabulary, category: str, name: str) -> None:
    found = check(duo, policy=EU, category=category)
    assert not found.send and found.sent is None and not rule(found, name).allowed
    assert name in found.summary


def test_a_duo_denial_is_not_sent_and_an_abstention_is(duo: DuoVocabulary) -> None:
    hmb_only = DataUseConditions(codes=("HMB",))
    denied = check(duo, policy=EU, conditions=hmb_only, purpose=ResearchPurpose("POA"))
    assert denied.verdict is DuosVerdict.DENY and not denied.send and denied.sent is None
    ds_without_disease = DataUseConditions(codes=("DS",))
    abstained = check(duo, policy=EU, conditions=ds_without_disease, purpose=ResearchPurpose("DS", "MONDO:1"))
    assert abstained.verdict is DuosVerdict.ABSTAIN and abstained.send


def test_a_node_without_duo_abstains_with_a_reason() -> None:
    found = check(None, policy=EU)
    assert found.verdict is DuosVerdict.ABSTAIN and found.send
    assert all("no DUO vocabulary" in c.reason for c in found.checks)


def test_an_unknown_dataset_is_not_sent(duo: DuoVocabulary) -> None:
    found = check(duo, conditions=None)
    assert not found.send and "no dataset 'ds-1'" in found.summary


def test_genetic_studies_at_a_cn_node_need_an_hgr_filing(duo: DuoVocabulary) -> None:
    found = check(duo, purpose=ResearchPurpose("HMB", genetic_study=True))
    assert not found.send and not rule(found, "X4").allowed
    filed = NodePolicy(Jurisdiction.CN, "CN", hgr_filing_id="HGR-1")
    assert check(duo, policy=filed, purpose=ResearchPurpose("HMB", genetic_study=True)).send


def test_an_unknown_country_counts_as_abroad(duo: DuoVocabulary) -> None:
    found = check(duo, requested=Granularity.RECORD, country=None)
    assert found.sent is Granularity.COUNT and rule(found, "X1").instead is Granularity.COUNT


def test_the_duo_release_is_read_from_the_shipped_owl(shared_data: Path, tmp_path: Path) -> None:
    assert duo_release(shared_data).endswith("/2021-02-23/duo.owl")
    assert duo_release(tmp_path) == "unknown"


def test_a_request_reads_back_to_its_wire_form() -> None:
    parsed = parse_precheck_request(REQUEST)
    assert parsed.datasets[0].granularity is Granularity.RECORD
    assert parse_precheck_request(parsed.to_wire()) == parsed


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"extra": 1}, "'extra'"),
        ({"datasets": []}, "1 to 50"),
        ({"datasets": [{"id": "a", "granularity": "record"}] * 51}, "1 to 50"),
        ({"purpose": {"category": "research", "use": "XYZ"}}, "GRU"),
        ({"purpose": {"category": "research", "use": "DS"}}, "disease"),
        ({"purpose": {"category": "research", "use": "HMB", "commercial": "no"}}, "commercial"),
        ({"applicant": {"org": "x"}}, "'org'"),
        ({"on": "yesterday"}, "YYYY-MM-DD"),
    ],
)
def test_a_bad_request_is_refused_naming_the_problem(change: dict[str, object], named: str) -> None:
    with pytest.raises(AccessRequestError) as caught:
        parse_precheck_request({**REQUEST, **change})
    assert named in str(caught.value)


granularities = st.sampled_from(list(Granularity))
texts = st.text(max_size=20)
entries = st.builds(
    DuoEntry, code=texts, shorthand=texts, verdict=st.sampled_from(list(DuosVerdict)), reason=texts
)
rules = st.builds(
    RuleEntry,
    rule=st.sampled_from(["X1", "X2", "X3", "X4", "X5", "X6"]),
    allowed=st.booleans(),
    reason=texts,
    instead=st.none() | granularities,
)


@st.composite
def prechecks(draw: st.DrawFn) -> DatasetPrecheck:
    send = draw(st.booleans())
    return DatasetPrecheck(
        id=draw(st.text(min_size=1, max_size=20).filter(str.strip)),
        send=send,
        requested=draw(granularities),
        sent=draw(granularities) if send else draw(st.none() | granularities),
        verdict=draw(st.sampled_from(list(DuosVerdict))),
        checks=tuple(draw(st.lists(entries, max_size=3))),
        releases=Releases(duo=draw(texts.filter(str.strip)), mondo=draw(texts.filter(str.strip))),
        rules=tuple(draw(st.lists(rules, max_size=4))),
        summary=draw(texts),
    )


@given(prechecks())
def test_a_precheck_survives_the_wire(found: DatasetPrecheck) -> None:
    assert DatasetPrecheck.from_wire(found.to_wire()) == found


@pytest.mark.parametrize(
    "damage",
    [
        lambda w: w.pop("send"),
        lambda w: w.update(surprise=1),
        lambda w: w["duo"].update(verdict="MAYBE"),
        lambda w: w["granularity"].update(sent="rows"),
        lambda w: w.update(send=True) or w["granularity"].update(sent=None),
        lambda w: w.update(rules="X1"),
    ],
)
def test_a_malformed_node_reply_is_an_upstream_error(damage: object, duo: DuoVocabulary) -> None:
    wire = check(duo, policy=EU).to_wire()
    damage(wire)  # type: ignore[operator]
    with pytest.raises(UpstreamError):
        DatasetPrecheck.from_wire(wire)
