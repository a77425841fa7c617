"""Match answers through the node's disclosure control and audit log: band counts are noised under
one canonical question (a repeat, however worded, is the same cached answer and costs nothing), ε
is charged to the researcher's yearly budget for the dataset and refused past it, and every match
release, refusal and contact request is in the audit log, described, never the data."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from pmbridge.audit import AuditEntry, read_audit_log
from pmbridge.model import Jurisdiction
from pmbridge.node import NodeContext, create_node_app
from pmbridge.policy import PURPOSE_HEADER, export_year
from pmbridge.vocab import Hpo, locate_data_dir
from tests.beacon_schemas import ERROR, errors
from tests.node import match_node
from tests.node.match_node import GRANTS, MARFAN, NEURO, SEIZURE
from tests.release import OPEN_POLICY, bearer, passport
from tests.trust import as_hub

pytestmark = pytest.mark.anyio

EVERY_NUMBER = {"min_count": 1, "min_count_cross_border": 1}
"""Thresholds of 1, so that every band holding a patient leaves as a noised number (and costs ε)."""


@pytest.fixture(scope="module")
def hpo() -> Hpo:
    return Hpo.load(locate_data_dir())


@asynccontextmanager
async def node(
    root: Path, config: Mapping[str, object], **tables: object
) -> AsyncIterator[tuple[httpx.AsyncClient, NodeContext]]:
    """The match node over ``root``'s store with ``tables`` (``privacy``, ``policy``) in its config."""
    context = match_node.open_match_node(root, {**config, **tables})
    transport = httpx.ASGITransport(app=create_node_app(context))
    node_id = context.config.id
    async with httpx.AsyncClient(transport=transport, base_url="http://node", auth=as_hub(node_id)) as client:
        yield client, context
    context.close()
    context.release.close()


def bands_of(doc: Mapping[str, object], dataset: str = "ds-a") -> list[dict[str, object]]:
    (found,) = [a["bands"] for a in doc["aggregates"] if a["dataset"] == dataset]  # type: ignore[attr-defined]
    return list(found)


def audit_entries(context: NodeContext) -> list[AuditEntry]:
    return [line.entry for line in read_audit_log(context.config.trust.audit_log) if line.entry is not None]


async def test_a_repeated_match_gets_the_same_noisy_band_counts_and_spends_epsilon_once(
    tmp_path: Path, hpo: Hpo
) -> None:
    config = match_node.build(tmp_path, hpo, node_id="eu-match-repeat")
    headers = bearer(passport("repeat-cn", country="CN"))  # abroad: band counts, not matches
    asked = {"phenotypes": [SEIZURE, "HP:0001263"], "limit": 5}
    reworded = {"phenotypes": ["HP:0001263", "Seizure", SEIZURE], "limit": 9}  # same question
    async with node(tmp_path, config, privacy=EVERY_NUMBER) as (client, _):
        first = (await client.post("/api/match", json=asked, headers=headers)).json()
        spent = (await client.get("/api/budget", headers=headers)).json()
        again = (await client.post("/api/match", json=reworded, headers=headers)).json()
        after = (await client.get("/api/budget", headers=headers)).json()
        other = await client.post("/api/match", json={**asked, "excluded": [MARFAN[0]]}, headers=headers)
        later = (await client.get("/api/budget", headers=headers)).json()
    noised = [b["count"] for b in bands_of(first) if b["count"]["how"] == "noised"]  # type: ignore[index]
    assert noised and all(c["epsilon"] == 1.0 and c["value"] >= 1 for c in noised)
    assert all(b["count"]["how"] in {"noised", "exact"} for b in bands_of(first))  # type: ignore[index]
    assert bands_of(again) == bands_of(first)
    by_dataset = {d["dataset"]: d["spent"] for d in spent["datasets"]}
    assert by_dataset == {"ds-a": float(len(noised)), "ds-b": 0.0}  # yes/no bands cost nothing
    assert after["datasets"] == spent["datasets"]
    assert other.status_code == 200  # another question: fresh noise, paid for
    assert later["datasets"][0]["spent"] > spent["datasets"][0]["spent"]


async def test_a_match_past_the_budget_is_refused_as_entries_are_and_repeats_stay_free(
    tmp_path: Path, hpo: Hpo
) -> None:
    config = match_node.build(tmp_path, hpo, node_id="eu-match-budget")
    headers = bearer(passport("budget-cn", country="CN"))
    questions = [{"phenotypes": [SEIZURE, term]} for term in NEURO[1:]]
    privacy = {**EVERY_NUMBER, "yearly_epsilon_budget": 2.0}
    async with node(tmp_path, config, privacy=privacy) as (client, context):
        replies = []
        for question in questions:  # bounded: at most six questions
            replies.append(await client.post("/api/match", json=question, headers=headers))
            if replies[-1].status_code != 200:
                break
        repeat = await client.post("/api/match", json=questions[0], headers=headers)
        budget = (await client.get("/api/budget", headers=headers)).json()
        entries = audit_entries(context)
    refused = replies[-1]
    assert refused.status_code == 403, [r.status_code for r in replies]
    assert all(r.status_code == 200 for r in replies[:-1])
    error = refused.json()
    assert errors(error, ERROR) == []
    assert error["error"]["errorMessage"].startswith("refused by the budget rule: budget-cn has spent")
    assert repeat.status_code == 200 and bands_of(repeat.json()) == bands_of(replies[0].json())
    assert budget["datasets"][0]["spent"] <= 2.0
    refusals = [e for e in entries if e.action == "refusal"]
    assert [(e.actor, e.rule) for e in refusals] == [("budget-cn", "privacy:budget")]


async def test_every_match_release_refusal_and_contact_request_is_audited_never_the_data(
    tmp_path: Path, hpo: Hpo
) -> None:
    config = match_node.build(tmp_path, hpo, node_id="eu-match-audit")
    home = bearer(passport("audit-home", country="IT", grants=GRANTS))
    abroad = bearer(passport("audit-cn", country="CN"))
    marfan = {"phenotypes": list(MARFAN), "gene": "FBN1"}
    async with node(tmp_path, config, privacy=EVERY_NUMBER) as (client, context):
        matched = (await client.post("/api/match", json=marfan, headers=home)).json()
        counted = (await client.post("/api/match", json={**marfan, "limit": 3}, headers=abroad)).json()
        forbidden = await client.post(
            "/api/match", json=marfan, headers={**home, PURPOSE_HEADER: "law_enforcement"}
        )
        best = matched["matches"][0]
        contact = {
            "node": "eu-match-audit",
            "dataset": best["dataset"],
            "matchId": best["matchId"],
            "researcher": {"name": "Alice", "email": "alice@uni.example"},
            "message": "May we compare notes?",
        }
        relayed = (await client.post("/api/match/contact", json=contact, headers=home)).json()
        entries = audit_entries(context)
        text = context.config.trust.audit_log.read_text()
    assert forbidden.status_code == 403
    releases = [e for e in entries if e.action == "release"]
    matches = [e for e in releases if e.released.get("kind") == "match"]
    assert [(e.actor, e.released["granularity"]) for e in matches] == [
        ("audit-home", "record"),
        ("audit-cn", "count"),
    ]
    at_home, cross = (e.released for e in matches)
    assert at_home["matches"] == len(matched["matches"]) and at_home["patientDatasets"] == 1
    assert cross["matches"] == 0 and cross["crossBorder"] is True
    assert cross["noised"] == sum(b["count"]["how"] == "noised" for b in bands_of(counted))  # type: ignore[index]
    assert at_home["question"] == cross["question"]  # one question, whoever asks and however many
    assert all(e.rule.startswith("X6+X1+X4") for e in matches)
    refusals = [(e.actor, e.rule) for e in entries if e.action == "refusal"]
    assert refusals == [("audit-home", "X5")]
    (contacted,) = [e for e in releases if e.released.get("kind") == "contact"]
    assert (contacted.actor, contacted.rule) == ("audit-home", "contact")
    assert contacted.released["requestId"] == relayed["requestId"]
    # never the data: no patient, no match id, no term, no score
    assert "p-marfan" not in text and best["matchId"] not in text and "HP:" not in text
    assert '"score"' not in text


async def test_per_patient_matches_leaving_china_are_counted_for_export_and_audited(
    tmp_path: Path, hpo: Hpo
) -> None:
    config = match_node.build(tmp_path, hpo, node_id="cn-match-export", jurisdiction="CN", country="CN")
    headers = bearer(passport("export-it", country="IT", grants=GRANTS))
    async with node(tmp_path, config, policy=OPEN_POLICY["CN"]) as (client, context):
        reply = (await client.post("/api/match", json={"phenotypes": list(MARFAN)}, headers=headers)).json()
        entries = audit_entries(context)
        totals = context.release.exports.totals(year=export_year(datetime.now(UTC), Jurisdiction.CN))
    assert reply["matches"] and reply["release"]["crossBorder"] is True
    (released,) = [e.released for e in entries if e.action == "release"]
    assert released["exported"] == len(reply["matches"]) == totals["x3_sensitive"]
