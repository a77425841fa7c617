"""HPO labels for generated phenopackets, looked up once from the loaded release."""

from __future__ import annotations

from collections.abc import Mapping

from pmbridge.errors import UnknownTerm
from pmbridge.vocab import DiseaseAnnotation, Hpo


def term_labels(hpo: Hpo, annotations: Mapping[str, DiseaseAnnotation]) -> dict[str, str]:
    """The label of every phenotype term the annotations use, for ``write_cohort(labels=...)``.

    A plain dict, so worker processes receive it cheaply; terms the release does not know keep
    no label rather than an invented one.
    """
    terms = {item.term for annotation in annotations.values() for item in annotation.phenotypes}
    labels: dict[str, str] = {}
    for term in sorted(terms):
        try:
            labels[term] = hpo.term(term).name
        except UnknownTerm:
            continue
    return labels
