"""Breakdowns of one dataset's cohort for the portal's charts: sex, age band, phenotype category.

Sex and age band partition the cohort, so each is released as one breakdown with its total
(complementary suppression; the total shares the plain count's cached answer). Phenotype
categories (the children of HP:0000118, Phenotypic abnormality) overlap, so each is released as
a count of its own, with the people in it as its cohort.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from pmbridge.errors import DisclosureRefused
from pmbridge.privacy import Cohort, DisclosureControl, ReleasedCount, refused
from pmbridge.store import AGE_BANDS, SEX_CELLS, Dimension, Members
from pmbridge.vocab import Hpo

PHENOTYPIC_ABNORMALITY: Final = "HP:0000118"
TOP_CATEGORIES: Final = 10
"""Phenotype categories shown per dataset: the ten with most people, listed in id order. Each
costs its own ε, so all two dozen would spend half a default yearly budget on one chart."""

_CELLS: Final[Mapping[str, tuple[str, ...]]] = {
    "sex": tuple(SEX_CELLS.values()),
    "ageBand": AGE_BANDS,
}
_categories: dict[str, tuple[str, ...]] = {}


def phenotype_categories(hpo: Hpo) -> tuple[str, ...]:
    """The top-level categories: terms whose only ancestors are HP:0000118 and the terms above it."""
    found = _categories.get(hpo.release)
    if found is None:
        above = hpo.ancestors(PHENOTYPIC_ABNORMALITY)
        below = hpo.descendants(PHENOTYPIC_ABNORMALITY, include_self=False)
        found = tuple(sorted(t for t in below if hpo.ancestors(t, include_self=False) <= above))
        _categories[hpo.release] = found
    return found


def cell_members(dimension: Dimension, found: Members) -> dict[str, Cohort]:
    """Every cell of a partition (empty ones too), with the store's values renamed for the API."""
    if dimension == "sex":
        renamed = {SEX_CELLS.get(value, "unknown"): ids for value, ids in found.items()}
    else:
        renamed = dict(found)
    return {cell: renamed.get(cell, frozenset()) for cell in _CELLS[dimension]}


def top_categories(found: Members, *, limit: int = TOP_CATEGORIES) -> dict[str, Cohort]:
    """The ``limit`` categories with most people (ties by id), in id order.

    >>> sorted(top_categories({"HP:2": frozenset({1}), "HP:1": frozenset({1, 2}), "HP:3": frozenset({3})},
    ...                       limit=2))
    ['HP:1', 'HP:2']
    """
    chosen = sorted(found, key=lambda term: (-len(found[term]), term))[:limit]
    return {term: found[term] for term in sorted(chosen)}


def release_partition(
    dimension: Dimension,
    cells: Mapping[str, Cohort],
    *,
    control: DisclosureControl,
    researcher: str,
    dataset: str,
    question: object,
    cross_border: bool,
    total: Cohort,
    public: bool = False,
) -> dict[str, object]:
    """One partition with its total; a refusal (budget) shows every number as refused."""
    keyed = {f"{dimension}:{cell}": ids for cell, ids in cells.items()}
    guard = control.settings.differencing_guard
    try:
        released = control.release_breakdown(
            {name: len(ids) for name, ids in keyed.items()},
            total=len(total),
            researcher=researcher,
            dataset=dataset,
            query=question,
            cross_border=cross_border,
            cohorts=keyed if guard else None,
            total_cohort=total if guard else None,
            public=public,
            total_fixed=True,  # the same number is the dataset's total, released beside the chart
        )
    except DisclosureRefused as error:
        shown = _refused(error, control, cross_border)
        return {"cells": {cell: shown for cell in cells}, "total": shown}
    out = {name.split(":", 1)[1]: count.to_dict() for name, count in released.cells.items()}
    return {"cells": out, "total": released.total.to_dict() if released.total else None}


def release_categories(
    categories: Mapping[str, Cohort],
    *,
    control: DisclosureControl,
    researcher: str,
    dataset: str,
    question: Mapping[str, object],
    cross_border: bool,
    public: bool = False,
) -> dict[str, object]:
    """Each category's count on its own: they overlap, so no total and no complementary pass. A
    category every member has (the nervous system, for seizures) is the cohort itself: the same
    people, so the same number as the total."""
    guard = control.settings.differencing_guard
    cells: dict[str, object] = {}
    for term, ids in categories.items():
        try:
            count: ReleasedCount = control.release_count(
                len(ids),
                researcher=researcher,
                dataset=dataset,
                query={**question, "phenotypeCategory": term},
                cross_border=cross_border,
                cohort=ids if guard else None,
                public=public,
            )
            cells[term] = count.to_dict()
        except DisclosureRefused as error:
            cells[term] = _refused(error, control, cross_border)
    return {"cells": cells}


def _refused(error: DisclosureRefused, control: DisclosureControl, cross_border: bool) -> dict[str, object]:
    return refused(error, threshold=control.settings.min_count_for(cross_border=cross_border)).to_dict()
