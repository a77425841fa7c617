"""Released numbers decode with every mark the hub sends, and a held-back number never becomes one."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from pmbridge.client import BeaconAnswer, ReleasedNumber, ReleasedSum
from pmbridge.privacy import ReleasedCount, ReleaseMethod

HELD = {"value": None, "how": "suppressed", "threshold": 11}


@pytest.mark.parametrize(
    ("wire", "mark", "kind"),
    [
        ({"value": 12, "how": "exact", "threshold": 5}, "12", "exact"),
        ({"value": 12, "how": "noised", "threshold": 5, "epsilon": 1}, "≈12", "noised"),
        ({"value": 10, "how": "rounded", "threshold": 5, "roundedTo": 10}, "~10", "rounded"),
        ({**HELD, "rule": "min_count"}, "<11", "fewer"),
        ({**HELD, "rule": "complementary"}, "hidden", "hidden"),
        ({**HELD, "rule": "allele_count_floor"}, "withheld", "withheld"),
        ({**HELD, "rule": "one_person"}, "withheld", "withheld"),
        ({**HELD, "rule": "budget"}, "refused", "refused"),
        ({**HELD, "rule": "differencing_guard"}, "refused", "refused"),
        ({**HELD, "rule": None}, "<11", "fewer"),
    ],
)
def test_every_mark_decodes_without_the_hubs_display(wire: dict[str, Any], mark: str, kind: str) -> None:
    number = ReleasedNumber.model_validate(wire)
    assert (number.mark, number.kind) == (mark, kind)
    assert number.held_back is (wire["value"] is None)


@pytest.mark.parametrize("rule", ["min_count", "complementary", "allele_count_floor", "one_person", "budget"])
def test_the_client_reads_the_mark_the_hub_writes(rule: str) -> None:
    released = ReleasedCount(value=None, how=ReleaseMethod.SUPPRESSED, threshold=11, rule=rule, reason="")
    number = ReleasedNumber.model_validate(released.to_dict())
    assert number.value is None and number.mark == released.display and number.rule == rule
    noised = ReleasedCount(value=7, how=ReleaseMethod.NOISED, threshold=5, epsilon=0.5, reason="")
    assert ReleasedNumber.model_validate(noised.to_dict()).mark == "≈7"


@pytest.mark.parametrize(
    "wire",
    [
        {"value": 3, "how": "suppressed", "threshold": 11, "rule": "min_count"},  # a number it held back
        {"value": None, "how": "exact"},  # no number, but "exact"
        {"value": -1, "how": "noised"},
        {"value": True, "how": "exact"},  # strict: JSON true is not 1
        {"value": "12", "how": "exact"},
        {"value": 1.5, "how": "exact"},
        {"value": 12, "how": "guessed"},
        {"how": "exact"},
    ],
)
def test_a_count_that_does_not_fit_is_refused_at_the_boundary(wire: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ReleasedNumber.model_validate(wire)


def test_a_partial_total_keeps_what_it_lacks() -> None:
    total = ReleasedSum.model_validate(
        {"value": None, "how": "suppressed", "partial": True, "parts": 1, "suppressedParts": ["eu/rd"]}
    )
    assert total.value is None and total.mark == "held back" and total.suppressed_parts == ["eu/rd"]
    rounded = ReleasedSum.model_validate(
        {"value": 60, "how": "rounded", "partial": True, "absentNodes": ["x"]}
    )
    assert rounded.mark == "≥~60" and rounded.absent_nodes == ["x"]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@given(
    value=JSON,
    rule=st.none() | st.sampled_from(["min_count", "complementary", "allele_count_floor", "budget", "x"]),
    threshold=st.none() | st.integers(min_value=0, max_value=50),
    display=st.none() | st.text(max_size=8),
)
def test_decoding_never_turns_a_suppressed_value_into_a_number(
    value: object, rule: str | None, threshold: int | None, display: str | None
) -> None:
    wire = {"value": value, "how": "suppressed", "rule": rule, "threshold": threshold, "display": display}
    doc = {
        "meta": {"returnedGranularity": "count"},
        "response": {"resultSets": [{"id": "rd", "info": {"node": "eu", "count": wire}}]},
    }
    try:
        answer = BeaconAnswer.model_validate(doc)
    except ValidationError:
        return  # refused at the boundary: no number either
    (count,) = [d.count for d in answer.datasets]
    assert count is not None and count.value is None and count.held_back
    (row,) = answer.to_arrow().to_pylist()
    assert row["value"] is None and row["how"] == "suppressed"
    assert not any(
        isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (count.value, row["value"])
    )
