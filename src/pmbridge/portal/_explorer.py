"""The cohort explorer's charts, from released counts: by node, by sex, by age, by phenotype category."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from pmbridge.portal._charts import BarChart, bar_chart
from pmbridge.portal._cohort import CohortCounts
from pmbridge.portal._counts import ShownCount
from pmbridge.portal._i18n import N_, Lang
from pmbridge.portal._query import SEXES
from pmbridge.portal._refusals import Refusal
from pmbridge.portal._terms import TermIndex

BREAKDOWNS: Final = ("sex", "ageBand", "phenotypeCategory")
TOP_CATEGORIES: Final = 10
UNKNOWN: Final = N_("unknown")
IN_HIDDEN_CELLS: Final = N_("In held-back cells (not in the bars above)")

Translate = Callable[[str], str]


def explorer_charts(
    counts: CohortCounts,
    *,
    node_names: Mapping[str, str],
    terms: TermIndex,
    lang: Lang,
    translate: Translate,
) -> list[BarChart]:
    """The charts a cohort has numbers for, in the order the page shows them."""
    answered = [
        (node_names.get(n.node, n.node), n.total if n.total is not None else _refused(n.refusal))
        for n in counts.nodes
        if n.total is not None or n.refusal is not None
    ]
    charts = [bar_chart("nodes", N_("Individuals per node"), answered)]
    sex = counts.breakdowns.get("sex")
    rest = _remainder(counts, "sex", translate)
    if sex:
        labelled = [(translate(SEXES.get(cell, cell)), count) for cell, count in sex]
        charts.append(bar_chart("sex", N_("Individuals by sex"), labelled, remainder=rest))
    ages = counts.breakdowns.get("ageBand")
    rest = _remainder(counts, "ageBand", translate)
    if ages:
        labelled = [(translate(UNKNOWN) if cell == "unknown" else cell, count) for cell, count in ages]
        charts.append(bar_chart("age", N_("Individuals by age (years)"), labelled, remainder=rest))
    categories = counts.breakdowns.get("phenotypeCategory")
    if categories:
        charts.append(_categories(categories, terms=terms, lang=lang))
    return charts


def _refused(refusal: Refusal | None) -> ShownCount:
    rule = refusal.rule if refusal is not None else "refused"
    return ShownCount(None, "suppressed", rule=rule, reason=refusal.detail if refusal is not None else "")


def _remainder(counts: CohortCounts, breakdown: str, translate: Translate) -> tuple[str, ShownCount] | None:
    """The last bar of a breakdown that splits the cohort: the people in its held-back cells."""
    found = counts.hidden_cells.get(breakdown)
    return (translate(IN_HIDDEN_CELLS), found) if found is not None else None


_ORDER: Final = {"fewer": 2}
"""Categories: released numbers first (largest first), then those of unknown size, then the ones
known to be small: an unknown one may be the largest of all, so it is not put last."""


def _categories(cells: tuple[tuple[str, ShownCount], ...], *, terms: TermIndex, lang: Lang) -> BarChart:
    ranked = sorted(
        cells,
        key=lambda item: (
            _ORDER.get(item[1].kind, 1 if item[1].value is None else 0),
            -item[1].sortable,
            item[0],
        ),
    )[:TOP_CATEGORIES]
    labelled: list[tuple[str, ShownCount]] = []
    fallbacks: set[str] = set()
    for term_id, count in ranked:
        term = terms.get(term_id)
        label, fallback = term.label(lang) if term is not None else (term_id, False)
        labelled.append((label, count))
        if fallback:
            fallbacks.add(label)
    return bar_chart(
        "phenotypes", N_("Most frequent phenotype categories"), labelled, fallbacks=frozenset(fallbacks)
    )
