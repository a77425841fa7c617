"""The node's disclosure pass over the counts of one reply: the allele floor, then one
:class:`~pmbridge.privacy.DisclosureControl` release per dataset, each under its own question.

A question is what is counted (entry type, filters, anchors, variant, dataset), never how it is
paged or which endpoint asked it: ``/individuals`` and ``/datasets/{id}/individuals`` with the
same filters are one question, share one noisy answer and are not "differencing" each other.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from pmbridge.errors import DisclosureRefused
from pmbridge.model import GeneFilter
from pmbridge.privacy import (
    PEOPLE,
    Cohort,
    DisclosureControl,
    ReleasedCount,
    allele_count,
    allele_number,
    canonical_query,
    refused,
    release_allele_counts,
)
from pmbridge.store import EntryQuery


def question(query: EntryQuery, dataset: str) -> dict[str, object]:
    """The canonical question behind one dataset's count; AND-ed lists are sorted, paging dropped.

    >>> from pmbridge.model import SexFilter, AgeFilter, Operator
    >>> a = EntryQuery("individuals", filters=(SexFilter("FEMALE"), AgeFilter(Operator.LT, 18)))
    >>> b = EntryQuery("individuals", filters=(AgeFilter(Operator.LT, 18), SexFilter("FEMALE")), limit=99)
    >>> question(a, "ds") == question(b, "ds")
    True
    """
    variant = dataclasses.replace(query.variant, longest_reference=None)
    return {
        "entry": query.entry,
        "filters": sorted(
            ({"kind": type(f).__name__, **dataclasses.asdict(f)} for f in query.filters), key=canonical_query
        ),
        "phenotypeGroups": sorted(sorted(group) for group in query.phenotype_groups),
        "variant": {k: v for k, v in dataclasses.asdict(variant).items() if v not in (None, ())},
        "individual": query.individual_id,
        "biosample": query.biosample_id,
        "dataset": dataset,
    }


def is_genetic(query: EntryQuery) -> bool:
    """Whether the output derives from genetic data (HGR information in China, rule X4):
    variants, variant conditions, or a gene filter.

    >>> gene = EntryQuery("individuals", filters=(GeneFilter("FBN1"),))
    >>> is_genetic(EntryQuery("g_variants")), is_genetic(gene)
    (True, True)
    >>> is_genetic(EntryQuery("individuals"))
    False
    """
    return (
        query.entry == "g_variants"
        or not query.variant.empty
        or any(isinstance(f, GeneFilter) for f in query.filters)
    )


def allele_floors(
    calls: Mapping[str, tuple[Mapping[str, int], int]], *, datasets: tuple[str, ...], floor: int
) -> dict[str, ReleasedCount]:
    """The datasets whose count a variant query must hold back, each with why.

    ``calls`` gives per dataset the matching calls by zygosity and the people genotyped. The
    count of a variant query leaves only when the variant's allele count is at least ``floor`` and
    its complement 0 or at least ``floor`` (a rare variant, or one nearly everyone carries, points
    at a handful of people), and the allele number is 0 or at least ``floor``. A dataset where
    nobody carries it is held back alike, so that "withheld" does not mean "present".

    >>> floors = allele_floors({"a": ({"GENO:0000135": 3}, 40)}, datasets=("a", "b"), floor=10)
    >>> floors["a"].rule, floors["a"] == floors["b"]
    ('allele_count_floor', True)
    """
    held: dict[str, ReleasedCount] = {}
    for dataset in datasets:
        zygosities, genotyped = calls.get(dataset, ({}, 0))
        ac = allele_count(z for z, n in zygosities.items() for _ in range(n))
        alleles = release_allele_counts(ac, allele_number(diploid=genotyped), floor=floor)
        if not alleles.allele_count.released:
            held[dataset] = alleles.allele_count
        elif not alleles.allele_number.released:
            held[dataset] = alleles.allele_number
    return held


def release_counts(
    exact: Mapping[str, int],
    *,
    control: DisclosureControl,
    researcher: str,
    cross_border: bool,
    questions: Mapping[str, object],
    cohorts: Mapping[str, Cohort] | None,
    held: Mapping[str, ReleasedCount],
    unit: str = PEOPLE,
    public: bool = False,
) -> dict[str, ReleasedCount]:
    """Release each dataset's count; ``held`` ones (allele floor) are suppressed as they are.

    ``unit`` is what is counted (the entry type), ``public`` marks an anonymous caller (the shared
    public tier). A refused count (budget; the guard on exact counts of entries) is shown as
    suppressed with its rule and hint, so the other datasets still answer; when every count is
    refused the first refusal is raised. ``cohorts`` None: the caller knows no cohorts, so counts
    are answered per question.
    """
    k = control.settings.min_count_for(cross_border=cross_border)
    out: dict[str, ReleasedCount] = {}
    refusals: list[DisclosureRefused] = []
    for dataset, count in exact.items():
        if dataset in held:
            out[dataset] = held[dataset]
            continue
        try:
            out[dataset] = control.release_count(
                count,
                researcher=researcher,
                dataset=dataset,
                query=questions.get(dataset, {"dataset": dataset}),
                cross_border=cross_border,
                cohort=None if cohorts is None else cohorts.get(dataset, frozenset()),
                unit=unit,
                public=public,
            )
        except DisclosureRefused as error:
            refusals.append(error)
            out[dataset] = refused(error, threshold=k)
    if refusals and len(refusals) == len(out):
        raise refusals[0]
    return out
