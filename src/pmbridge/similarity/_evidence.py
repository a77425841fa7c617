"""Why a disease ranks where it does: each query term's (or the gene's) share of its score.

Weights are log10 likelihood ratios, so a disease's evidence sums to its score in decimal log units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

EvidenceKind = Literal["observed", "excluded", "gene"]


@dataclass(frozen=True, slots=True)
class Evidence:
    """One query term's (or gene's) contribution to a disease's score: positive for, negative against.

    >>> Evidence("HP:0001250", "excluded", -0.5229).to_dict()
    {'term': 'HP:0001250', 'kind': 'excluded', 'weight': -0.52}
    """

    term: str
    kind: EvidenceKind
    weight: float
    """log10 of the term's likelihood ratio for the disease."""

    def to_dict(self) -> dict[str, str | float]:
        return {"term": self.term, "kind": self.kind, "weight": round(self.weight, 2)}
