"""Give Beacon filters their meaning: HPO, disease, sex, age and gene filters over individuals.

A filter the node cannot apply (an unknown prefix or field) is skipped and reported, and the
answer says it was computed without it; a malformed filter (bad operator or value) is an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pmbridge.beacon._request import RawFilter
from pmbridge.beacon._similarity import SimilarAnchors
from pmbridge.errors import QueryError, UnknownTerm, UnsupportedFilter
from pmbridge.model import (
    AgeFilter,
    DiseaseFilter,
    Filter,
    GeneFilter,
    Operator,
    PhenotypeFilter,
    Sex,
    SexFilter,
    TermId,
    is_disease_id,
    is_hpo_id,
)

# Beacon's default model codes sex with NCIT terms.
NCIT_SEX = {
    "NCIT:C16576": Sex.FEMALE,
    "NCIT:C20197": Sex.MALE,
    "NCIT:C17998": Sex.UNKNOWN_SEX,
    "NCIT:C45908": Sex.OTHER_SEX,
}
SEX_WORDS = {"female": Sex.FEMALE, "male": Sex.MALE, "other": Sex.OTHER_SEX, "unknown": Sex.UNKNOWN_SEX}
AGE_FIELDS = ("age", "ageYears", "age_years")
GENE_FIELDS = ("geneId", "gene")

SCOPES = frozenset(
    {
        "individual",
        "individuals",
        "biosample",
        "biosamples",
        "genomicVariant",
        "genomicVariation",
        "genomicVariations",
    }
    | {"g_variant", "g_variants", "dataset", "datasets", "cohort", "cohorts"}
)

CanonicalHpo = Callable[[str], "str | None"]


@dataclass(frozen=True, slots=True)
class SkippedFilter:
    """A filter the node could not apply: left out of the answer and reported with the reason."""

    id: str
    reason: str


@dataclass(frozen=True, slots=True)
class FilterMeaning:
    """What a request's filters mean at this node; all parts combine with AND.

    ``phenotype_groups`` come from similarity filters: each is a set of HPO terms, any of which
    (or a descendant) the individual must have. ``notes`` say how a filter was read when that is
    not the obvious way (a similarity expanded, or matched exactly).
    """

    filters: tuple[Filter, ...] = ()
    phenotype_groups: tuple[tuple[str, ...], ...] = ()
    skipped: tuple[SkippedFilter, ...] = ()
    notes: tuple[str, ...] = ()


def interpret_filters(
    raw: tuple[RawFilter, ...], *, canonical_hpo: CanonicalHpo, similar: SimilarAnchors
) -> FilterMeaning:
    """The meaning of ``raw``: applied filters, similarity groups, and the filters skipped.

    ``canonical_hpo`` maps an HPO id to its current id (obsolete ids to their replacement);
    ``similar`` gives, for a current HPO term and a similarity level, the anchor terms whose
    descendants count as similar (``pmbridge.similarity.hpo_similar_anchors``).
    """
    filters: list[Filter] = []
    groups: list[tuple[str, ...]] = []
    skipped: list[SkippedFilter] = []
    notes: list[str] = []
    for item in raw:
        if item.scope is not None and item.scope not in SCOPES:
            skipped.append(SkippedFilter(item.id, f"scope {item.scope!r} is not an entry type of this node"))
            continue
        try:
            meaning = to_filter(item, canonical_hpo=canonical_hpo)
        except UnsupportedFilter as exc:
            skipped.append(SkippedFilter(item.id, exc.message))
            continue
        similarity = item.similarity or "exact"
        if similarity == "exact":
            filters.append(meaning)
        elif isinstance(meaning, PhenotypeFilter):
            anchors = similar(meaning.term, similarity)
            groups.append(anchors)
            notes.append(
                f"{item.id} with similarity {similarity} matched descendants of {', '.join(anchors)}"
            )
        else:
            filters.append(meaning)
            notes.append(f"similarity applies to HPO terms only: {item.id} was matched exactly")
    return FilterMeaning(tuple(filters), tuple(groups), tuple(skipped), tuple(notes))


def check_filters(raw: tuple[RawFilter, ...]) -> None:
    """Raise on the first malformed filter, without an ontology: what the hub checks before asking.

    Filters a node cannot apply pass; they are the node's to report.

    >>> check_filters((RawFilter("XYZ:1"), RawFilter("age", ">=", "18")))
    >>> check_filters((RawFilter("age", ">", "old"),))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    pmbridge.errors.QueryError: age filter value 'old' is not a number of years ...
    """
    for item in raw:
        try:
            to_filter(item, canonical_hpo=lambda term: term)
        except UnsupportedFilter:
            continue


def to_filter(item: RawFilter, *, canonical_hpo: CanonicalHpo) -> Filter:
    """One filter's meaning; raises UnsupportedFilter for what the node cannot apply, QueryError
    for a malformed filter and UnknownTerm for an HPO id not in the loaded release."""
    if item.operator is not None:
        return _alphanumeric(item)
    if is_hpo_id(item.id):
        current = canonical_hpo(item.id)
        if current is None:
            raise UnknownTerm(item.id, hint="check the HPO id; `pmbridge vocab search WORD` finds terms")
        return PhenotypeFilter(current, include_descendants=item.include_descendant_terms)
    if item.id in NCIT_SEX:
        return SexFilter(NCIT_SEX[item.id].value)
    if is_disease_id(item.id):
        return DiseaseFilter(item.id)
    term = TermId.parse(item.id)
    if term is not None and term.prefix == "HGNC" and term.local.isdigit():
        raise UnsupportedFilter(
            f"HGNC numeric id {item.id!r} cannot be applied: the store holds gene symbols",
            hint='use the symbol, e.g. {"id": "gene:FBN1"}',
        )
    if term is not None and term.prefix in ("HGNC", "gene"):
        return GeneFilter(term.local)
    raise UnsupportedFilter(
        f"filter {item.id!r} is not supported by this node",
        hint="supported: HP:, OMIM:, ORPHA:, MONDO: and NCIT sex terms, gene:SYMBOL, and the "
        "alphanumeric fields sex, age and geneId; see /api/filtering_terms",
    )


def _alphanumeric(item: RawFilter) -> Filter:
    operator = _operator(item)
    value = item.value or ""
    if item.id in AGE_FIELDS:
        try:
            years = float(value)
        except ValueError:
            raise QueryError(
                f"age filter value {value!r} is not a number of years", hint='e.g. "value": "18"'
            ) from None
        return AgeFilter(operator, years)
    if item.id == "sex":
        sex = SEX_WORDS.get(value.lower()) or _sex_code(value)
        if operator not in (Operator.EQ, Operator.NE):
            raise QueryError("sex filters take = or !", hint='e.g. {"id": "sex", "operator": "=", ...}')
        return SexFilter(sex.value, negate=operator is Operator.NE)
    if item.id in GENE_FIELDS:
        if operator is not Operator.EQ:
            raise QueryError(
                "gene filters take =", hint='e.g. {"id": "geneId", "operator": "=", "value": "FBN1"}'
            )
        return GeneFilter(value)
    raise UnsupportedFilter(
        f"alphanumeric filter on {item.id!r} is not supported by this node",
        hint="supported alphanumeric fields: sex, age, geneId",
    )


def _operator(item: RawFilter) -> Operator:
    try:
        return Operator(item.operator or "")
    except ValueError:
        raise QueryError(
            f"operator {item.operator!r} of filter {item.id!r} is not one of = < > <= >= !",
            hint="use one of = < > <= >= !",
        ) from None


def _sex_code(value: str) -> Sex:
    if value in NCIT_SEX:
        return NCIT_SEX[value]
    try:
        return Sex(value.upper())
    except ValueError:
        raise QueryError(
            f"sex {value!r} is not recognised",
            hint="use FEMALE, MALE, OTHER_SEX, UNKNOWN_SEX or an NCIT sex term",
        ) from None
