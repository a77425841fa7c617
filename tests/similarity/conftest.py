"""Fixtures of the similarity tests: a tiny hand-made ontology, and the shared 2025-01-16 release.

The fragment (ids are plain words, as any DAG may use):

    root ── nervous ── seizure ── focal
       │          │          └─ generalized
       │          └─ intellectual
       └─ eye ── myopia

with four diseases: d1 = {focal, intellectual}, d2 = {generalized}, d3 = {myopia, intellectual},
d4 = {myopia}. IC over them: root 0, nervous ln 4/3, seizure / intellectual / eye / myopia ln 2,
focal / generalized ln 4.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pmbridge.similarity import DiseaseRanker, InformationContent, TermGraph, graph_from_hpo
from pmbridge.vocab import DataDir, DiseaseAnnotation, Hpo, load_disease_annotations

PARENTS = {
    "root": [],
    "nervous": ["root"],
    "seizure": ["nervous"],
    "focal": ["seizure"],
    "generalized": ["seizure"],
    "intellectual": ["nervous"],
    "eye": ["root"],
    "myopia": ["eye"],
}
DISEASES = {
    "d1": ["focal", "intellectual"],
    "d2": ["generalized"],
    "d3": ["myopia", "intellectual"],
    "d4": ["myopia"],
}


@pytest.fixture(scope="session")
def graph() -> TermGraph:
    return TermGraph.from_parents(PARENTS)


@pytest.fixture(scope="session")
def ic(graph: TermGraph) -> InformationContent:
    return InformationContent.from_annotations(graph, DISEASES)


@pytest.fixture(scope="session")
def data_dir(shared_data: Path) -> DataDir:
    return DataDir(shared_data, "env")


@pytest.fixture(scope="session")
def hpo(data_dir: DataDir) -> Hpo:
    return Hpo.load(data_dir)


@pytest.fixture(scope="session")
def annotations(data_dir: DataDir) -> dict[str, DiseaseAnnotation]:
    return load_disease_annotations(data_dir)


@pytest.fixture(scope="session")
def ranker(hpo: Hpo, annotations: dict[str, DiseaseAnnotation]) -> DiseaseRanker:
    return DiseaseRanker(annotations, graph=graph_from_hpo(hpo), release=hpo.release)
