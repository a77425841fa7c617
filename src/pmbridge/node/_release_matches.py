"""The one place that decides what a patient-matching answer may carry out of the node, and how the
audit log describes it. Pure, but for the band releaser the caller hands in (the node's ledger).

A pseudonymous per-patient match is personal data. So, per dataset: pseudonymous match ids with
scores leave only to an identified researcher (a passport) whom the node's policy lets receive
person-level output (rule X1: inside the node's jurisdiction, or abroad under a named legal route)
and whom the dataset grants records (controlled access, or a record cap); the ids are theirs alone
and the scores coarse (two decimals). Otherwise only an aggregate leaves: how many of the
dataset's patients score in each band, as one breakdown through the node's disclosure control
(minimum count, noise charged to the researcher's budget for the dataset and cached per
question), or only whether each band holds at least k patients where the dataset grants yes/no.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from pmbridge.audit import query_digest as audit_digest
from pmbridge.errors import DisclosureRefused, PolicyRefused
from pmbridge.model import Dataset, Granularity
from pmbridge.policy import Caller, NodePolicy, ReleaseRequest, crosses_border, evaluate_release
from pmbridge.privacy import (
    Breakdown,
    DisclosureSettings,
    ReleasedCount,
    refused,
    threshold_breakdown,
)
from pmbridge.similarity import PatientMatch, PhenotypeQuery

BANDS: tuple[tuple[str, float], ...] = (("weak", 0.3), ("moderate", 0.5), ("strong", 0.7))
"""Score bands of the aggregate answer, by lower bound (each up to the next; ``strong`` open)."""
BAND_BOUNDS = tuple(bound for _, bound in BANDS)
SCORE_DECIMALS = 2
"""Released scores are coarse: enough to rank, too coarse to read a patient's terms off exact values."""

MatchIdFor = Callable[[str], str]
"""The id the asking researcher is given for a patient the index knows by ``key`` (its own key,
which never leaves the node)."""

BandRelease = Callable[[str, Mapping[str, int]], Breakdown]
"""Releases one dataset's exact band counts (dataset, count per band name) through the node's
disclosure control; raises :class:`~pmbridge.errors.DisclosureRefused` (budget) when it may not."""


class MatchMode(StrEnum):
    PATIENTS = "patients"  # pseudonymous match ids with scores
    AGGREGATE = "aggregate"  # counts per score band, disclosure-controlled


@dataclass(frozen=True, slots=True)
class DatasetMatchPlan:
    dataset: str
    mode: MatchMode
    reason: str
    yes_no: bool = False  # the aggregate carries only whether each band holds enough patients


@dataclass(frozen=True, slots=True)
class MatchPlan:
    """How each involved dataset answers, decided before anything is computed."""

    parts: tuple[DatasetMatchPlan, ...]
    rule: str
    cross_border: bool
    min_count: int
    fallback: str = ""  # the rule that turned per-patient datasets into aggregates (export limits)

    def datasets(self, mode: MatchMode) -> tuple[str, ...]:
        return tuple(p.dataset for p in self.parts if p.mode is mode)


@dataclass(frozen=True, slots=True)
class ReleasedMatch:
    """One pseudonymous match: all a per-patient answer says about a patient."""

    match_id: str
    dataset: str
    score: float


@dataclass(frozen=True, slots=True)
class ReleasedBand:
    band: str
    min_score: float
    count: ReleasedCount | None  # None when the dataset grants yes/no only
    exists: bool | None  # None when the count is held back


@dataclass(frozen=True, slots=True)
class DatasetAggregate:
    dataset: str
    bands: tuple[ReleasedBand, ...]
    refused: str = ""  # the disclosure rule that held every band back (e.g. ``budget``)


@dataclass(frozen=True, slots=True)
class MatchRelease:
    plan: MatchPlan
    matches: tuple[ReleasedMatch, ...]
    aggregates: tuple[DatasetAggregate, ...]


def plan_match_release(
    *,
    policy: NodePolicy,
    caller: Caller,
    datasets: Sequence[Dataset],
    genetic: bool,
    privacy: DisclosureSettings,
) -> MatchPlan:
    """Per dataset, patients or aggregate; PolicyRefused when not even an aggregate may leave
    (a forbidden purpose X5/X6, or a gene-based answer leaving China without an HGR filing, X4)."""
    researcher = caller.researcher
    country = researcher.country
    aggregate = evaluate_release(
        policy, ReleaseRequest(caller.purpose, Granularity.COUNT, country, genetic=genetic)
    )
    if not aggregate.allowed:
        refusal = aggregate.deciding
        raise PolicyRefused(refusal.rule, refusal.reason)
    personal = evaluate_release(
        policy, ReleaseRequest(caller.purpose, Granularity.RECORD, country, genetic=genetic)
    )
    cross = crosses_border(policy.jurisdiction, country)
    parts = []
    for ds in datasets:
        access = researcher.access(ds.id)
        cap = ds.max_granularity(access)
        if cap is Granularity.BOOLEAN:
            why = f"dataset {ds.id} grants only yes/no to {access.value} access"
            parts.append(DatasetMatchPlan(ds.id, MatchMode.AGGREGATE, why, yes_no=True))
        elif researcher.is_anonymous:
            why = "per-patient matches need an identified researcher: sign in for a passport"
            parts.append(DatasetMatchPlan(ds.id, MatchMode.AGGREGATE, why))
        elif cap is not Granularity.RECORD:
            why = (
                f"dataset {ds.id} grants {cap.value}s, not records, to {access.value} access: per-patient "
                "matches need record-level access (a ControlledAccessGrants visa for the dataset)"
            )
            parts.append(DatasetMatchPlan(ds.id, MatchMode.AGGREGATE, why))
        elif not personal.allowed:
            why = f"rule {personal.deciding.rule}: {personal.deciding.reason}"
            parts.append(DatasetMatchPlan(ds.id, MatchMode.AGGREGATE, why))
        else:
            why = f"pseudonymous matches allowed ({personal.deciding.rule})"
            parts.append(DatasetMatchPlan(ds.id, MatchMode.PATIENTS, why))
    deciding = personal if any(p.mode is MatchMode.PATIENTS for p in parts) else aggregate
    return MatchPlan(tuple(parts), deciding.deciding.rule, cross, privacy.min_count_for(cross_border=cross))


def as_aggregate(plan: MatchPlan, reason: str, *, rule: str) -> MatchPlan:
    """``plan`` with every per-patient dataset turned to an aggregate because ``rule`` (e.g. an
    export limit, X3) refused person-level output."""
    parts = tuple(
        DatasetMatchPlan(p.dataset, MatchMode.AGGREGATE, reason) if p.mode is MatchMode.PATIENTS else p
        for p in plan.parts
    )
    return replace(plan, parts=parts, fallback=rule)


def match_question(query: PhenotypeQuery) -> dict[str, object]:
    """The canonical question behind a match's band counts: what is counted, not how it was asked.

    Terms are current ids (the caller resolved labels and obsolete ids), lists are sets, and
    ``limit`` (how many matches) is no part of it, so asking again in another order or wording
    hits the noise cache rather than drawing new noise.

    >>> a = match_question(PhenotypeQuery(("HP:2", "HP:1", "HP:1"), genes=("FBN1",)))
    >>> a == match_question(PhenotypeQuery(("HP:1", "HP:2"), genes=("FBN1",)))
    True
    >>> a["kind"], a["phenotypes"]
    ('match', ['HP:1', 'HP:2'])
    """
    return {
        "kind": "match",
        "phenotypes": sorted(set(query.observed)),
        "excluded": sorted(set(query.excluded)),
        "gene": sorted(set(query.genes)),
        "bands": [[name, bound] for name, bound in BANDS],
    }


def question_digest(query: PhenotypeQuery) -> str:
    """A digest of :func:`match_question`, which the audit log names instead of the terms."""
    return audit_digest(match_question(query))


def leaves(score: float) -> bool:
    """Whether a match with ``score`` is one: above 0 as released (:data:`SCORE_DECIMALS`).

    >>> leaves(0.3), leaves(0.004), leaves(0.0)
    (True, False, False)
    """
    return round(score, SCORE_DECIMALS) > 0


def release_matches(
    plan: MatchPlan,
    *,
    matches: Sequence[PatientMatch],
    band_counts: Mapping[str, tuple[int, ...]],
    privacy: DisclosureSettings,
    release_bands: BandRelease,
    match_id: MatchIdFor,
) -> MatchRelease:
    """What leaves: matches of per-patient datasets (score above 0), band counts of the others.

    A match leaves under ``match_id`` of its index key, the asking researcher's own id for the
    patient, with its score rounded to :data:`SCORE_DECIMALS`; ties are ordered by that id, so the
    order says nothing another researcher's answer could be lined up with.

    A counted dataset's bands go through ``release_bands`` as one breakdown without a total (a
    held-back band cannot be worked out by subtraction). A yes/no dataset's bands only say whether
    each holds at least k patients: the minimum count alone, no number leaves and no ε is spent.
    A dataset whose bands are refused (budget) shows them as refused with the rule and its hint,
    so the others still answer; when every dataset that would carry matches or numbers is
    refused, the first refusal is raised, as the entry endpoints do.

    >>> from pmbridge.policy import Researcher
    >>> from pmbridge.model import AccessLevel, Jurisdiction
    >>> from pmbridge.privacy import DisclosureControl
    >>> control = DisclosureControl(settings=DisclosureSettings(noise=False))
    >>> counts = Dataset("ds", "DS", release_caps={AccessLevel.PUBLIC: Granularity.COUNT})
    >>> plan = plan_match_release(policy=NodePolicy(Jurisdiction.EU, "IT"),
    ...     caller=Caller(Researcher.anonymous()), datasets=[counts], genetic=False,
    ...     privacy=control.settings)
    >>> bands = lambda ds, cells: control.release_breakdown(cells, total=None, researcher="r",
    ...     dataset=ds, query={"q": 1}, cross_border=plan.cross_border)
    >>> out = release_matches(plan, matches=[PatientMatch("m-1", 0.9, 1, "ds")],
    ...     band_counts={"ds": (40, 3, 0)}, privacy=control.settings, release_bands=bands,
    ...     match_id=lambda key: key)
    >>> out.matches, [(b.band, b.count.display) for b in out.aggregates[0].bands]
    ((), [('weak', '40'), ('moderate', '<11'), ('strong', '0')])
    """
    per_patient = set(plan.datasets(MatchMode.PATIENTS))
    released = tuple(
        sorted(
            (
                ReleasedMatch(match_id(m.id), m.dataset, round(m.score, SCORE_DECIMALS))
                for m in matches
                if m.dataset in per_patient and leaves(m.score)
            ),
            key=lambda m: (-m.score, m.match_id),
        )
    )
    aggregates = []
    refusals: list[DisclosureRefused] = []
    for part in plan.parts:
        if part.mode is not MatchMode.AGGREGATE:
            continue
        counts = band_counts.get(part.dataset, (0,) * len(BANDS))
        cells = {name: n for (name, _), n in zip(BANDS, counts, strict=True)}
        rule = ""
        if part.yes_no:
            shown = threshold_breakdown(
                cells,
                total=None,
                min_count=plan.min_count,
                release_zero=privacy.release_zero,
                round_to=privacy.round_to,
            ).cells
        else:
            try:
                shown = release_bands(part.dataset, cells).cells
            except DisclosureRefused as error:
                refusals.append(error)
                rule = error.rule
                shown = {name: refused(error, threshold=plan.min_count) for name in cells}
        bands = []
        for name, bound in BANDS:
            count = shown[name]
            exists = None if count.value is None else count.value > 0
            bands.append(ReleasedBand(name, bound, None if part.yes_no else count, exists))
        aggregates.append(DatasetAggregate(part.dataset, tuple(bands), refused=rule))
    answering = sum(not p.yes_no for p in plan.parts)
    if refusals and len(refusals) == answering:
        raise refusals[0]
    return MatchRelease(plan, released, tuple(aggregates))


def described(done: MatchRelease, *, question: str, exported: int) -> dict[str, str | int | bool]:
    """What left, for the audit log: the kind of release, how many matches and numbers and how
    each number was made; never a match id, a score or a count. ``exported``: the people counted
    toward the yearly export limits (per-patient matches sent abroad)."""
    counts = [b.count for a in done.aggregates for b in a.bands if b.count is not None]
    hows = [c.how.value for c in counts]
    plan = done.plan
    return {
        "kind": "match",
        "question": question,
        "matches": len(done.matches),
        "patientDatasets": len(plan.datasets(MatchMode.PATIENTS)),
        "aggregateDatasets": len(done.aggregates),
        "bands": len(counts),
        "noised": hows.count("noised"),
        "suppressed": hows.count("suppressed"),
        "refusedDatasets": sum(bool(a.refused) for a in done.aggregates),
        "exported": exported,
        "fallback": plan.fallback,
        "crossBorder": plan.cross_border,
    }


def match_reply(done: MatchRelease) -> dict[str, object]:
    """The JSON of a release: built from the release alone, so nothing else can slip in."""
    return {
        "matches": [{"matchId": m.match_id, "dataset": m.dataset, "score": m.score} for m in done.matches],
        "aggregates": [
            {
                "dataset": a.dataset,
                "bands": [
                    {
                        "band": b.band,
                        "minScore": b.min_score,
                        "exists": b.exists,
                        **({} if b.count is None else {"count": b.count.to_dict()}),
                    }
                    for b in a.bands
                ],
            }
            for a in done.aggregates
        ],
        "release": {
            "rule": done.plan.rule,
            "crossBorder": done.plan.cross_border,
            "minCount": done.plan.min_count,
            "datasets": [
                {"dataset": p.dataset, "mode": p.mode.value, "reason": p.reason} for p in done.plan.parts
            ],
        },
    }
