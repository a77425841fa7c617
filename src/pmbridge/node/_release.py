"""The node's one choke point for what leaves it: granularity caps per dataset and access level.

Every reply is built from a :class:`Release` and nothing else. Disclosure control (minimum counts,
noise, budgets) slots in here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pmbridge.model import AccessLevel, Dataset, Granularity

Record = Mapping[str, object]


@dataclass(frozen=True, slots=True)
class Release:
    """What may leave the node: counts per dataset (0/1 at boolean), records only at record level."""

    granularity: Granularity
    counts: Mapping[str, int]
    records: Mapping[str, tuple[Record, ...]] = field(default_factory=dict)


def granted_granularity(
    datasets: Sequence[Dataset], *, requested: Granularity, access: AccessLevel
) -> Granularity:
    """The most a reply over ``datasets`` may carry: the request, capped by the least of their caps.

    Callers read records from the store only when this is record, so nothing is read that
    could not leave. With no dataset involved nothing can leave, so nothing caps the request
    (a hub asking every node for one node's dataset must not see the others answer boolean).

    >>> open_ds = Dataset("a", "A", release_caps={AccessLevel.PUBLIC: Granularity.RECORD})
    >>> granted_granularity([open_ds], requested=Granularity.RECORD, access=AccessLevel.PUBLIC).value
    'record'
    >>> granted_granularity([open_ds, Dataset("b", "B")], requested=Granularity.RECORD,
    ...                     access=AccessLevel.PUBLIC).value
    'boolean'
    """
    allowed = min(
        (ds.max_granularity(access) for ds in datasets),
        key=lambda g: g.rank,
        default=requested,
    )
    return min(requested, allowed, key=lambda g: g.rank)


def release(
    counts: Mapping[str, int],
    *,
    datasets: Sequence[Dataset],
    requested: Granularity,
    access: AccessLevel,
    records: Mapping[str, Sequence[Record]] | None = None,
) -> Release:
    """Cap the reply at the least any involved dataset allows ``access``.

    Every involved dataset gets a count (0 included, so misses can be listed); booleans carry
    0/1 only, and records leave only at record granularity and only for involved datasets.

    >>> ds = Dataset("a", "A")
    >>> release({"a": 7}, datasets=[ds], requested=Granularity.COUNT, access=AccessLevel.PUBLIC)
    Release(granularity=<Granularity.BOOLEAN: 'boolean'>, counts={'a': 1}, records={})
    """
    granularity = granted_granularity(datasets, requested=requested, access=access)
    full = {ds.id: counts.get(ds.id, 0) for ds in datasets}
    if granularity is Granularity.BOOLEAN:
        full = {k: int(v > 0) for k, v in full.items()}
    kept: dict[str, tuple[Record, ...]] = {}
    if granularity is Granularity.RECORD and records:
        kept = {ds.id: tuple(records.get(ds.id, ())) for ds in datasets}
    return Release(granularity=granularity, counts=full, records=kept)
