"""The node's filtering terms: the terms present in its store, labelled from its HPO (en + zh)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from pmbridge.beacon import NCIT_SEX, FilteringTerm, OntologyResource, TermType, resources_for
from pmbridge.errors import UnknownTerm
from pmbridge.model import Sex
from pmbridge.store import PresentTerm, TermKind
from pmbridge.vocab import Hpo

SEX_LABELS: Mapping[Sex, tuple[str, str]] = {
    Sex.FEMALE: ("Female", "女性"),
    Sex.MALE: ("Male", "男性"),
    Sex.UNKNOWN_SEX: ("Unknown", "未知"),
    Sex.OTHER_SEX: ("Intersex", "间性"),
}
"""English (NCIT preferred names) and Chinese labels of the NCIT sex terms Beacon uses."""

ALPHANUMERIC_LABELS: Mapping[str, tuple[str, str]] = {
    "age": ("age in years", "年龄（岁）"),
    "sex": ("sex", "性别"),
    "geneId": ("gene symbol (HGNC)", "基因符号（HGNC）"),
}
"""Labels of the alphanumeric fields the node's filters understand (see beacon._filters)."""

_NCIT_OF_SEX = {sex: term for term, sex in NCIT_SEX.items()}


def node_filtering_terms(
    present: Iterable[PresentTerm],
    *,
    hpo: Hpo,
    dataset_ids: Collection[str] | None = None,
    genetic: bool = True,
) -> list[FilteringTerm]:
    """One filtering term per distinct present term (in ``dataset_ids``, or all datasets).

    ``genetic`` False leaves out the gene terms: which genes carry variants at the node is
    genetic-derived output, which rule X4 may keep from the caller.
    """
    chosen = [p for p in present if dataset_ids is None or p.dataset_id in dataset_ids]
    by_kind: dict[TermKind, dict[str, str | None]] = {kind: {} for kind in TermKind}
    for item in chosen:
        labels = by_kind[item.kind]
        labels[item.id] = labels.get(item.id) or item.label
    terms = [_phenotype(term_id, hpo) for term_id in by_kind[TermKind.PHENOTYPE]]
    terms += [_disease(term_id, label) for term_id, label in by_kind[TermKind.DISEASE].items()]
    sexes = [Sex(value) for value in by_kind[TermKind.SEX] if value in Sex.__members__]
    terms += [_sex(sex) for sex in sexes]
    if sexes:
        terms.append(_alphanumeric("sex", values=tuple(sorted(s.value for s in sexes))))
    if by_kind[TermKind.AGE]:
        terms.append(_alphanumeric("age"))
    genes = sorted(by_kind[TermKind.GENE]) if genetic else []
    terms += [FilteringTerm(TermType.CUSTOM, f"gene:{gene}", gene, gene) for gene in genes]
    if genes:
        terms.append(_alphanumeric("geneId"))
    return terms


def node_resources(terms: Iterable[FilteringTerm], *, hpo: Hpo) -> list[OntologyResource]:
    """The ontologies of ``terms``, the HPO with the release the node answers with."""
    return resources_for(terms, versions={"HP": hpo.release})


def _phenotype(term_id: str, hpo: Hpo) -> FilteringTerm:
    try:
        english = hpo.term(term_id).name
    except UnknownTerm:  # stored under another release; still filterable by its id
        english = term_id
    chinese, fallback = hpo.labels_zh.label(term_id, english)
    return FilteringTerm(TermType.ONTOLOGY, term_id, english, chinese, zh_fallback=fallback)


def _disease(term_id: str, label: str | None) -> FilteringTerm:
    # No Chinese disease vocabulary is loaded yet: the English label is the marked fallback.
    english = label or term_id
    return FilteringTerm(TermType.ONTOLOGY, term_id, english, english, zh_fallback=True)


def _sex(sex: Sex) -> FilteringTerm:
    english, chinese = SEX_LABELS[sex]
    return FilteringTerm(TermType.ONTOLOGY, _NCIT_OF_SEX[sex], english, chinese)


def _alphanumeric(field: str, *, values: tuple[str, ...] = ()) -> FilteringTerm:
    english, chinese = ALPHANUMERIC_LABELS[field]
    return FilteringTerm(TermType.ALPHANUMERIC, field, english, chinese, values=values)
