"""A node's trainings in its own signed audit chain: each admitted training once (who, purpose,
request, datasets, the ε charged), each refusal once with its rule, even across a restart of the
runner, and the chain verifies with the node's public key."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmbridge.audit import read_audit_log, verify_audit_log
from pmbridge.errors import PolicyRefused, SignatureRejected
from pmbridge.node import _learning_client as client
from pmbridge.node._learning import LearningNode
from pmbridge.node._learning_audit import learning_audit_path
from pmbridge.signing import generate_key_pair
from pmbridge.vocab import Hpo
from tests.node import release_node
from tests.node.test_learning import BINARY, CN_ROUTE, GENETIC, NOW, _node, _token, hpo  # noqa: F401
from tests.trust import node_key


def _entries(node: LearningNode) -> list[dict[str, object]]:
    assert node.audit is not None
    path = node.audit.path
    report = verify_audit_log(path, keys=[node_key(path.parent, node.config.id).verifying_key])
    assert report.ok, report.problem
    return [
        {
            "action": e.entry.action,
            "actor": e.entry.actor,
            "rule": e.entry.rule,
            "query": e.entry.query,
            **e.entry.released,
        }
        for e in read_audit_log(path)
        if e.entry is not None
    ]


def test_each_training_is_audited_once_admitted_or_refused(tmp_path: Path, hpo: Hpo) -> None:  # noqa: F811
    config = _node(tmp_path, release_node.CN, hpo, policy=CN_ROUTE)
    node = LearningNode.open(config)
    try:
        assert node.audit is not None
        assert node.audit.path == learning_audit_path(node.config.trust.audit_log)
        assert node.audit.path != node.config.trust.audit_log  # the web process holds that one
        admitted = _token(BINARY, run="run-a", node="cn-rel")
        training = client._join(node, admitted, now=NOW)
        genetic = _token(GENETIC, run="run-b", node="cn-rel")
        for _round in range(3):  # every round asks again; the refusal is written once
            with pytest.raises(PolicyRefused):
                client._join(node, genetic, now=NOW)
        forged = _token(BINARY, run="run-c", node="cn-rel", key=generate_key_pair())
        with pytest.raises(SignatureRejected):
            client._join(node, forged, now=NOW)
    finally:
        node.close()
    restarted = LearningNode.open(config)  # a new runner process: the same questions again
    try:
        client._join(restarted, admitted, now=NOW)
        with pytest.raises(PolicyRefused):
            client._join(restarted, genetic, now=NOW)
        entries = _entries(restarted)
    finally:
        restarted.close()
    assert [(e["action"], e["rule"]) for e in entries] == [
        ("release", ""),
        ("refusal", "X4"),
        ("refusal", "unknown_key"),
    ]
    release, refusal, forgery = entries
    assert release["actor"] == "eu-1" and release["purpose"] == "research" and release["kind"] == "training"
    assert release["epsilon_charged"] == 1.0 and release["datasets"] == "rel-cn"
    assert release["people:rel-cn"] == training.admissions[0].people
    assert str(release["query"]).startswith("training run-a request ")
    assert refusal["actor"] == "eu-1" and str(refusal["query"]).startswith("training run-b ")
    assert forgery["actor"] == "unverified grant"
