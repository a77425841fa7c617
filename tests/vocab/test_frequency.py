"""Frequencies of phenotype.hpoa become one number in [0, 1]."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmbridge.errors import VocabularyError
from pmbridge.vocab import FREQUENCY_TERMS, parse_frequency


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1/2", 0.5),
        ("0/5", 0.0),
        ("15/15", 1.0),
        ("45%", 0.45),
        ("76.3%", 0.763),
        ("100%", 1.0),
        ("HP:0040280", 1.0),
        ("HP:0040281", 0.895),
        ("HP:0040282", 0.545),
        ("HP:0040283", 0.17),
        ("HP:0040284", 0.025),
        ("HP:0040285", 0.0),
        ("", None),
        (" ", None),
    ],
)
def test_known_notations(text: str, expected: float | None) -> None:
    assert parse_frequency(text) == expected


@pytest.mark.parametrize("text", ["often", "3/2", "1/0", "a/b", "1/2/3", "101%", "-5%", "HP:0001250"])
def test_bad_text_is_named_in_the_error(text: str) -> None:
    with pytest.raises(VocabularyError) as caught:
        parse_frequency(text)
    assert repr(text) in caught.value.message


@given(
    st.integers(min_value=1, max_value=10_000).flatmap(
        lambda m: st.tuples(st.integers(min_value=0, max_value=m), st.just(m))
    )
)
def test_fractions(pair: tuple[int, int]) -> None:
    top, bottom = pair
    assert parse_frequency(f"{top}/{bottom}") == pytest.approx(top / bottom)


def test_every_frequency_term_is_inside_its_range() -> None:
    assert set(FREQUENCY_TERMS) == {f"HP:004028{i}" for i in range(6)}
    assert all(0.0 <= value <= 1.0 for value in FREQUENCY_TERMS.values())
