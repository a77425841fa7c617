"""Patient matching (``POST /api/match``) and disease ranking (``POST /api/rank``) as typed messages.

A match is pseudonymous (a node's ``match_id``, meaningful only to that node and this researcher);
where a node gives no per-patient matches it gives counts per score band, marked like any count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field

from pmbridge.client._marks import ReleasedNumber
from pmbridge.client._message import Message
from pmbridge.client._tables import arrow_table, pandas_frame

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "Band",
    "BandCounts",
    "Evidence",
    "Labels",
    "Match",
    "MatchNode",
    "Matches",
    "RankedDisease",
    "Ranking",
]


class Match(Message):
    rank: int
    node: str
    dataset: str
    match_id: str
    score: float


class Band(Message):
    """Patients of a dataset whose score reaches ``min_score`` (``weak``, ``moderate``, ``strong``)."""

    band: str
    min_score: float | None = None
    exists: bool | None = None
    count: ReleasedNumber | None = None


class BandCounts(Message):
    node: str
    dataset: str
    bands: list[Band] = Field(default_factory=list)


class MatchNode(Message):
    """How one node answered the match: per-patient ``matches`` and ``aggregates`` it sent."""

    node: str
    status: str
    detail: str | None = None
    elapsed_ms: float | None = None
    matches: int = 0
    aggregates: int = 0
    hpo_release: str | None = None
    release: dict[str, Any] | None = None
    rule: str | None = None
    """The rule a refusing node named (``X4``, ``budget``, …), when it named one."""


class Matches(Message):
    matches: list[Match]
    aggregates: list[BandCounts] = Field(default_factory=list)
    nodes: list[MatchNode] = Field(default_factory=list)
    missing_nodes: list[str] = Field(default_factory=list)

    def to_arrow(self) -> pa.Table:
        """Per-patient matches, best first."""
        return arrow_table([m.model_dump() for m in self.matches], MATCH_COLUMNS)

    def bands_to_arrow(self) -> pa.Table:
        """Band counts, one row per node, dataset and band; a held-back count is a null ``value``."""
        rows = [
            {
                "node": item.node,
                "dataset": item.dataset,
                "band": band.band,
                "min_score": band.min_score,
                "exists": band.exists,
                "value": None if band.count is None else band.count.value,
                "mark": None if band.count is None else band.count.mark,
                "rule": None if band.count is None else band.count.rule,
            }
            for item in self.aggregates
            for band in item.bands
        ]
        return arrow_table(rows, BAND_COLUMNS)

    def to_pandas(self) -> Any:
        return pandas_frame(self.to_arrow())


MATCH_COLUMNS = {
    "rank": "int64",
    "node": "string",
    "dataset": "string",
    "match_id": "string",
    "score": "float64",
}
BAND_COLUMNS = {
    "node": "string",
    "dataset": "string",
    "band": "string",
    "min_score": "float64",
    "exists": "bool",
    "value": "int64",
    "mark": "string",
    "rule": "string",
}


class Labels(Message):
    en: str
    zh: str | None = None


class Evidence(Message):
    """One query term's (or the gene's) log10 likelihood-ratio contribution to a disease."""

    term: str
    kind: str
    weight: float
    labels: Labels | None = None
    zh_fallback: bool = False
    """Whether ``labels.zh`` is the English label, the HPO translation having none."""


class RankedDisease(Message):
    rank: int
    id: str
    score: float
    labels: Labels
    genes: list[str] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)

    @property
    def name(self) -> str:
        return self.labels.en


class Ranking(Message):
    """Diseases best explaining the phenotypes, best first (reference data only: no node is asked)."""

    hpo_release: str
    method: str
    diseases: list[RankedDisease]
    disease_count: int | None = None
    notes: list[str] = Field(default_factory=list)

    def to_arrow(self) -> pa.Table:
        rows = [
            {"rank": d.rank, "id": d.id, "name": d.name, "score": d.score, "genes": ",".join(d.genes)}
            for d in self.diseases
        ]
        return arrow_table(rows, RANK_COLUMNS)

    def to_pandas(self) -> Any:
        return pandas_frame(self.to_arrow())


RANK_COLUMNS = {"rank": "int64", "id": "string", "name": "string", "score": "float64", "genes": "string"}
