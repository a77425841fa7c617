"""Give Beacon filters their meaning: HPO, disease, sex, age and gene filters over individuals."""

from __future__ import annotations

from collections.abc import Callable

from pmbridge.beacon._request import RawFilter
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

CanonicalHpo = Callable[[str], "str | None"]


def to_filters(raw: tuple[RawFilter, ...], *, canonical_hpo: CanonicalHpo) -> tuple[Filter, ...]:
    """Meaningful filters for ``raw``; raises on the first one the node cannot apply.

    ``canonical_hpo`` maps an HPO id to its current id (obsolete ids to their replacement).
    """
    return tuple(to_filter(item, canonical_hpo=canonical_hpo) for item in raw)


def to_filter(item: RawFilter, *, canonical_hpo: CanonicalHpo) -> Filter:
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
