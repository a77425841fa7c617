"""RFC 8941 conformance of the structured-field code at the edges a review found it wrong.

Each case cites the RFC 8941 section it follows; the interop properties are in test_structured_oracle.py.
"""

from __future__ import annotations

import pytest

from pmbridge.signing._structured import (
    InnerList,
    Item,
    Token,
    parse_dictionary,
    serialize_bare,
    serialize_item,
)

# -- §3.3.2 / §4.2.4: a decimal has at most 12 integer digits and 3 fraction digits --------------------


@pytest.mark.parametrize("text", ["a=1234567890123.5", "a=-1234567890123.5", "a=1234567890123456.5"])
def test_a_decimal_with_more_than_12_integer_digits_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="an integer or a decimal"):
        parse_dictionary(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [("a=123456789012.5", 123456789012.5), ("a=-123456789012.123", -123456789012.123), ("a=0.001", 0.001)],
)
def test_a_decimal_with_up_to_12_integer_digits_is_read(text: str, value: float) -> None:
    assert parse_dictionary(text)["a"] == Item(value)


@pytest.mark.parametrize("text", ["a=1.2345", "a=1.", "a=-", "a=1.5.", "a=--1", "a=1234567890123456"])
def test_a_malformed_number_is_refused(text: str) -> None:
    """A decimal ending in its point is refused by §4.2.4 step 9, although http-sfv 0.9.9 reads it."""
    with pytest.raises(ValueError, match="an integer or a decimal"):
        parse_dictionary(text)


# -- §3.3.1 / §4.1.4: an integer lies within ±999,999,999,999,999 -------------------------------------


@pytest.mark.parametrize("value", [10**15, -(10**15), 12_345_678_901_234_567, -(10**16)])
def test_an_integer_beyond_15_digits_is_not_serialised(value: int) -> None:
    with pytest.raises(ValueError, match="15 digits"):
        serialize_bare(value)


@pytest.mark.parametrize("value", [999_999_999_999_999, -999_999_999_999_999, 0])
def test_an_integer_of_up_to_15_digits_is_serialised(value: int) -> None:
    assert serialize_bare(value) == str(value)
    assert parse_dictionary(f"a={serialize_bare(value)}")["a"] == Item(value)


def test_an_integer_beyond_15_digits_is_not_serialised_as_a_parameter() -> None:
    with pytest.raises(ValueError, match="15 digits"):
        serialize_item(Item("@method", {"created": 10**16}))


# -- §4.1.5: decimals round half to even, keep 12 integer digits, and only a negative one has a sign ------


@pytest.mark.parametrize(
    ("value", "wire"),
    [
        (1.5, "1.5"),
        (2.0, "2.0"),
        (0.0625, "0.062"),  # an exact binary tie: half to even
        (0.1875, "0.188"),
        (123.4564999, "123.456"),
        (-0.0, "0.0"),
        (-0.0001, "0.0"),  # rounds to zero, which is not less than zero
        (-1.0005, "-1.0"),
        (999_999_999_999.9994, "999999999999.999"),
    ],
)
def test_a_decimal_is_serialised_as_the_rfc_says(value: float, wire: str) -> None:
    assert serialize_bare(value) == wire


@pytest.mark.parametrize(
    "value", [999_999_999_999.9995, 1e13, -1e13, float("inf"), float("-inf"), float("nan")]
)
def test_a_decimal_the_wire_cannot_carry_is_not_serialised(value: float) -> None:
    with pytest.raises(ValueError, match="12 integer digits|not a number"):
        serialize_bare(value)


# -- §4.2.7: a parser SHOULD NOT fail on missing "=" padding or non-zero pad bits --------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("a=:aGVsbG8:", b"hello"),
        ("a=:aGVsbG8=:", b"hello"),
        ("a=:aGVsbA:", b"hell"),
        ("a=:aGVsbA==:", b"hell"),
        ("a=:iZ==:", b"\x89"),  # non-zero pad bits
        ("a=:iZ:", b"\x89"),
        ("a=::", b""),
    ],
)
def test_a_byte_sequence_with_or_without_padding_is_read(text: str, value: bytes) -> None:
    assert parse_dictionary(text)["a"] == Item(value)


def test_a_byte_sequence_is_always_serialised_padded() -> None:
    assert serialize_bare(b"hello") == ":aGVsbG8=:"
    assert serialize_bare(parse_dictionary("a=:aGVsbA:")["a"].value) == ":aGVsbA==:"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "chunk",
    [
        "A",  # one character cannot carry a byte
        "A===",
        "aGVsbA=",  # partial padding
        "=aGVsbG8=",  # padding at the start
        "a=GVsbG8=",  # padding in the middle
        "AA==AA==",  # data after the padding
        "AAAA=",  # padding a whole group does not need
        "====",
        "aGVsb G8=",
        "aGVsbG!8=",
        "aGVs-bG8=",  # base64url is another alphabet
    ],
)
def test_a_byte_sequence_that_is_not_base64_is_refused(chunk: str) -> None:
    with pytest.raises(ValueError, match="not base64"):
        parse_dictionary(f"a=:{chunk}:")


# -- §4.1.7 and §4.1.1.3: a token and a key must match their ABNF to be serialised ------------------------


@pytest.mark.parametrize("token", ["", "1abc", "a b", "a,b", 'a"b', "a(b)", "é"])
def test_a_token_that_is_not_a_token_is_not_serialised(token: str) -> None:
    with pytest.raises(ValueError, match="is not a token"):
        serialize_bare(Token(token))


@pytest.mark.parametrize("key", ["", "Created", "1st", "a b", "a=b", "key!"])
def test_a_parameter_name_that_is_not_a_key_is_not_serialised(key: str) -> None:
    with pytest.raises(ValueError, match="is not a key"):
        serialize_item(Item("@method", {key: 1}))


def test_the_signature_parameters_of_rfc_9421_still_serialise() -> None:
    inner = InnerList(
        (Item("@method"), Item("content-digest", {"req": True})), {"keyid": "k", "alg": "ed25519"}
    )
    wire = serialize_item(Item(Token("sha-256"), {"created": 1_618_884_473, "tag": "x", "n": 1.5}))
    assert wire == 'sha-256;created=1618884473;tag="x";n=1.5'
    assert parse_dictionary(f"sig={wire}")["sig"] == Item(
        Token("sha-256"), {"created": 1_618_884_473, "tag": "x", "n": 1.5}
    )
    assert (
        parse_dictionary("sig=" + '("@method" "content-digest";req);keyid="k";alg="ed25519"')["sig"] == inner
    )
