"""Knowledge-base search (``GET /api/kb/search``): policies, standards, stakeholders and roadmap
actions that match words in English or Chinese, with facet counts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field

from pmbridge.client._message import Message
from pmbridge.client._tables import arrow_table, pandas_frame

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["Facet", "KnowledgeHit", "KnowledgeSearch"]


class Bilingual(Message):
    en: str
    zh: str | None = Field(None, alias="zh-Hans")


class KnowledgeHit(Message):
    id: str
    type: str
    label: str
    score: float
    name: Bilingual | None = None
    summary: Bilingual | None = None
    jurisdiction: str | None = None


class Facet(Message):
    value: str
    count: int
    label: str | None = None


class KnowledgeSearch(Message):
    """Hits best first; ``total`` over all matches; ``relaxed`` when not every word had to match."""

    total: int
    hits: list[KnowledgeHit]
    relaxed: bool = False
    facets: dict[str, list[Facet]] = Field(default_factory=dict)

    def to_arrow(self) -> pa.Table:
        rows = [
            {"id": h.id, "type": h.type, "label": h.label, "jurisdiction": h.jurisdiction, "score": h.score}
            for h in self.hits
        ]
        return arrow_table(rows, HIT_COLUMNS)

    def to_pandas(self) -> Any:
        return pandas_frame(self.to_arrow())


HIT_COLUMNS = {
    "id": "string",
    "type": "string",
    "label": "string",
    "jurisdiction": "string",
    "score": "float64",
}
