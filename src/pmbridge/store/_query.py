"""What the store is asked for one Beacon entry type: the matching individuals and the entry's own terms.

Every entry type is answered from the same set of matching individuals (filters, datasets, anchors);
biosamples and variants then add their own conditions. Positions here are the store's: 1-based, as VCF.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from pmbridge.model import Filter
from pmbridge.store._gene_loci import GeneSpan

Entry = Literal["individuals", "biosamples", "g_variants", "datasets", "cohorts"]


@dataclass(frozen=True, slots=True)
class VariantQuery:
    """Conditions on variant rows; each field left empty does not constrain.

    ``assemblies`` and ``chromosomes`` list every spelling to accept (see :mod:`._genome`).
    ``overlap`` is an inclusive 1-based span the variant's reference bases must touch; ``starts``
    and ``ends`` inclusive spans for the variant's first and last reference base (bracket queries).
    ``reference`` and ``alternate`` are LIKE patterns (Beacon's ``N`` wildcard becomes ``_``).
    """

    assemblies: tuple[str, ...] = ()
    chromosomes: tuple[str, ...] = ()
    position: int | None = None
    overlap: tuple[int, int] | None = None
    starts: tuple[int, int] | None = None
    ends: tuple[int, int] | None = None
    reference: str | None = None
    alternate: str | None = None
    variant_type: str | None = None  # SNP, MNP, DEL, INS or INDEL, judged from the bases
    gene: str | None = None
    hgvs: str | None = None
    protein_change: str | None = None  # three-letter HGVS, e.g. "Val600Glu"
    min_length: int | None = None
    max_length: int | None = None
    longest_reference: int | None = None  # the store's longest REF: bounds position scans of spans
    gene_spans: tuple[GeneSpan, ...] = ()  # where the store's calls of the genes asked for lie

    def span_of(self, gene: str) -> GeneSpan | None:
        """The store's span of ``gene``'s calls, when :meth:`NodeStore._tuned` found one."""
        return next((s for s in self.gene_spans if s.gene == gene), None)

    @property
    def empty(self) -> bool:
        """True when no field constrains the rows."""
        return replace(self, longest_reference=None, gene_spans=()) == VariantQuery()


@dataclass(frozen=True, slots=True)
class EntryQuery:
    """One entry type's query: the individuals that match, then the entry's own conditions.

    ``filters`` AND together over individuals; each of ``phenotype_groups`` is an OR of HPO terms
    (with their descendants) that the individual must meet, as similarity filters produce.
    ``individual_id``, ``biosample_id`` and a variant's exact ``variant`` are the anchors of by-id
    and cross-entry endpoints. ``skip``/``limit`` page the records of each dataset.
    """

    entry: Entry
    filters: tuple[Filter, ...] = ()
    phenotype_groups: tuple[tuple[str, ...], ...] = ()
    variant: VariantQuery = VariantQuery()
    dataset_ids: tuple[str, ...] = ()
    individual_id: str | None = None
    biosample_id: str | None = None
    skip: int = 0
    limit: int = 10

    @property
    def constrained(self) -> bool:
        """True when anything narrows the individuals beyond the datasets."""
        return bool(
            self.filters
            or self.phenotype_groups
            or not self.variant.empty
            or self.individual_id is not None
            or self.biosample_id is not None
        )
