"""Fields the portal shows reach the client's typed messages: the rule a refusing node named, and
whether a term's Chinese label is the English one."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from pmbridge.client import Aggregates, Budget, DemoUsers, Evidence, Matches, NodeList


def test_a_refused_health_check_keeps_the_rule_the_node_named() -> None:
    listed = NodeList.model_validate(
        {
            "nodes": [
                {"id": "cn", "status": "refused", "health": "refused", "detail": "X1", "rule": "X1"},
                {"id": "eu", "status": "ok", "health": "up", "elapsedMs": 12, "hpoRelease": "2024-04-26"},
            ]
        }
    )
    assert [(n.id, n.rule) for n in listed.nodes] == [("cn", "X1"), ("eu", None)]
    assert listed.nodes[1].elapsed_ms == 12.0 and listed.nodes[1].hpo_release == "2024-04-26"


def test_a_refusing_nodes_line_in_aggregates_keeps_its_rule() -> None:
    answer = Aggregates.model_validate(
        {"datasets": [], "nodes": [{"node": "cn", "status": "refused", "detail": "no", "rule": "X4"}]}
    )
    assert answer.nodes[0].rule == "X4" and answer.nodes[0].elapsed_ms is None


def test_a_node_line_without_its_health_does_not_fit() -> None:
    with pytest.raises(ValidationError):
        NodeList.model_validate({"nodes": [{"id": "old"}]})


def test_a_refusing_nodes_line_in_matches_keeps_its_rule() -> None:
    answer = Matches.model_validate(
        {"matches": [], "nodes": [{"node": "cn", "status": "refused", "detail": "no", "rule": "X4"}]}
    )
    assert answer.nodes[0].rule == "X4"


def test_evidence_says_when_its_chinese_label_is_the_english_one() -> None:
    said = {"term": "HP:0001166", "kind": "observed", "weight": 1.2, "labels": {"en": "A", "zh": "A"}}
    assert Evidence.model_validate({**said, "zhFallback": True}).zh_fallback
    assert not Evidence.model_validate(said).zh_fallback


def test_the_budget_keeps_each_nodes_lines_and_the_hubs_own() -> None:
    said = Budget.model_validate(
        {
            "researcher": "r",
            "anonymous": False,
            "tier": "researcher",
            "year": 2026,
            "nodes": [
                {
                    "node": "eu-rome",
                    "status": "ok",
                    "elapsedMs": 3.0,
                    "datasets": [{"dataset": "rome-rd", "budget": 500.0, "spent": 2, "remaining": 498.0}],
                },
                {"node": "eu-down", "status": "down", "detail": "ConnectError", "datasets": []},
            ],
            "missingNodes": ["eu-down"],
            "hub": {"noise": "laplace", "budget": 100.0, "datasets": [{"dataset": "rome-rd", "spent": 1.0}]},
        }
    )
    assert [(n.node, [(d.dataset, d.spent) for d in n.datasets]) for n in said.nodes] == [
        ("eu-rome", [("rome-rd", 2.0)]),
        ("eu-down", []),
    ]
    assert said.hub is not None and said.hub.budget == 100.0 and said.hub.datasets[0].remaining is None
    with pytest.raises(ValidationError):
        Budget.model_validate({"year": "this one", "tier": "public"})


def test_demo_users_are_listed_only_when_the_broker_is_on() -> None:
    users = DemoUsers.model_validate(
        {
            "demo": True,
            "users": [{"id": "eu-researcher", "name": "EU", "grants": ["rome-rd"], "passport": "x"}],
        }
    )
    assert users.demo and users.users[0].grants == ["rome-rd"]
    assert DemoUsers.model_validate({"demo": False, "users": []}).users == []
