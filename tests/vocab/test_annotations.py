"""Disease annotations read from the shared phenotype.hpoa and genes_to_phenotype.txt (2025-01-16).

Expected values were read from those files with grep (the rows are quoted in each test).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pmbridge.errors import ReferenceDataMissing
from pmbridge.vocab import (
    AnnotatedPhenotype,
    DataDir,
    DiseaseAnnotation,
    Hpo,
    load_disease_annotations,
)


@pytest.fixture(scope="module")
def diseases(data_dir: DataDir) -> dict[str, DiseaseAnnotation]:
    return load_disease_annotations(data_dir)


def test_counts_match_the_file(diseases: dict[str, DiseaseAnnotation]) -> None:
    # `cut -f1 phenotype.hpoa | sort -u`: 8,359 OMIM, 4,281 ORPHA, 47 DECIPHER ids
    # (the header's description says 4,283 ORPHANET).
    prefixes = [disease.split(":")[0] for disease in diseases]
    assert (prefixes.count("OMIM"), prefixes.count("ORPHA"), prefixes.count("DECIPHER")) == (
        8359,
        4281,
        47,
    )


def test_developmental_and_epileptic_encephalopathy_96(
    diseases: dict[str, DiseaseAnnotation],
) -> None:
    # OMIM:619340 ... HP:0011097 ... 1/2 ... P; HP:0002187 1/1; ... HP:0001522 1/2 C (Death in
    # infancy: clinical course, not onset); HP:0000006 I; genes_to_phenotype: NSF.
    dee96 = diseases["OMIM:619340"]
    assert dee96.name == "Developmental and epileptic encephalopathy 96"
    assert dee96.phenotypes[:2] == (
        AnnotatedPhenotype("HP:0011097", 0.5, False, None),
        AnnotatedPhenotype("HP:0002187", 1.0, False, None),
    )
    assert [p.term for p in dee96.phenotypes] == [
        "HP:0011097",
        "HP:0002187",
        "HP:0001518",
        "HP:0032792",
        "HP:0011451",
        "HP:0010851",
        "HP:0001789",
        "HP:0200134",
        "HP:0002643",
    ]
    assert dee96.inheritance == ("HP:0000006",)
    assert dee96.onsets == ()
    assert dee96.genes == ("NSF",)


def test_not_rows_are_excluded_phenotypes(diseases: dict[str, DiseaseAnnotation]) -> None:
    # ORPHA:79406 Late-onset junctional epidermolysis bullosa: 11 rows with HP:0040282/3,
    # 16 rows with qualifier NOT and no frequency; gene COL17A1.
    jeb = diseases["ORPHA:79406"]
    excluded = [p for p in jeb.phenotypes if p.excluded]
    assert len(jeb.phenotypes) == 27
    assert len(excluded) == 16
    assert AnnotatedPhenotype("HP:0000079", None, True, None) in excluded
    assert AnnotatedPhenotype("HP:0001030", 0.545, False, None) in jeb.phenotypes
    assert AnnotatedPhenotype("HP:0000670", 0.17, False, None) in jeb.phenotypes
    assert jeb.genes == ("COL17A1",)


def test_onsets_keep_only_terms_under_onset(diseases: dict[str, DiseaseAnnotation]) -> None:
    # OMIM:263200 has aspect C rows HP:0003577 3/16, HP:0003596, HP:0030674, HP:0003593,
    # HP:0011463, HP:0011462, HP:0003623 (onsets) and HP:0003811 (Neonatal death: mortality).
    arpkd = diseases["OMIM:263200"]
    assert arpkd.onsets == (
        "HP:0003577",
        "HP:0003596",
        "HP:0030674",
        "HP:0003593",
        "HP:0011463",
        "HP:0011462",
        "HP:0003623",
    )
    assert arpkd.inheritance == ("HP:0000007",)
    assert arpkd.genes == ("PKHD1",)


def test_phenotype_onset_column(diseases: dict[str, DiseaseAnnotation]) -> None:
    # OMIM:154700 (Marfan): HP:0032934 with onset HP:0011462 and frequency HP:0040284.
    marfan = diseases["OMIM:154700"]
    assert AnnotatedPhenotype("HP:0032934", 0.025, False, "HP:0011462") in marfan.phenotypes
    assert AnnotatedPhenotype("HP:0000218", 34 / 53, False, None) in marfan.phenotypes
    assert marfan.genes == ("FBN1",)
    assert marfan.inheritance == ("HP:0000006",)


def test_every_value_is_well_formed(diseases: dict[str, DiseaseAnnotation], hpo: Hpo) -> None:
    for disease in diseases.values():
        assert disease.name
        for phenotype in disease.phenotypes:
            assert phenotype.frequency is None or 0.0 <= phenotype.frequency <= 1.0
            assert hpo.canonical_id(phenotype.term) is not None
        assert all(hpo.canonical_id(t) is not None for t in disease.inheritance)
        assert set(disease.onsets) <= hpo.descendants("HP:0003674")


def test_cached_per_data_dir(data_dir: DataDir, diseases: dict[str, DiseaseAnnotation]) -> None:
    again = load_disease_annotations(data_dir)
    assert again == diseases
    assert again["OMIM:619340"] is diseases["OMIM:619340"]


def test_missing_files_say_how_to_get_them(tmp_path: Path) -> None:
    (tmp_path / "hpo").mkdir()
    (tmp_path / "hpo" / "phenotype.hpoa").write_text("", encoding="utf-8")
    with pytest.raises(ReferenceDataMissing, match=r"genes_to_phenotype\.txt") as caught:
        load_disease_annotations(DataDir(tmp_path, "config"))
    assert "pmbridge vocab fetch" in caught.value.hint
