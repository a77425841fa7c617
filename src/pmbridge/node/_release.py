"""The node's one choke point for what leaves it: access caps, cross-border policy, disclosure control.

Every reply is built from a :class:`Release` and nothing else. In order:

1. :func:`granted_granularity`: the request capped by each dataset's ``release`` caps for the
   researcher's access level there (public, registered, controlled by passport visas);
2. :func:`admit`: rules X5/X6 (purpose), X1 with X2/X3 (records abroad) and X4 (genetic output
   leaving China), before anything is read that could not leave;
3. :func:`release`: the yearly export counters (X3, X4), then disclosure control on every count
   (minimum count, noise with budget and cache, differencing guard, allele floor). Every number
   says how it was made, and the audit log gets a release entry (or a refusal naming the rule).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pmbridge.audit import RequestAudit
from pmbridge.errors import DisclosureRefused, PolicyRefused
from pmbridge.model import Dataset, Granularity
from pmbridge.node._disclosure import release_counts
from pmbridge.node._release_settings import ReleaseState
from pmbridge.policy import (
    Caller,
    Decision,
    ReleaseRequest,
    Researcher,
    crosses_border,
    decide_release,
    evaluate_release,
)
from pmbridge.privacy import PEOPLE, Cohort, ReleasedCount, ReleasedTotal, ReleaseMethod, released_total

Record = Mapping[str, object]


@dataclass(frozen=True, slots=True)
class DatasetRelease:
    """One dataset's part of a reply: whether anything matched, the released count (at boolean
    granularity only the account of one the allele floor held back) and the records (only at
    record granularity)."""

    dataset: str
    exists: bool
    count: ReleasedCount | None = None
    records: tuple[Record, ...] = ()


@dataclass(frozen=True, slots=True)
class Release:
    """What may leave the node, and the rules that let it."""

    granularity: Granularity
    parts: tuple[DatasetRelease, ...]
    rule: str = ""
    cross_border: bool = False

    @property
    def total(self) -> ReleasedTotal:
        """The sum of the released counts, marked partial where a part was held back."""
        return released_total({p.dataset: p.count for p in self.parts if p.count is not None})

    @property
    def exists(self) -> bool:
        return any(p.exists for p in self.parts)


def granted_granularity(
    datasets: Sequence[Dataset], *, requested: Granularity, researcher: Researcher
) -> Granularity:
    """The most a reply over ``datasets`` may carry: the request, capped by the least of their caps
    for the researcher's access level on each.

    Callers read records from the store only when this is record, so nothing is read that could
    not leave. With no dataset involved nothing can leave, so nothing caps the request.

    >>> from pmbridge.model import AccessLevel
    >>> open_ds = Dataset("a", "A", release_caps={AccessLevel.PUBLIC: Granularity.RECORD})
    >>> anonymous = Researcher.anonymous()
    >>> granted_granularity([open_ds], requested=Granularity.RECORD, researcher=anonymous).value
    'record'
    >>> granted_granularity([open_ds, Dataset("b", "B")], requested=Granularity.RECORD,
    ...                     researcher=anonymous).value
    'boolean'
    """
    allowed = min(
        (ds.max_granularity(researcher.access(ds.id)) for ds in datasets),
        key=lambda g: g.rank,
        default=requested,
    )
    return min(requested, allowed, key=lambda g: g.rank)


def admit(
    state: ReleaseState,
    caller: Caller,
    *,
    granularity: Granularity,
    genetic: bool,
    audit: RequestAudit | None,
    personal: bool = True,
) -> ReleaseRequest:
    """Rules X5/X6, X1 (+X2/X3) and X4 on the release about to be computed; PolicyRefused (403) names
    the rule. ``personal`` False (dataset and cohort descriptions) is judged as an aggregate."""
    shown = granularity if personal else min(granularity, Granularity.COUNT, key=lambda g: g.rank)
    request = ReleaseRequest(caller.purpose, shown, caller.researcher.country, genetic=genetic)
    raise_refusal(evaluate_release(state.policy, request).deciding, audit)
    return request


def release(
    exact: Mapping[str, int],
    *,
    state: ReleaseState,
    caller: Caller,
    request: ReleaseRequest,
    granularity: Granularity,
    questions: Mapping[str, object],
    cohorts: Mapping[str, Cohort] | None = None,
    people: Collection[str] = (),
    records: Mapping[str, Sequence[Record]] | None = None,
    held: Mapping[str, ReleasedCount] | None = None,
    people_counts: bool = True,
    unit: str = PEOPLE,
    about_one: ReleasedCount | None = None,
    audit: RequestAudit | None = None,
    now: datetime | None = None,
) -> Release:
    """The release of one reply over the datasets in ``exact`` (every involved one, 0 included).

    ``people`` are the individuals (``dataset/id``) whose data the output carries, for the yearly
    export counters; ``cohorts`` the internal ids behind each count, for the differencing guard;
    ``held`` the counts the allele floor holds back, at count and boolean granularity alike: a
    held-back dataset reports ``exists`` false (its account says why), or ``exists`` would give
    away what the floor hides. ``people_counts`` False marks counts that are not of people
    (datasets holding a match), which leave as they are; ``unit`` says what a count counts (the
    entry type). ``about_one`` is the account every non-zero count of a question about one person
    gets below record access (a cohort of one: below the minimum count, whatever it counts).
    """
    verdict = decide_release(
        state.policy, request, people=people, ledger=state.exports, now=now or datetime.now(UTC)
    )
    raise_refusal(verdict.deciding, audit)
    researcher = caller.researcher
    cross = crosses_border(state.policy.jurisdiction, researcher.country)
    floored = held or {}
    counts: dict[str, ReleasedCount] = {ds: floored[ds] for ds in exact if ds in floored}
    if granularity is Granularity.RECORD or (granularity is Granularity.COUNT and not people_counts):
        why = (
            "record-level access: the number of records released"
            if people_counts
            else ("datasets holding a match; not a count of people")
        )
        counts = {ds: floored.get(ds) or _exact(n, why) for ds, n in exact.items()}
    elif granularity is Granularity.COUNT and about_one is not None:
        counts = {ds: about_one if n else _exact(n, "no such entry here") for ds, n in exact.items()}
    elif granularity is Granularity.COUNT:
        try:
            counts = release_counts(
                exact,
                control=state.disclosure,
                researcher=researcher.id,
                cross_border=cross,
                questions=questions,
                cohorts=cohorts if state.disclosure.settings.differencing_guard else None,
                held=floored,
                unit=unit,
                public=researcher.is_anonymous,
            )
        except DisclosureRefused as error:
            if audit is not None:
                audit.refuse(f"privacy:{error.rule}")
            raise
    kept = records or {}
    parts = tuple(
        DatasetRelease(
            dataset=ds,
            exists=n > 0 and ds not in floored,
            count=counts.get(ds),
            records=tuple(kept.get(ds, ())) if granularity is Granularity.RECORD else (),
        )
        for ds, n in exact.items()
    )
    done = Release(granularity, parts, rule=verdict.deciding.rule, cross_border=cross)
    if audit is not None:
        if not researcher.is_anonymous:
            audit.researcher = researcher.id
        audit.record_release(rule=done.rule, granularity=granularity.value, released=_described(done))
    return done


def one_entry(min_count: int, *, lookup: bool) -> ReleasedCount:
    """The count of a question about one person below record access: the person is one, fewer than
    k (``lookup`` False); what belongs to them (``lookup`` True: their samples, variants) is withheld.

    >>> one_entry(11, lookup=False).display, one_entry(11, lookup=True).display
    ('<11', 'withheld')
    """
    why = (
        "a question about one entry is about one person; below record-level access only whether the "
        "entry is held is answered"
    )
    if lookup:
        return ReleasedCount(
            value=None, how=ReleaseMethod.SUPPRESSED, threshold=min_count, rule="one_person", reason=why
        )
    return ReleasedCount(
        value=None,
        how=ReleaseMethod.SUPPRESSED,
        threshold=min_count,
        rule="min_count",
        reason=f"fewer than {min_count}: {why}",
    )


def _exact(count: int, why: str) -> ReleasedCount:
    return ReleasedCount(value=count, how=ReleaseMethod.EXACT, threshold=0, reason=why)


def raise_refusal(deciding: Decision, audit: RequestAudit | None) -> None:
    """Raise PolicyRefused (audited) when ``deciding`` does not allow the release."""
    if deciding.allowed:
        return
    if audit is not None:
        audit.refuse(deciding.rule)
    raise PolicyRefused(deciding.rule, deciding.reason)


def _described(done: Release) -> dict[str, str | int | float | bool | None]:
    """What left, for the audit log: how many numbers, how each was made, the total; never records."""
    total = done.total
    hows = [p.count.how.value for p in done.parts if p.count is not None]
    return {
        "datasets": len(done.parts),
        "records": sum(len(p.records) for p in done.parts),
        "total": total.value,
        "totalHow": total.how.value,
        "suppressed": len(total.missing),
        "noised": hows.count("noised"),
        "crossBorder": done.cross_border,
    }
