"""Built-in term tables (onsets, background findings) match the loaded HPO release exactly."""

from __future__ import annotations

import re

from pmbridge.synth import MATERIALS, REGIONS
from pmbridge.synth._background import BACKGROUND_TERMS
from pmbridge.synth._catalogue import MIN_PHENOTYPES, Catalogue
from pmbridge.synth._onsets import ONSETS
from pmbridge.vocab import Hpo

ONSET_ROOT = "HP:0003674"


def test_onset_terms_are_hpo_onsets_with_their_labels(hpo: Hpo) -> None:
    onsets = hpo.descendants(ONSET_ROOT)
    for term, onset in ONSETS.items():
        assert term in onsets
        assert hpo.term(term).name == onset.label
        assert onset.first_day <= onset.last_day


def test_background_terms_are_current_hpo_phenotypes(hpo: Hpo) -> None:
    abnormality = hpo.descendants("HP:0000118")  # Phenotypic abnormality
    for term, label, weight in BACKGROUND_TERMS:
        assert term in abnormality
        assert hpo.term(term).name == label
        assert weight > 0


def test_region_profiles_are_complete() -> None:
    assert {"eu-south", "eu-north", "cn"} <= set(REGIONS)
    for profile in REGIONS.values():
        assert abs(sum(w for _, w in profile.countries) - 1) < 1e-9
        assert abs(sum(b.weight for b in profile.age_bands) - 1) < 1e-9
        assert abs(sum(w for _, w in profile.materials) - 1) < 1e-9
        assert all(key in MATERIALS for key, _ in profile.materials)
        assert all(re.fullmatch("[A-Z]{2}", country) for country, _ in profile.countries)
    for material in MATERIALS.values():
        assert re.fullmatch(r"UBERON:\d{7}", material.tissue_id)
        assert re.fullmatch(r"(NCIT:C\d+|OBI:\d{7})", material.type_id)


def test_catalogue_holds_eligible_omim_diseases(catalogue: Catalogue) -> None:
    assert len(catalogue.diseases) > 3000
    for disease in catalogue.diseases:
        assert disease.id.startswith("OMIM:")
        assert len(disease.phenotypes) >= MIN_PHENOTYPES
        assert disease.loci
    assert [d.id for d in catalogue.diseases] == sorted(d.id for d in catalogue.diseases)


def test_public_names() -> None:
    import pmbridge.synth as synth

    assert set(synth.__all__) == {
        "DEFAULT_FREQUENCY",
        "LABS",
        "MATERIALS",
        "OUTCOME_MODEL",
        "REFERENCE_DATE",
        "REGIONS",
        "AgeBand",
        "Agent",
        "CohortSpec",
        "Lab",
        "Material",
        "OutcomeModel",
        "RegionProfile",
        "generate_cohort",
        "term_labels",
        "write_cohort",
    }
    assert all(hasattr(synth, name) for name in synth.__all__)
