"""Fixtures of the synth tests: the real HPO release of ../shared/data, loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmbridge.synth import term_labels
from pmbridge.synth._catalogue import Catalogue, build_catalogue
from pmbridge.vocab import DataDir, DiseaseAnnotation, Hpo, load_disease_annotations


@pytest.fixture(scope="session")
def data_dir(shared_data: Path) -> DataDir:
    return DataDir(shared_data, "env")


@pytest.fixture(scope="session")
def annotations(data_dir: DataDir) -> dict[str, DiseaseAnnotation]:
    return load_disease_annotations(data_dir)


@pytest.fixture(scope="session")
def hpo(data_dir: DataDir) -> Hpo:
    return Hpo.load(data_dir)


@pytest.fixture(scope="session")
def labels(hpo: Hpo, annotations: dict[str, DiseaseAnnotation]) -> dict[str, str]:
    return term_labels(hpo, annotations)


@pytest.fixture(scope="session")
def catalogue(annotations: dict[str, DiseaseAnnotation]) -> Catalogue:
    return build_catalogue(annotations)
