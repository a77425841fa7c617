"""The patient match page's rows: ranked diagnoses with the terms for and against each (``POST /api/rank``)
and matching patients across nodes (``POST /api/match``): pseudonymous matches or score bands."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from pmbridge.portal._counts import ShownCount
from pmbridge.portal._i18n import N_, Lang
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


def diagnoses(doc: Mapping[str, object]) -> list[Diagnosis]:
    """The ranked diseases of a ``/api/rank`` answer (names are English: the data has no Chinese)."""
    found = []
    for item in _list(doc.get("diseases")):
        labels = _mapping(item.get("labels"))
        why = reasons_of(item.get("evidence"))
        found.append(
            Diagnosis(
                rank=int(str(item.get("rank", 0))),
                id=str(item.get("id", "")),
                name=str(labels.get("en") or item.get("id", "")),
                score=_score(item.get("score")),
                genes=tuple(str(g) for g in _list_of_any(item.get("genes"))),
                supporting=tuple(r for r in why if r.weight > 0)[:REASONS],
                opposing=tuple(r for r in why if r.weight < 0)[:REASONS],
            )
        )
    return found


def reasons_of(evidence: object) -> list[Reason]:
    """The contributions of one disease of a ``/api/rank`` answer, strongest first.

    >>> [r.signed for r in reasons_of([{"term": "HP:0001250", "kind": "observed", "weight": 0.4,
    ...     "labels": {"en": "Seizure", "zh": "癫痫发作"}, "zhFallback": False},
    ...     {"term": "SCN1A", "kind": "gene", "weight": 3}])]
    ['+3.00', '+0.40']
    """
    found = []
    for item in _list(evidence):
        labels = _mapping(item.get("labels"))
        term = str(item.get("term", ""))
        english = str(labels.get("en") or term)
        chinese = None if item.get("zhFallback") is True else str(labels.get("zh") or "") or None
        found.append(Reason(term, str(item.get("kind", "")), _score(item.get("weight")), english, chinese))
    found.sort(key=lambda r: -abs(r.weight))
    return found


def patients(doc: Mapping[str, object]) -> tuple[list[PatientRow], list[BandRow]]:
    """The matches and score bands of a ``/api/match`` answer.

    >>> rows, bands = patients({"matches": [{"rank": 1, "node": "n", "dataset": "d", "matchId": "m",
    ...     "score": 0.8}], "aggregates": [{"node": "n", "dataset": "e", "bands": [{"band": "weak",
    ...     "minScore": 0.3, "exists": False, "count": {"value": 0, "how": "exact"}}]}]})
    >>> rows[0].match_id, bands[0].count.plain() if bands[0].count else None
    ('m', '0')
    """
    rows = [
        PatientRow(
            rank=int(str(m.get("rank", 0))),
            node=str(m.get("node", "")),
            dataset=str(m.get("dataset", "")),
            match_id=str(m.get("matchId", "")),
            score=_score(m.get("score")),
        )
        for m in _list(doc.get("matches"))
    ]
    bands = []
    for part in _list(doc.get("aggregates")):
        for band in _list(part.get("bands")):
            exists = band.get("exists")
            bands.append(
                BandRow(
                    node=str(part.get("node", "")),
                    dataset=str(part.get("dataset", "")),
                    band=str(band.get("band", "")),
                    min_score=_score(band.get("minScore")),
                    count=ShownCount.from_wire(band["count"]) if "count" in band else None,
                    exists=exists if isinstance(exists, bool) else None,
                )
            )
    return rows, bands


def _score(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _mapping(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Mapping[str, object]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _list_of_any(value: object) -> list[object]:
    return value if isinstance(value, list) else []
