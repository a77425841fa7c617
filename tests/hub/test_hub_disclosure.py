"""The hub's own pass over what nodes released (property tests): it never shows a number between 1
and its k-1, never reveals what a node held back, keeps node noise, and closes any gap it opens."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from pmbridge.hub._disclosure import hub_breakdown, hub_release, parse_released
from pmbridge.privacy import DisclosureControl, DisclosureSettings, ReleasedCount, ReleaseMethod

node_counts = st.one_of(
    st.none(),
    st.builds(
        lambda v, how: ReleasedCount(
            value=None if how is ReleaseMethod.SUPPRESSED else v,
            how=how,
            threshold=5,
            epsilon=1.0 if how is ReleaseMethod.NOISED else None,
            rule="min_count" if how is ReleaseMethod.SUPPRESSED else None,
            reason="",
        ),
        st.integers(0, 40),
        st.sampled_from(list(ReleaseMethod)),
    ),
)


def control(k: int, *, noise: bool) -> DisclosureControl:
    return DisclosureControl(
        settings=DisclosureSettings(min_count=k, min_count_cross_border=k + 6, noise=noise)
    )


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 40), node_counts, st.integers(2, 15), st.booleans(), st.booleans())
def test_no_number_leaves_the_hub_between_one_and_its_k(
    value: int, node: ReleasedCount | None, k: int, noise: bool, cross_border: bool
) -> None:
    hub = control(k, noise=noise)
    out = hub_release(
        value,
        node,
        control=hub,
        researcher="r",
        dataset="n/d",
        question={"q": value},
        cross_border=cross_border,
    ).released
    floor = hub.settings.min_count_for(cross_border=cross_border)
    assert out.value is None or out.value == 0 or out.value >= floor
    if node is not None and node.how is ReleaseMethod.SUPPRESSED:
        assert out == node  # held back at the node: the hub has nothing to show
    if (
        node is not None
        and node.how is ReleaseMethod.NOISED
        and node.value is not None
        and node.value >= floor
    ):
        assert out == node  # the node's noise is kept, not drawn again


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(st.sampled_from(["female", "male", "other", "unknown"]), node_counts, min_size=1),
    node_counts,
    st.integers(2, 15),
)
def test_when_the_hub_hides_a_cell_the_node_showed_it_hides_the_total_too(
    cells: dict[str, ReleasedCount | None], total: ReleasedCount | None, k: int
) -> None:
    hub = control(k, noise=False)
    raw = {name: None if c is None else c.to_dict() for name, c in cells.items()}
    out, shown_total = hub_breakdown(
        raw,
        None if total is None else total.to_dict(),
        control=hub,
        researcher="r",
        dataset="n/d",
        question={"q": 1},
        cross_border=False,
    )
    newly_hidden = [
        n
        for n, c in out.items()
        if c.released.value is None and cells[n] is not None and cells[n].value is not None
    ]
    if newly_hidden and total is not None:
        assert shown_total is not None and shown_total.released.value is None
    for count in [c.released for c in out.values()] + ([shown_total.released] if shown_total else []):
        assert count.value is None or count.value == 0 or count.value >= k


@given(node_counts)
def test_a_released_count_survives_the_wire(count: ReleasedCount | None) -> None:
    if count is not None:
        assert parse_released(count.to_dict()) == count


@settings(max_examples=100, deadline=None)
@given(st.integers(12, 200), st.sampled_from([ReleaseMethod.EXACT, ReleaseMethod.ROUNDED]), st.integers(1, 9))
def test_provenance_says_how_the_node_made_a_number_never_the_number(
    exact: int, how: ReleaseMethod, shift: int
) -> None:
    """The hub noises a node's exact count: its reply shows the hub's number and how the node
    made its own, but not the node's number, its display or its reason."""
    hub = DisclosureControl(settings=DisclosureSettings(), noise=lambda value, _: value + shift)
    node = ReleasedCount(value=exact, how=how, threshold=5, rule=None, reason=f"{exact} people")
    out = hub_release(
        exact, node, control=hub, researcher="r", dataset="n/d", question={"q": exact}, cross_border=False
    )
    info = out.info()
    assert out.released.value == exact + shift and out.released.how is ReleaseMethod.NOISED
    assert info["provenance"] == {
        "node": {"how": how.value, "threshold": 5, "epsilon": None, "roundedTo": None, "rule": None}
    }
    assert str(exact) not in json.dumps(info["provenance"])
