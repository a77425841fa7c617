"""A node's admission of a training: policy (X4 for genetic features), minimum count, one ε debit."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from pmbridge.errors import BudgetExhausted, DisclosureRefused, PolicyRefused
from pmbridge.learning import TrainingRequest, admit_training
from pmbridge.model import Jurisdiction
from pmbridge.policy import CnExportRoute, MemoryExportLedger, NodePolicy, Researcher
from pmbridge.privacy import MemoryLedger

NOW = datetime(2026, 12, 6, tzinfo=UTC)
PEOPLE = [f"p{i}" for i in range(40)]
EU_RESEARCHER = Researcher("eu-1", country="DE")
CN_ROUTED = NodePolicy(
    Jurisdiction.CN,
    "CN",
    cn_export_route=CnExportRoute.STANDARD_CONTRACT,
    pipia_ref="PIPIA-3",
    separate_consent=True,
)


def _admit(
    policy: NodePolicy,
    *,
    genetic: bool,
    ledger: MemoryLedger,
    run: str = "run-1",
    epsilon: float | None = 1.0,
    budget: float = 2.5,
    people: list[str] = PEOPLE,
):
    return admit_training(
        TrainingRequest(run, "digest", EU_RESEARCHER, "research"),
        dataset="ds",
        genetic=genetic,
        people=people,
        epsilon=epsilon,
        min_count=5,
        budget=budget,
        policy=policy,
        exports=MemoryExportLedger(),
        ledger=ledger,
        now=NOW,
    )


def test_an_eu_researchers_training_on_a_cn_nodes_genetic_features_needs_the_hgr_filing() -> None:
    ledger = MemoryLedger()
    with pytest.raises(PolicyRefused) as refused:
        _admit(CN_ROUTED, genetic=True, ledger=ledger)
    assert refused.value.rule == "X4"
    assert ledger.spent("eu-1", "ds", 2026) == 0  # a refused training charges nothing
    assert _admit(CN_ROUTED, genetic=False, ledger=ledger).epsilon_charged == 1.0
    filed = replace(CN_ROUTED, hgr_filing_id="HGR-F-1")
    assert _admit(filed, genetic=True, ledger=ledger, run="run-2").epsilon_charged == 1.0


def test_the_same_training_is_charged_once_however_many_rounds_ask() -> None:
    ledger = MemoryLedger()
    charges = [_admit(CN_ROUTED, genetic=False, ledger=ledger).epsilon_charged for _ in range(20)]
    assert charges == [1.0] + [0.0] * 19
    assert ledger.spent("eu-1", "ds", 2026) == 1.0
    assert _admit(CN_ROUTED, genetic=False, ledger=ledger, run="run-2").epsilon_charged == 1.0


def test_a_training_past_the_budget_is_refused_and_charges_nothing() -> None:
    ledger = MemoryLedger()
    _admit(CN_ROUTED, genetic=False, ledger=ledger, run="a")
    _admit(CN_ROUTED, genetic=False, ledger=ledger, run="b")
    with pytest.raises(BudgetExhausted):
        _admit(CN_ROUTED, genetic=False, ledger=ledger, run="c")
    assert ledger.spent("eu-1", "ds", 2026) == 2.0


def test_too_few_people_sit_the_training_out() -> None:
    with pytest.raises(DisclosureRefused, match="fewer than 5") as refused:
        _admit(CN_ROUTED, genetic=False, ledger=MemoryLedger(), people=PEOPLE[:4])
    assert refused.value.rule == "min_count"


def test_a_node_without_differential_privacy_charges_nothing() -> None:
    ledger = MemoryLedger()
    assert _admit(CN_ROUTED, genetic=False, ledger=ledger, epsilon=None).epsilon_charged == 0.0
    assert ledger.spent("eu-1", "ds", 2026) == 0.0


@pytest.mark.parametrize("few", [1, 4])
def test_a_few_people_are_refused_as_too_few_before_any_policy_rule(few: int) -> None:
    """1..k-1 people read as "too few", exactly as for a dataset too small to name, never as X4 (which
    would say someone is there), and nothing is counted in the export ledger for them."""
    exports = MemoryExportLedger()
    with pytest.raises(DisclosureRefused) as refused:
        admit_training(
            TrainingRequest("run-1", "digest", EU_RESEARCHER, "research"),
            dataset="ds", genetic=True, people=PEOPLE[:few], epsilon=1.0, min_count=5, budget=2.5,
            policy=CN_ROUTED, exports=exports, ledger=MemoryLedger(), now=NOW,
        )  # fmt: skip
    assert refused.value.rule == "min_count"
    assert exports.totals(year=NOW.year) == {}
