"""DUO matching on the real DUO term list: permissions, Mondo diseases, and each modifier."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pmbridge.errors import ConfigError, ReferenceDataMissing
from pmbridge.policy import (
    Applicant,
    DataUseConditions,
    DiseaseHierarchy,
    DuoOutcome,
    DuoVocabulary,
    OrganisationType,
    ResearchPurpose,
    load_disease_hierarchy,
    load_duo_terms,
    match_data_use,
    parse_data_use,
)
from pmbridge.policy._diseases import read_obo_parents

FIXTURES = Path(__file__).parent / "fixtures"
OK, NO, DAC = DuoOutcome.PERMITTED, DuoOutcome.DENIED, DuoOutcome.COMMITTEE
EPILEPSY, JME, CF, MARFAN = "MONDO:0005027", "MONDO:0009696", "MONDO:0009061", "MONDO:0007947"
TODAY = date(2026, 6, 1)


@pytest.fixture(scope="module")
def duo(shared_data: Path) -> DuoVocabulary:
    return load_duo_terms(shared_data)


@pytest.fixture(scope="module")
def mondo(shared_data: Path) -> DiseaseHierarchy:
    """The shared mappings plus the fixture's is_a edges."""
    mappings = load_disease_hierarchy(shared_data)
    assert not mappings.has_hierarchy  # shared data has no mondo.obo
    lines = (FIXTURES / "mini_mondo.obo").read_text().splitlines()
    equivalents = {t: mappings.equivalent(t) for t in (JME, EPILEPSY, CF, MARFAN)}
    return DiseaseHierarchy(parents=read_obo_parents(lines), equivalents=equivalents, source="fixture")


def outcome(
    duo: DuoVocabulary,
    codes: tuple[str, ...],
    use: str,
    *,
    disease: str | None = None,
    diseases: tuple[str, ...] = (),
    hierarchy: DiseaseHierarchy | None = None,
) -> DuoOutcome:
    conditions = DataUseConditions(codes=codes, diseases=diseases)
    return match_data_use(
        conditions, ResearchPurpose(use, disease=disease), Applicant(), duo=duo, on=TODAY, diseases=hierarchy
    ).outcome


@pytest.mark.parametrize(
    ("dataset", "purpose", "expected"),
    [
        ("GRU", "GRU", OK),
        ("GRU", "HMB", OK),
        ("GRU", "POA", OK),
        ("HMB", "GRU", NO),
        ("HMB", "HMB", OK),
        ("HMB", "POA", NO),
        ("POA", "POA", OK),
        ("POA", "HMB", NO),
        ("NRES", "GRU", OK),
        ("NRES", "POA", OK),
        ("DUO:0000042", "DUO:0000006", OK),
    ],
)
def test_permission_matches_itself_and_its_descendants(
    duo: DuoVocabulary, dataset: str, purpose: str, expected: DuoOutcome
) -> None:
    assert outcome(duo, (dataset,), purpose) is expected


@pytest.mark.parametrize(
    ("dataset", "diseases", "disease", "with_mondo", "expected"),
    [
        ("GRU", (), EPILEPSY, False, OK),
        ("HMB", (), CF, False, OK),
        ("DS", (EPILEPSY,), EPILEPSY, False, OK),
        ("DS", (EPILEPSY,), JME, False, DAC),  # no hierarchy offline: the committee decides
        ("DS", (EPILEPSY,), JME, True, OK),
        ("DS", (EPILEPSY,), "ORPHA:307", True, OK),  # ORPHA → MONDO exact match, then is_a
        ("DS", (EPILEPSY,), CF, True, NO),
        ("DS", (JME,), EPILEPSY, True, NO),  # a parent is broader than the consent
        ("DS", (EPILEPSY,), "OMIM:254770", True, DAC),  # not in Mondo here
        ("DS", (MARFAN,), "Orphanet:558", False, OK),  # exact match from the shared SSSOM file
        ("DS", (EPILEPSY, CF), CF, True, OK),
        ("DS", (), EPILEPSY, True, DAC),
    ],
)
def test_disease_specific_permission(
    duo: DuoVocabulary,
    mondo: DiseaseHierarchy,
    shared_data: Path,
    dataset: str,
    diseases: tuple[str, ...],
    disease: str,
    with_mondo: bool,
    expected: DuoOutcome,
) -> None:
    hierarchy = mondo if with_mondo else load_disease_hierarchy(shared_data)
    assert outcome(duo, (dataset,), "DS", disease=disease, diseases=diseases, hierarchy=hierarchy) is expected


def test_ds_dataset_does_not_serve_broader_purposes(duo: DuoVocabulary) -> None:
    assert outcome(duo, ("DS",), "HMB", diseases=(EPILEPSY,)) is NO
    assert outcome(duo, ("DS",), "DS", diseases=(EPILEPSY,)) is NO  # the purpose must name its disease


def test_undecidable_terms_go_to_the_committee(duo: DuoVocabulary) -> None:
    assert outcome(duo, ("NMDS",), "HMB") is DAC  # no permission term
    assert outcome(duo, ("GRU", "DUO:9999999"), "HMB") is DAC
    assert outcome(duo, ("GRU", "DUO:0000005"), "HMB") is DAC  # obsolete GRU-CC
    assert outcome(duo, ("GRU", "RS"), "HMB") is DAC


APPLICANT = Applicant(
    user="u1",
    institution="uni-roma.example",
    organisation_type=OrganisationType.NON_PROFIT,
    country="IT",
    ethics_approval="CE-2026-17",
    project="P-9",
    commitments=frozenset({"PUB", "COL", "RTN"}),
)


@pytest.mark.parametrize(
    ("modifier", "conditions", "purpose", "applicant", "expected"),
    [
        ("IRB", {}, {}, {}, OK),
        ("IRB", {}, {}, {"ethics_approval": None}, NO),
        ("GS", {"regions": frozenset({"EU"})}, {}, {}, OK),
        ("GS", {"regions": frozenset({"EU"})}, {}, {"country": "CN"}, NO),
        ("GS", {"regions": frozenset({"IT"})}, {}, {}, OK),
        ("GS", {"regions": frozenset({"EU"})}, {}, {"country": None}, DAC),
        ("GS", {}, {}, {}, DAC),
        ("NPU", {}, {}, {}, OK),
        ("NPU", {}, {}, {"organisation_type": OrganisationType.FOR_PROFIT}, NO),
        ("NPU", {}, {}, {"organisation_type": None}, DAC),
        ("NCU", {}, {"commercial": False}, {}, OK),
        ("NCU", {}, {"commercial": True}, {}, NO),
        ("NCU", {}, {}, {}, DAC),
        ("NPUNCU", {}, {"commercial": False}, {}, OK),
        ("NPUNCU", {}, {"commercial": True}, {}, NO),
        ("PUB", {}, {}, {}, OK),
        ("PUB", {}, {}, {"commitments": frozenset()}, NO),
        ("COL", {}, {}, {"commitments": frozenset({"PUB"})}, NO),
        ("RTN", {}, {}, {}, OK),
        ("TS", {"use_until": date(2026, 12, 31)}, {}, {}, OK),
        ("TS", {"use_until": date(2026, 5, 31)}, {}, {}, NO),
        ("TS", {}, {}, {}, DAC),
        ("MOR", {"publication_moratorium_until": date(2027, 1, 1)}, {}, {}, NO),
        (
            "MOR",
            {"publication_moratorium_until": date(2027, 1, 1)},
            {},
            {"commitments": frozenset({"MOR"})},
            OK,
        ),
        ("MOR", {"publication_moratorium_until": date(2026, 1, 1)}, {}, {}, OK),
        ("MOR", {}, {}, {}, DAC),
        ("US", {"users": frozenset({"u1"})}, {}, {}, OK),
        ("US", {"users": frozenset({"u2"})}, {}, {}, DAC),
        ("US", {}, {}, {}, DAC),
        ("PS", {"projects": frozenset({"P-9"})}, {}, {}, OK),
        ("PS", {"projects": frozenset({"P-9"})}, {}, {"project": None}, DAC),
        ("IS", {"institutions": frozenset({"uni-roma.example"})}, {}, {}, OK),
        ("IS", {"institutions": frozenset({"UNI-ROMA.example"})}, {}, {}, DAC),
        ("NMDS", {}, {}, {}, OK),
        ("NMDS", {}, {"methods_development": True}, {}, NO),
        ("GSO", {}, {"genetic_study": True}, {}, OK),
        ("GSO", {}, {"genetic_study": False}, {}, NO),
        ("GSO", {}, {}, {}, DAC),
        ("NPOA", {}, {}, {}, OK),
        ("NPOA", {}, {"use": "POA"}, {}, NO),
        ("CC", {}, {}, {}, OK),
    ],
)
def test_modifiers_one_by_one(
    duo: DuoVocabulary,
    modifier: str,
    conditions: dict[str, object],
    purpose: dict[str, object],
    applicant: dict[str, object],
    expected: DuoOutcome,
) -> None:
    from dataclasses import replace

    match = match_data_use(
        DataUseConditions(codes=("GRU", modifier), **conditions),  # type: ignore[arg-type]
        ResearchPurpose(**{"use": "HMB", **purpose}),  # type: ignore[arg-type]
        replace(APPLICANT, **applicant),  # type: ignore[arg-type]
        duo=duo,
        on=TODAY,
    )
    assert match.outcome is expected, match.checks
    check = next(c for c in match.checks if c.shorthand == modifier)
    assert check.outcome is expected and check.reason


def test_every_failed_obligation_is_listed(duo: DuoVocabulary) -> None:
    match = match_data_use(
        DataUseConditions(codes=("HMB", "IRB", "PUB", "NCU")),
        ResearchPurpose("HMB"),
        Applicant(),
        duo=duo,
        on=TODAY,
    )
    assert match.outcome is NO
    denied = match.reasons(NO)
    assert [r.split(":")[0] for r in denied] == ["IRB", "PUB"]
    assert match.reasons(DAC) == ("NCU: state whether the use is commercial",)


def test_labels_in_english_and_chinese(duo: DuoVocabulary) -> None:
    assert duo.display("DUO:0000042") == "GRU — general research use"
    zh = duo.label("HMB", lang="zh")
    assert (zh.text, zh.lang, zh.reviewed) == ("健康、医学或生物医学研究", "zh", False)
    assert duo.label("HMB").reviewed
    used = [t for t in duo.terms.values() if t.category in ("permission", "modifier") and not t.obsolete]
    assert len(used) == 23
    assert all(duo.label(t.id, lang="zh").lang == "zh" for t in used)
    assert duo.label("DUO:0000005", lang="zh").lang == "en"  # obsolete: English, visibly


def test_duo_terms_missing_is_named(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataMissing):
        load_duo_terms(tmp_path)


def test_data_use_from_a_dataset_table() -> None:
    conditions = parse_data_use(
        {
            "duo": ["DS", "GS", "TS"],
            "data_use": {"diseases": ["Orphanet:558"], "regions": ["eu"], "use_until": date(2027, 6, 30)},
        }
    )
    assert conditions.diseases == ("ORPHA:558",)
    assert conditions.regions == {"EU"}
    assert conditions.use_until == date(2027, 6, 30)
    with pytest.raises(ConfigError, match="data_use.use_until must be a TOML date"):
        parse_data_use({"data_use": {"use_until": "2027-06-30"}})
    with pytest.raises(ConfigError, match="has no setting 'disease'; did you mean 'diseases'"):
        parse_data_use({"data_use": {"disease": ["MONDO:0005027"]}})
