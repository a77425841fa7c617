"""Broad DUOS's data-use matching rules (algorithm v2), one case per row, through our matcher.

Source of the table: DataBiosphere/consent-ontology, ``docs/Algorithms.md`` ("Version 2", the
table "If my Research Purpose has… / What datasets should I see?"), read at commit
03383fab1f234d5087d2618c97c57d1152b8914c. Its 8 purpose rows hold 14 bulleted dataset rules;
here they are 18 cases, id ``<purpose row>/<dataset rule>``: a bullet with two conditions is split
(DS exact / parent; NPU, NCU) and a row's implied refusal is its own case (NCTRL true, POA on
HMB); the gender row's F and M bullets are one case, as DUO has no RS-G term at all. Where DUOS
and PM Bridge differ, POLICY.md (and the DUO release it ships, 2021-02-23) wins, and the row says
why. Where the rules cannot decide
(terms DUOS invented that are not in DUO: NCTRL, NAGR, RS-PD, RS-G), the verdict is ABSTAIN.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from pmbridge.access._duos import DuosVerdict, duos_verdict
from pmbridge.policy import (
    Applicant,
    DataUseConditions,
    DiseaseHierarchy,
    DuoOutcome,
    DuoVocabulary,
    OrganisationType,
    ResearchPurpose,
    load_duo_terms,
    match_data_use,
)

APPROVE, DENY, ABSTAIN = DuosVerdict.APPROVE, DuosVerdict.DENY, DuosVerdict.ABSTAIN
ON = date(2026, 12, 6)
DISEASE, PARENT, CHILD = "MONDO:0000002", "MONDO:0000001", "MONDO:0000003"
MONDO = DiseaseHierarchy(parents={CHILD: [DISEASE], DISEASE: [PARENT]}, equivalents={})
NOT_FOR_PROFIT = Applicant(organisation_type=OrganisationType.NON_PROFIT)
FOR_PROFIT = Applicant(organisation_type=OrganisationType.FOR_PROFIT)


@dataclass(frozen=True)
class Row:
    """One DUOS rule: a purpose, a dataset, DUOS's verdict and ours (``why`` when they differ)."""

    purpose: ResearchPurpose
    dataset: DataUseConditions
    duos: DuosVerdict
    ours: DuosVerdict
    applicant: Applicant = field(default=NOT_FOR_PROFIT)
    why: str = ""


def ds(disease: str = DISEASE, **flags: object) -> ResearchPurpose:
    return ResearchPurpose("DS", disease=disease, commercial=False, **flags)  # type: ignore[arg-type]


def use(name: str, **flags: object) -> ResearchPurpose:
    return ResearchPurpose(name, commercial=flags.pop("commercial", False), **flags)  # type: ignore[arg-type]


def data(*codes: str, diseases: tuple[str, ...] = ()) -> DataUseConditions:
    return DataUseConditions(codes=codes, diseases=diseases)


ROWS: dict[str, Row] = {
    # Disease focused research (DS-X)
    "disease/GRU-dataset": Row(ds(), data("GRU"), APPROVE, APPROVE),
    "disease/HMB-dataset": Row(ds(), data("HMB"), APPROVE, APPROVE),
    "disease/DS-X-exactly": Row(ds(), data("DS", diseases=(DISEASE,)), APPROVE, APPROVE),
    "disease/DS-parent-of-X": Row(ds(), data("DS", diseases=(PARENT,)), APPROVE, APPROVE),
    # Methods development / validation study
    "methods/GRU-dataset": Row(use("GRU", methods_development=True), data("GRU"), APPROVE, APPROVE),
    "methods/NMDS-false": Row(use("HMB", methods_development=True), data("HMB"), APPROVE, APPROVE),
    "methods/NMDS-true-and-DS-X-match": Row(
        ds(methods_development=True),
        data("DS", "NMDS", diseases=(DISEASE,)),
        APPROVE,
        DENY,
        why="DUO 2021-02-23 (the release POLICY.md's term list ships) defines NMDS as 'use does not "
        "allow methods development research', with no disease exception: the modifier is an "
        "obligation checked on its own (POLICY.md), so it denies",
    ),
    # Control set
    "control-set/NCTRL-false-and-GRU-or-HMB": Row(use("HMB"), data("HMB"), APPROVE, APPROVE),
    "control-set/DS-X-match": Row(ds(), data("DS", diseases=(DISEASE,)), APPROVE, APPROVE),
    "control-set/NCTRL-true": Row(
        use("HMB"),
        data("HMB", "NCTRL"),
        DENY,
        ABSTAIN,
        why="NCTRL is a DUOS term, not DUO: a code the node does not know goes to the committee",
    ),
    # Aggregate analysis to understand variation in the general population
    "aggregate/NAGR-true": Row(
        use("GRU"),
        data("GRU", "NAGR"),
        DENY,
        ABSTAIN,
        why="NAGR is a DUOS term, not DUO: the committee decides",
    ),
    # Study population origins or ancestry
    "ancestry/GRU-dataset": Row(use("POA"), data("GRU"), APPROVE, APPROVE),
    "ancestry/HMB-dataset-not-shown": Row(use("POA"), data("HMB"), DENY, DENY),
    # Commercial purpose / by a commercial entity
    "commercial/NPU-and-NCU-false": Row(
        use("GRU", commercial=True), data("GRU"), APPROVE, APPROVE, applicant=FOR_PROFIT
    ),
    "commercial/NCU-true": Row(use("GRU", commercial=True), data("GRU", "NCU"), DENY, DENY),
    "commercial/NPU-true": Row(use("GRU"), data("GRU", "NPU"), DENY, DENY, applicant=FOR_PROFIT),
    # Pediatric focused research; gender focused research
    "pediatric/RS-PD": Row(
        use("HMB"),
        data("HMB", "RS"),
        APPROVE,
        ABSTAIN,
        why="a purpose cannot state its research type (RS has no qualifier here): the committee decides",
    ),
    "gender/RS-G": Row(
        use("HMB"),
        data("HMB", "RS-G:F"),
        APPROVE,
        ABSTAIN,
        why="RS-G is a DUOS term, not DUO: the committee decides",
    ),
}


@pytest.fixture(scope="module")
def duo(shared_data: Path) -> DuoVocabulary:
    return load_duo_terms(shared_data)


def verdict(row: Row, duo: DuoVocabulary, diseases: DiseaseHierarchy | None = MONDO) -> DuosVerdict:
    match = match_data_use(row.dataset, row.purpose, row.applicant, duo=duo, on=ON, diseases=diseases)
    return duos_verdict(match.outcome)


@pytest.mark.parametrize("name", list(ROWS), ids=list(ROWS))
def test_duos_rule_row(name: str, duo: DuoVocabulary) -> None:
    row = ROWS[name]
    assert (row.duos == row.ours) == (not row.why), "a row that differs from DUOS says why"
    assert verdict(row, duo) is row.ours


def test_the_table_has_every_duos_rule() -> None:
    assert len(ROWS) == 18
    assert {name.split("/")[0] for name in ROWS} == {
        "disease", "methods", "control-set", "aggregate", "ancestry", "commercial", "pediatric", "gender",
    }  # fmt: skip


def test_the_ds_direction_is_pinned(duo: DuoVocabulary) -> None:
    """A DS dataset on D serves research on D or a subtype, never on a broader disease (POLICY.md)."""
    on_d = data("DS", diseases=(DISEASE,))
    assert verdict(Row(ds(DISEASE), on_d, APPROVE, APPROVE), duo) is APPROVE
    assert verdict(Row(ds(CHILD), on_d, APPROVE, APPROVE), duo) is APPROVE
    assert verdict(Row(ds(PARENT), on_d, DENY, DENY), duo) is DENY
    no_mondo = Row(ds(CHILD), on_d, ABSTAIN, ABSTAIN)
    assert verdict(no_mondo, duo, diseases=None) is ABSTAIN
    assert verdict(Row(ds(DISEASE), on_d, APPROVE, APPROVE), duo, diseases=None) is APPROVE


def test_every_outcome_has_a_duos_word() -> None:
    assert {duos_verdict(o) for o in DuoOutcome} == set(DuosVerdict)
