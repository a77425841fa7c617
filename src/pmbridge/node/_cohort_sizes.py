"""The size of a dataset seen as a cohort (``cohortSize`` of ``/api/cohorts``): a count of people.

It leaves exact only to a researcher whom the node would give that dataset's records (the
dataset's cap for their access is record, and X1 lets person-level output go to them); to anyone
else it is released as every count of people is, through the node's disclosure control.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pmbridge.errors import DisclosureRefused
from pmbridge.model import Dataset, Granularity
from pmbridge.node._release_settings import ReleaseState
from pmbridge.policy import Caller, ReleaseRequest, crosses_border, evaluate_release
from pmbridge.privacy import ReleasedCount, ReleaseMethod, refused

EXACT_REASON = "record-level access to the dataset: its size is the number of its records"


def release_cohort_sizes(
    sizes: Mapping[str, int], *, datasets: Sequence[Dataset], state: ReleaseState, caller: Caller
) -> dict[str, ReleasedCount]:
    """Each dataset's size in ``sizes`` as it may leave to ``caller``.

    Through disclosure control the question is the dataset's size alone, so listing the cohorts
    again gets the same (noised) numbers for free; a size the budget refuses is shown refused
    with its rule, never exact.
    """
    researcher = caller.researcher
    records = evaluate_release(
        state.policy, ReleaseRequest(caller.purpose, Granularity.RECORD, researcher.country)
    ).allowed
    cross = crosses_border(state.policy.jurisdiction, researcher.country)
    control = state.disclosure
    released: dict[str, ReleasedCount] = {}
    for ds in datasets:
        if ds.id not in sizes:
            continue
        size = sizes[ds.id]
        if records and ds.max_granularity(researcher.access(ds.id)) is Granularity.RECORD:
            released[ds.id] = ReleasedCount(
                value=size, how=ReleaseMethod.EXACT, threshold=0, reason=EXACT_REASON
            )
            continue
        try:
            released[ds.id] = control.release_count(
                size,
                researcher=researcher.id,
                dataset=ds.id,
                query={"entry": "cohorts", "cohortSize": True, "dataset": ds.id},
                cross_border=cross,
                public=researcher.is_anonymous,
            )
        except DisclosureRefused as error:
            released[ds.id] = refused(error, threshold=control.settings.min_count_for(cross_border=cross))
    return released
