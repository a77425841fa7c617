"""The patient match page's rows: ranked diagnoses with the terms for and against each (``POST /api/rank``)
and matching patients across nodes (``POST /api/match``): pseudonymous matches or score bands."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from pmbridge.client import Evidence, Matches, Ranking
from pmbridge.portal._counts import ShownCount
from pmbridge.portal._i18n import N_, Lang
from pmbridge.portal._refusals import NodeAnswer, node_state
from pmbridge.portal._terms import bilingual_label

BANDS: Final = {"weak": N_("weak"), "moderate": N_("moderate"), "strong": N_("strong")}
REASONS: Final = 3
"""Terms shown per diagnosis on each side (for, against): the strongest, as the hub orders them."""


@dataclass(frozen=True, slots=True)
class Reason:
    """One query term's (or the gene's) share of a diagnosis' score: a log10 likelihood ratio."""

    term: str
    kind: str
    """``observed``, ``excluded`` or ``gene``."""
    weight: float
    en: str
    zh: str | None
    """None where the HPO translation has no label (the English one is shown, marked)."""

    def label(self, lang: Lang) -> tuple[str, bool]:
        """``(label, is_english_fallback)`` in ``lang``, as the `term_label` macro wants it."""
        return bilingual_label(self.en, self.zh, lang)

    @property
    def signed(self) -> str:
        """The weight with its sign, as the page shows it (both locales write ``.`` for decimals).

        >>> Reason("HP:0000252", "excluded", -0.849, "Microcephaly", "小头畸形").signed
        '−0.85'
        """
        sign = "+" if self.weight >= 0 else "\N{MINUS SIGN}"
        return f"{sign}{abs(self.weight):.2f}"


@dataclass(frozen=True, slots=True)
class Diagnosis:
    rank: int
    id: str
    name: str
    score: float
    genes: tuple[str, ...]
    supporting: tuple[Reason, ...] = ()
    """The strongest terms for the disease, strongest first."""
    opposing: tuple[Reason, ...] = ()
    """The strongest terms against it, strongest first."""


@dataclass(frozen=True, slots=True)
class PatientRow:
    """One pseudonymous match: only its node can tell who it is."""

    rank: int
    node: str
    dataset: str
    match_id: str
    score: float


@dataclass(frozen=True, slots=True)
class BandRow:
    """How many of a dataset's patients score in one band; ``count`` None when only yes/no leaves."""

    node: str
    dataset: str
    band: str
    min_score: float
    count: ShownCount | None
    exists: bool | None


def diagnoses(ranking: Ranking | None) -> list[Diagnosis]:
    """The ranked diseases of a ``/api/rank`` answer (names are English: the data has no Chinese)."""
    found = []
    for item in ranking.diseases if ranking is not None else []:
        why = reasons_of(item.evidence)
        found.append(
            Diagnosis(
                rank=item.rank,
                id=item.id,
                name=item.labels.en or item.id,
                score=item.score,
                genes=tuple(item.genes),
                supporting=tuple(r for r in why if r.weight > 0)[:REASONS],
                opposing=tuple(r for r in why if r.weight < 0)[:REASONS],
            )
        )
    return found


def reasons_of(evidence: Sequence[Evidence]) -> list[Reason]:
    """The contributions of one disease of a ``/api/rank`` answer, strongest first.

    >>> [r.signed for r in reasons_of([Evidence.model_validate({"term": "HP:0001250", "kind": "observed",
    ...     "weight": 0.4, "labels": {"en": "Seizure", "zh": "癫痫发作"}, "zhFallback": False}),
    ...     Evidence(term="SCN1A", kind="gene", weight=3)])]
    ['+3.00', '+0.40']
    """
    found = []
    for item in evidence:
        english = (item.labels.en if item.labels else "") or item.term
        chinese = None if item.zh_fallback or item.labels is None else item.labels.zh or None
        found.append(Reason(item.term, item.kind, item.weight, english, chinese))
    found.sort(key=lambda r: -abs(r.weight))
    return found


def patients(matched: Matches | None) -> tuple[list[PatientRow], list[BandRow]]:
    """The matches and score bands of a ``/api/match`` answer.

    >>> rows, bands = patients(Matches.model_validate({"matches": [{"rank": 1, "node": "n",
    ...     "dataset": "d", "matchId": "m", "score": 0.8}], "aggregates": [{"node": "n", "dataset": "e",
    ...     "bands": [{"band": "weak", "minScore": 0.3, "exists": False,
    ...     "count": {"value": 0, "how": "exact"}}]}]}))
    >>> rows[0].match_id, bands[0].count.plain() if bands[0].count else None
    ('m', '0')
    """
    if matched is None:
        return [], []
    rows = [PatientRow(m.rank, m.node, m.dataset, m.match_id, m.score) for m in matched.matches]
    bands = [
        BandRow(
            node=part.node,
            dataset=part.dataset,
            band=band.band,
            min_score=band.min_score or 0.0,
            count=ShownCount.from_released(band.count) if band.count is not None else None,
            exists=band.exists,
        )
        for part in matched.aggregates
        for band in part.bands
    ]
    return rows, bands


def match_answers(matched: Matches | None) -> list[NodeAnswer]:
    """How each node answered the match (``nodes`` of the answer), as the page lists them."""
    found = []
    for line in matched.nodes if matched is not None else []:
        detail = line.detail or ""
        state, refusal = node_state(line.status, detail, rule=line.rule)
        found.append(NodeAnswer(line.node, state, refusal, detail))
    return found
