"""Turn a Beacon request at one endpoint into the store's query: datasets, anchors, filters, variants.

This is where Beacon's coordinates become the store's: Beacon counts from 0 with ``end``
exclusive, the store keeps VCF positions (1-based, inclusive).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from pmbridge.beacon import BeaconRequest, EntryType, FilterMeaning, VariantParams, interpret_filters
from pmbridge.beacon import three_letter_change as protein_change
from pmbridge.errors import QueryError
from pmbridge.model import Dataset
from pmbridge.similarity import hpo_similar_anchors
from pmbridge.store import (
    EntryQuery,
    VariantQuery,
    assembly_spellings,
    canonical_assembly,
    chromosome_spellings,
    parse_variant_id,
    split_accession,
)
from pmbridge.vocab import Hpo


@dataclass(frozen=True, slots=True)
class QueryPlan:
    """The store query for one request, the datasets it involves, and how its filters were read.

    ``query`` is None when an anchor cannot exist (a malformed variant id): nothing matches.
    """

    query: EntryQuery | None
    datasets: tuple[Dataset, ...]
    meaning: FilterMeaning
    biosample_id: str | None = None
    unknown_datasets: tuple[str, ...] = ()


def plan_query(
    request: BeaconRequest,
    *,
    owner: EntryType,
    target: EntryType,
    entry_id: str | None,
    datasets: Sequence[Dataset],
    hpo: Hpo,
) -> QueryPlan:
    """The plan for ``/api/{owner.path}[/{entry_id}[/{target.path}]]``.

    Unknown ids at by-id endpoints match nothing (an empty answer, not an error). Dataset ids in
    ``requestParameters`` that this node does not hold are left out and reported: a hub sends the
    same request to every node, and each answers for the datasets it holds.
    """
    known = {ds.id: ds for ds in datasets}
    unknown = tuple(d for d in request.dataset_ids if d not in known)
    selected = (
        [known[d] for d in request.dataset_ids if d in known] if request.dataset_ids else list(datasets)
    )
    meaning = interpret_filters(
        request.filters, canonical_hpo=hpo.canonical_id, similar=hpo_similar_anchors(hpo)
    )
    variant = store_variant(request.variant)
    individual_id = biosample_id = None
    if entry_id is not None:
        if owner.collection:
            selected = [ds for ds in selected if ds.id == entry_id]
        elif owner.path == "individuals":
            individual_id = entry_id
        elif owner.path == "biosamples":
            biosample_id = entry_id
        else:
            if not request.variant.empty:
                raise QueryError(
                    "variant request parameters cannot be combined with a variant id",
                    hint=f"ask /api/g_variants with the parameters, or /api/g_variants/{entry_id} alone",
                )
            anchor = exact_variant(entry_id)
            if anchor is None:
                return QueryPlan(None, tuple(selected), meaning, unknown_datasets=unknown)
            variant = anchor
    query = EntryQuery(
        entry=target.path,  # type: ignore[arg-type]  # the registry's paths are the store's entries
        filters=meaning.filters,
        phenotype_groups=meaning.phenotype_groups,
        variant=variant,
        dataset_ids=tuple(ds.id for ds in selected),
        individual_id=individual_id,
        biosample_id=biosample_id,
        skip=request.skip,
        limit=request.limit,
    )
    return QueryPlan(query, tuple(selected), meaning, biosample_id, unknown)


ONE_PERSON_OWNERS = frozenset({"individuals", "biosamples", "runs", "analyses"})
"""Entry types whose by-id endpoints are about one person: an individual, or a sample, run or
analysis of one. A variant (``/g_variants/{id}``) is about its carriers: a cohort."""


def about_one_entry(plan: QueryPlan, request: BeaconRequest) -> tuple[QueryPlan, tuple[str, ...]]:
    """The plan of a question about one entry below record access, and what it leaves out.

    Filters and variant parameters beside one entry's id would read that person's attributes one
    yes/no at a time, so they are not applied: the question is only whether the entry is there.
    """
    if plan.query is None:
        return plan, ()
    dropped = tuple(f.id for f in request.filters)
    if not plan.query.variant.empty or not request.variant.empty:
        dropped += ("variant parameters",)
    bare = dataclasses.replace(plan.query, filters=(), phenotype_groups=(), variant=VariantQuery())
    return dataclasses.replace(plan, query=bare, meaning=FilterMeaning()), dropped


def exact_variant(entry_id: str) -> VariantQuery | None:
    """The variant named by a ``variantInternalId`` (``GRCh38:chr15:48600217:G:A``), or None.

    >>> query = exact_variant("hg38:15:48600217:G:A")
    >>> query.position, query.reference, query.alternate, "chr15" in query.chromosomes
    (48600217, 'G', 'A', True)
    """
    parsed = parse_variant_id(entry_id)
    if parsed is None:
        return None
    assembly, chromosome, position, reference, alternate = parsed
    return VariantQuery(
        assemblies=assembly_spellings(assembly),
        chromosomes=chromosome_spellings(chromosome, assembly=assembly),
        position=position,
        reference=reference,
        alternate=alternate,
    )


def store_variant(params: VariantParams) -> VariantQuery:
    """Beacon's variant parameters in the store's terms: spellings expanded, positions made 1-based.

    A sequence query's ``start`` is the 0-based position of the first reference base, so the
    VCF position is ``start + 1``; a range ``[start, end)`` covers VCF positions ``start + 1`` to
    ``end``; bracket bounds ``[min, max)`` on 0-based starts and exclusive ends become inclusive
    spans of the first (``min + 1 … max``) and last (``min … max - 1``) reference base.

    >>> seq = store_variant(VariantParams(reference_name="15", start=(48600216,), alternate_bases="A"))
    >>> seq.position
    48600217
    >>> store_variant(VariantParams(reference_name="15", start=(100,), end=(200,))).overlap
    (101, 200)
    >>> bracket = store_variant(VariantParams(reference_name="15", start=(100, 110), end=(200, 210)))
    >>> bracket.starts, bracket.ends
    ((101, 110), (200, 209))
    """
    if params.empty:
        return VariantQuery()
    assembly = params.assembly_id
    chromosomes: tuple[str, ...] = ()
    if params.reference_name is not None:
        accession = split_accession(params.reference_name)
        if accession is not None:
            if assembly is not None and canonical_assembly(assembly) != accession[0]:
                raise QueryError(
                    f"referenceName {params.reference_name} is a {accession[0]} sequence, "
                    f"but assemblyId is {assembly}",
                    hint="leave assemblyId out, or name the chromosome of that assembly",
                )
            assembly = accession[0]
        chromosomes = chromosome_spellings(params.reference_name, assembly=assembly)
    start, end = params.start, params.end
    return VariantQuery(
        assemblies=assembly_spellings(assembly) if assembly else (),
        chromosomes=chromosomes,
        position=start[0] + 1 if len(start) == 1 and not end else None,
        overlap=(start[0] + 1, end[0]) if len(start) == 1 and end else None,
        starts=(start[0] + 1, start[1]) if len(start) == 2 else None,
        ends=(end[0], end[1] - 1) if len(end) == 2 else None,
        reference=_pattern(params.reference_bases),
        alternate=_pattern(params.alternate_bases),
        variant_type=params.variant_type or _trimmed_type(params),
        gene=params.gene_id,
        hgvs=params.allele,
        protein_change=protein_change(params.aminoacid_change) if params.aminoacid_change else None,
        min_length=params.min_length,
        max_length=params.max_length,
    )


def _trimmed_type(params: VariantParams) -> str | None:
    """Beacon writes a trimmed deletion with empty ``alternateBases`` (an insertion, empty
    ``referenceBases``); stores keep VCF's padded alleles, so the emptiness says the type."""
    if params.alternate_bases == "":
        return "DEL"
    return "INS" if params.reference_bases == "" else None


def _pattern(bases: str | None) -> str | None:
    """Beacon's ``N`` (any base) as SQL LIKE's ``_``; an empty value does not constrain."""
    return bases.replace("N", "_") if bases else None
