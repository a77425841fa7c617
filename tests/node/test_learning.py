"""A node's side of a federated training on a real store: the grant, admission per dataset (X4,
the ε budget), keyed noise, and what leaves a round."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import tomli_w

from pmbridge.errors import BudgetExhausted, ConfigError, DisclosureRefused, PolicyRefused, SignatureRejected
from pmbridge.flower import _wire as w
from pmbridge.flower._node_round import evaluate, train
from pmbridge.learning import TrainingSpec, issue_grant, parse_training, sign_grant
from pmbridge.model import AccessLevel
from pmbridge.node._learning import LearningNode, NodeTraining, join_training
from pmbridge.policy import Researcher
from pmbridge.signing import generate_key_pair
from pmbridge.vocab import Hpo, locate_data_dir
from tests.node import release_node
from tests.trust import HUB_KEY

NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)
EU_RESEARCHER = Researcher("eu-1", level=AccessLevel.REGISTERED, issuer="https://broker", country="DE")
BINARY = parse_training(
    {"task": "binary", "features": ["age", "seizure"], "label": "male",
     "variables": {"seizure": {"phenotype": release_node.SEIZURE}}, "rounds": 5}
)  # fmt: skip
GENETIC = parse_training(
    {"task": "binary", "features": ["age", "gene1"], "label": "male",
     "variables": {"gene1": {"gene": "GENE1"}}, "rounds": 5}
)  # fmt: skip
CN_ROUTE = {"cn_export_route": "standard_contract", "pipia_ref": "PIPIA-1", "separate_consent": True}


@pytest.fixture(scope="module")
def hpo() -> Hpo:
    return Hpo.load(locate_data_dir())


def _node(root: Path, doc: Mapping[str, object], hpo: Hpo, **tables: object) -> Path:
    full = release_node.build(root, {**doc, **tables}, hpo)
    full["learning"] = {"enabled": True, **dict(tables.get("learning", {}))}  # type: ignore[arg-type]
    path = root / "node.toml"
    path.write_text(tomli_w.dumps(full))
    return path


def _token(spec: TrainingSpec, *, run: str = "run-1", node: str = "eu-rel", key=HUB_KEY) -> str:
    grant = issue_grant(
        run_id=run, spec=spec, researcher=EU_RESEARCHER, purpose="research", nodes=(node,), now=NOW
    )
    return sign_grant(grant, key)


def test_an_admitted_training_charges_once_and_no_two_releases_share_their_noise(
    tmp_path: Path, hpo: Hpo
) -> None:
    node = LearningNode.open(_node(tmp_path, release_node.EU, hpo))
    try:
        first = join_training(node, _token(BINARY), now=NOW)
        again = join_training(node, _token(BINARY), now=NOW)  # round 2 of the same run
        assert [a.epsilon_charged for a in first.admissions] == [1.0]
        assert [a.epsilon_charged for a in again.admissions] == [0.0]
        known = [i for i in range(60) if i % 7 != 6 and i % 4 != 3]  # age and sex known (the label)
        assert first.design.people == len(known)
        assert first.admissions[0].people == first.design.part(validation=False).people  # who trains
        update = _update(first, 1)
        assert update.shape == (3, 1) and np.isfinite(update).all()
        rerun = join_training(node, _token(BINARY, run="run-2"), now=NOW)
        assert rerun.admissions[0].epsilon_charged == 1.0  # a new training is a new charge, so ...
        assert not np.array_equal(_update(rerun, 1), update)  # ... fresh noise composes; no two
        assert np.array_equal(_update(first, 1), update)  # releases share noise to cancel
        assert node.release.disclosure.ledger.spent("eu-1", "rel-eu", 2026) == 2.0
    finally:
        node.close()


def test_the_budget_refuses_a_training_too_many(tmp_path: Path, hpo: Hpo) -> None:
    node = LearningNode.open(_node(tmp_path, release_node.EU, hpo, privacy={"yearly_epsilon_budget": 2.5}))
    try:
        join_training(node, _token(BINARY, run="a"), now=NOW)
        join_training(node, _token(BINARY, run="b"), now=NOW)
        with pytest.raises(BudgetExhausted):
            join_training(node, _token(BINARY, run="c"), now=NOW)
    finally:
        node.close()


def test_an_eu_researcher_trains_on_a_cn_nodes_genes_only_under_an_hgr_filing(
    tmp_path: Path, hpo: Hpo
) -> None:
    unfiled = LearningNode.open(_node(tmp_path / "a", release_node.CN, hpo, policy=CN_ROUTE))
    try:
        with pytest.raises(PolicyRefused) as refused:
            join_training(unfiled, _token(GENETIC, node="cn-rel"), now=NOW)
        assert refused.value.rule == "X4"
        assert join_training(unfiled, _token(BINARY, node="cn-rel"), now=NOW).admissions  # no genes: fine
    finally:
        unfiled.close()
    filed = LearningNode.open(
        _node(tmp_path / "b", release_node.CN, hpo, policy={**CN_ROUTE, "hgr_filing_id": "HGR-1"})
    )
    try:
        assert join_training(filed, _token(GENETIC, node="cn-rel"), now=NOW).admissions
    finally:
        filed.close()


def test_a_grant_not_signed_by_the_hub_or_not_naming_the_node_is_rejected(tmp_path: Path, hpo: Hpo) -> None:
    node = LearningNode.open(_node(tmp_path, release_node.EU, hpo))
    try:
        with pytest.raises(SignatureRejected, match="not the hub's"):
            join_training(node, _token(BINARY, key=generate_key_pair()), now=NOW)
        with pytest.raises(SignatureRejected, match="not among the grant's nodes"):
            join_training(node, _token(BINARY, node="elsewhere"), now=NOW)
        assert node.release.disclosure.ledger.spent("eu-1", "rel-eu", 2026) == 0.0
    finally:
        node.close()


def test_a_validation_histogram_too_small_to_release_is_withheld(tmp_path: Path, hpo: Hpo) -> None:
    node = LearningNode.open(_node(tmp_path, release_node.EU, hpo))
    try:
        few = parse_training({**_wire(BINARY), "validation_share": 0.05})
        training = join_training(node, _token(few), now=NOW)
        assert training.design.part(validation=True).people < training.privacy.min_count
        withheld = evaluate(few, training.data("eu-rel"), {w.WEIGHTS: np.zeros((3, 1))})
        assert withheld[w.NODE]["status"] == w.SAT_OUT and w.ARRAYS not in withheld
        half = parse_training({**_wire(BINARY), "validation_share": 0.5})
        held = join_training(node, _token(half), now=NOW)
        released = evaluate(half, held.data("eu-rel"), {w.WEIGHTS: np.zeros((3, 1))})
        assert released[w.NODE]["status"] == w.EVALUATED
        cells = np.concatenate([released[w.ARRAYS][k].numpy() for k in (w.POSITIVES, w.NEGATIVES)])
        assert ((cells == 0) | (cells >= held.privacy.min_count)).all()
    finally:
        node.close()


def test_a_node_that_does_not_take_part_says_so(tmp_path: Path, hpo: Hpo) -> None:
    path = _node(tmp_path, release_node.EU, hpo, learning={"enabled": False})
    with pytest.raises(ConfigError, match="does not take part in federated learning"):
        LearningNode.open(path)


def _update(training: NodeTraining, round_: int) -> np.ndarray:
    reply = train(training.grant.spec, training.data("eu-rel"), {w.WEIGHTS: np.zeros((3, 1))}, round_=round_)
    return np.asarray(reply[w.ARRAYS][w.WEIGHTS].numpy())


def _wire(spec: TrainingSpec) -> dict[str, object]:
    return {"task": "binary", "features": ["age", "seizure"], "label": "male",
            "variables": {"seizure": {"phenotype": release_node.SEIZURE}}, "rounds": spec.rounds}  # fmt: skip


def test_a_training_on_people_a_few_apart_from_an_earlier_one_is_refused(tmp_path: Path, hpo: Hpo) -> None:
    """Two trainings whose people differ by fewer than k would let their exact counts be differenced."""
    tall = {"filters": [{"id": release_node.TALL}]}
    without_age = parse_training({"task": "binary", "features": ["seizure"], "label": "male", "cohort": tall,
                                  "variables": {"seizure": {"phenotype": release_node.SEIZURE}}})  # fmt: skip
    with_age = parse_training({**_wire(BINARY), "cohort": tall})  # two of them have no age: 2 apart
    node = LearningNode.open(_node(tmp_path, release_node.EU, hpo))
    try:
        join_training(node, _token(without_age, run="a"), now=NOW)
        join_training(node, _token(without_age, run="b"), now=NOW)  # the same people again: fine
        spent = node.release.disclosure.ledger.spent("eu-1", "rel-eu", 2026)
        with pytest.raises(DisclosureRefused) as refused:
            join_training(node, _token(with_age, run="c"), now=NOW)
        assert refused.value.rule == "differencing_guard"
        assert node.release.disclosure.ledger.spent("eu-1", "rel-eu", 2026) == spent  # nothing charged
    finally:
        node.close()
