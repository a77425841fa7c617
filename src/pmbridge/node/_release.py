"""The node's one choke point for what leaves it: granularity caps per dataset and access level.

Disclosure control (minimum counts, noise, budgets) slots in here; nothing else may build replies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pmbridge.model import AccessLevel, Dataset, Granularity

# Records leave a node only once the Beacon issue's record path and the Federation issue's checks exist.
NODE_MAX_GRANULARITY = Granularity.COUNT


@dataclass(frozen=True, slots=True)
class CountRelease:
    """Counts per dataset as they may leave the node, and the granularity they carry."""

    counts: Mapping[str, int]
    granularity: Granularity


def release_counts(
    counts: Mapping[str, int],
    *,
    datasets: Sequence[Dataset],
    requested: Granularity,
    access: AccessLevel,
) -> CountRelease:
    """Cap the reply at the least any involved dataset allows ``access``; booleans carry 0/1 only.

    >>> ds = Dataset("a", "A")
    >>> release_counts({"a": 7}, datasets=[ds], requested=Granularity.COUNT, access=AccessLevel.PUBLIC)
    CountRelease(counts={'a': 1}, granularity=<Granularity.BOOLEAN: 'boolean'>)
    """
    allowed = min(
        (ds.max_granularity(access) for ds in datasets),
        key=lambda g: g.rank,
        default=Granularity.BOOLEAN,
    )
    granularity = min(requested, allowed, NODE_MAX_GRANULARITY, key=lambda g: g.rank)
    full = {ds.id: counts.get(ds.id, 0) for ds in datasets}
    if granularity is Granularity.BOOLEAN:
        full = {k: int(v > 0) for k, v in full.items()}
    return CountRelease(counts=full, granularity=granularity)
