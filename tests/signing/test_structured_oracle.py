"""Interop: our RFC 8941 code writes what http-sfv writes and reads exactly what it reads.

http-sfv 0.9.9 (Mark Nottingham's implementation, a dev-only dependency) is the oracle. Where it departs
from RFC 8941 the oracle is adjusted to the RFC, each adjustment named below and pinned by its own test.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar
from unittest import mock

import http_sfv
import http_sfv.byteseq
import http_sfv.integer
import http_sfv.item
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmbridge.signing._structured import (
    BareItem,
    InnerList,
    Item,
    Params,
    Token,
    parse_dictionary,
    serialize_bare,
    serialize_inner_list,
    serialize_item,
    serialize_params,
)

T = TypeVar("T")
# A parsed dictionary in a shape both implementations can be compared in: members in order, each
# bare item tagged with its type (a token is not a string, an integer is not a decimal).
Bare = tuple[str, object]
Member = tuple[Any, ...]
Read = list[tuple[str, Member]]

LIMIT = 999_999_999_999_999
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- the oracle ---------------------------------------------------------------------------------------


class _NotRfc8941(Exception):
    """http-sfv wrote something that RFC 8941 refuses."""


_THEIR_BYTESEQ = http_sfv.byteseq.parse_byteseq
_THEIR_NUMBER = http_sfv.integer.parse_number


def _byteseq_as_rfc_8941(data: bytes) -> tuple[int, bytes]:
    """http-sfv's byte sequence parser, adjusted twice to RFC 8941 §4.2.7 and RFC 4648.

    http-sfv refuses base64 without "=" padding, which §4.2.7 says a parser SHOULD NOT; and its lenient
    decoder accepts padding RFC 4648 §3.2/§4 does not ("====", "AA==AA==", "AAAA=").
    """
    end = data.find(b":", 1)
    if end < 0:
        return _THEIR_BYTESEQ(data)
    content = data[1:end]
    body = content.rstrip(b"=")
    padding = len(content) - len(body)
    if b"=" in body or padding not in (0, -len(body) % 4):
        raise ValueError("'=' that does not pad the last group")
    _, value = _THEIR_BYTESEQ(b":" + body + b"=" * (-len(body) % 4) + b":")
    return end + 1, value


def _number_as_rfc_8941(data: bytes) -> tuple[int, int | Decimal]:
    """http-sfv's number parser, but a decimal may not end in '.' (§4.2.4 step 9; http-sfv reads '1.')."""
    consumed, value = _THEIR_NUMBER(data)
    if data[consumed - 1 : consumed] == b".":
        raise ValueError("a decimal ends in '.'")
    return consumed, value


def _not_in_rfc_8941(data: bytes) -> tuple[int, object]:
    raise ValueError("dates (@) and display strings (%) came with RFC 9651; RFC 8941 has no such item")


# Bare-item parsers by first byte, swapped into http-sfv while it reads for the oracle.
_RFC_8941_PARSERS: dict[int, Callable[[bytes], tuple[int, object]]] = {
    ord(":"): _byteseq_as_rfc_8941,
    ord("@"): _not_in_rfc_8941,
    ord("%"): _not_in_rfc_8941,
    **dict.fromkeys(http_sfv.integer.NUMBER_START_CHARS, _number_as_rfc_8941),
}


def _their_bare(value: object) -> Bare:
    if isinstance(value, bool):
        return ("boolean", value)
    if isinstance(value, int):
        return ("integer", value)
    if isinstance(value, Decimal):
        return ("decimal", float(value))
    if isinstance(value, bytes):
        return ("bytes", value)
    if isinstance(value, http_sfv.Token):
        return ("token", str(value))
    assert type(value) is str, value
    return ("string", value)


def _their_params(params: dict[str, object]) -> list[tuple[str, Bare]]:
    return [(k, _their_bare(v)) for k, v in params.items()]


def _their_member(member: http_sfv.Item | http_sfv.InnerList) -> Member:
    if isinstance(member, http_sfv.InnerList):
        items = [(_their_bare(i.value), _their_params(i.params)) for i in member]
        return ("inner", items, _their_params(member.params))
    return ("item", _their_bare(member.value), _their_params(member.params))


def _oracle_reads(text: str) -> Read | None:
    """What RFC 8941 reads from a dictionary field, by http-sfv with the adjustments the RFC asks for."""
    if text.strip(" ") == "":
        return []  # §4.2.2 reads an empty dictionary; http-sfv refuses the empty field
    field = http_sfv.Dictionary()
    with mock.patch.dict(http_sfv.item._parse_map, _RFC_8941_PARSERS):
        try:
            field.parse(text.encode("utf-8"))
        except ValueError:
            return None
    return [(k, _their_member(m)) for k, m in field.items()]


def _http_sfv_accepts(text: str) -> bool:
    try:
        http_sfv.Dictionary().parse(text.encode("utf-8"))
    except ValueError:
        return False
    return True


def _our_bare(value: BareItem) -> Bare:
    if isinstance(value, bool):
        return ("boolean", value)
    if isinstance(value, int):
        return ("integer", value)
    if isinstance(value, float):
        return ("decimal", value)
    if isinstance(value, bytes):
        return ("bytes", value)
    if isinstance(value, Token):
        return ("token", str(value))
    return ("string", value)


def _our_params(params: Params) -> list[tuple[str, Bare]]:
    return [(k, _our_bare(v)) for k, v in params.items()]


def _our_member(member: Item | InnerList) -> Member:
    if isinstance(member, InnerList):
        items = [(_our_bare(i.value), _our_params(i.params)) for i in member.items]
        return ("inner", items, _our_params(member.params))
    return ("item", _our_bare(member.value), _our_params(member.params))


def _we_read(text: str) -> Read | None:
    try:
        members = parse_dictionary(text)
    except ValueError:
        return None
    return [(k, _our_member(m)) for k, m in members.items()]


# -- writing with either implementation --------------------------------------------------------------


def _their_value(value: BareItem) -> object:
    if isinstance(value, Token):
        if not value:
            # §4.1.7: a token has at least one character; http-sfv 0.9.9 writes an empty one.
            raise _NotRfc8941("empty token")
        return http_sfv.Token(value)
    return value


def _their_item(item: Item) -> http_sfv.Item:
    theirs = http_sfv.Item(_their_value(item.value))
    theirs.params.update({k: _their_value(v) for k, v in item.params.items()})
    return theirs


def _their_inner_list(inner: InnerList) -> http_sfv.InnerList:
    theirs = http_sfv.InnerList([_their_item(i) for i in inner.items])
    theirs.params.update({k: _their_value(v) for k, v in inner.params.items()})
    return theirs


def _their_dictionary(members: dict[str, Item | InnerList]) -> http_sfv.Dictionary:
    theirs = http_sfv.Dictionary()
    for key, member in members.items():
        theirs[key] = _their_inner_list(member) if isinstance(member, InnerList) else _their_item(member)
    return theirs


def _they_write(build: Callable[[T], object], thing: T) -> str | None:
    try:
        return str(build(thing))
    except (ValueError, ArithmeticError, IndexError, _NotRfc8941):
        # ValueError for what the RFC refuses; an infinite decimal raises InvalidOperation and an
        # empty key IndexError
        return None


def _we_write(write: Callable[[T], str], thing: T) -> str | None:
    try:
        return write(thing)
    except ValueError:
        return None


def _our_dictionary(members: dict[str, Item | InnerList]) -> str:
    """A dictionary field as the signing code writes one (§4.1.2): `label=member`, `, ` between."""
    parts = []
    for key, member in members.items():
        if isinstance(member, InnerList):
            parts.append(f"{key}={serialize_inner_list(member)}")
        elif member.value is True:
            parts.append(key + serialize_params(member.params))
        else:
            parts.append(f"{key}={serialize_item(member)}")
    return ", ".join(parts)


# -- what to generate ---------------------------------------------------------------------------------

KEYS = st.from_regex(r"[a-z*][a-z0-9_.*-]{0,6}", fullmatch=True)
TOKENS = st.from_regex(r"[A-Za-z*][A-Za-z0-9!#$%&'*+.^_`|~:/-]{0,8}", fullmatch=True).map(Token)
STRINGS = st.text(
    st.one_of(st.sampled_from('"\\'), st.characters(min_codepoint=0x20, max_codepoint=0x7E)), max_size=12
)
INTEGERS = st.one_of(st.integers(-LIMIT, LIMIT), st.sampled_from([LIMIT, -LIMIT, 0, 10**14, -(10**14)]))
DECIMALS = st.one_of(
    st.floats(-999_999_999_999.999, 999_999_999_999.999),
    # up to 12 digits before the point and 3 after, then exact binary ties at the fourth: half to even
    st.integers(-(10**15) + 1, 10**15 - 1).map(lambda n: n / 1000),
    st.integers(-(2**40), 2**40).map(lambda n: n / 16),
    st.sampled_from([999_999_999_999.9994, -999_999_999_999.999, 0.0005, 0.0015, -0.0, -0.0004]),
)
BARE: st.SearchStrategy[BareItem] = st.one_of(
    INTEGERS, DECIMALS, STRINGS, TOKENS, st.binary(max_size=24), st.booleans()
)
# Values the wire cannot carry, beside the ones it can: both implementations must refuse to write them.
ANY_BARE: st.SearchStrategy[BareItem] = st.one_of(
    BARE,
    st.integers(-(10**17), 10**17),
    st.sampled_from([LIMIT + 1, -LIMIT - 1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([999_999_999_999.9995, -999_999_999_999.9995, 1e12, -1e13]),
    st.text(max_size=6),
    st.text(max_size=6).map(Token),
)


def _params(
    values: st.SearchStrategy[BareItem], keys: st.SearchStrategy[str] = KEYS
) -> st.SearchStrategy[Params]:
    return st.dictionaries(keys, values, max_size=3)


def _items(
    values: st.SearchStrategy[BareItem], keys: st.SearchStrategy[str] = KEYS
) -> st.SearchStrategy[Item]:
    return st.builds(Item, values, _params(values, keys))


def _inner_lists(
    values: st.SearchStrategy[BareItem], keys: st.SearchStrategy[str] = KEYS
) -> st.SearchStrategy[InnerList]:
    return st.builds(InnerList, st.lists(_items(values, keys), max_size=4).map(tuple), _params(values, keys))


ANY_KEYS = st.one_of(KEYS, st.text(max_size=4))
DICTIONARIES = st.dictionaries(KEYS, st.one_of(_items(BARE), _inner_lists(BARE)), min_size=1, max_size=4)


# -- (a) writing: our serialisation is http-sfv's, and both read it back alike --------------------------


@SETTINGS
@given(value=ANY_BARE)
def test_a_bare_item_is_written_as_http_sfv_writes_it(value: BareItem) -> None:
    assert _we_write(serialize_bare, value) == _they_write(_their_item, Item(value))


@SETTINGS
@given(item=_items(ANY_BARE, ANY_KEYS))
def test_an_item_with_parameters_is_written_as_http_sfv_writes_it(item: Item) -> None:
    assert _we_write(serialize_item, item) == _they_write(_their_item, item)


@SETTINGS
@given(inner=_inner_lists(ANY_BARE, ANY_KEYS))
def test_an_inner_list_is_written_as_http_sfv_writes_it(inner: InnerList) -> None:
    assert _we_write(serialize_inner_list, inner) == _they_write(_their_inner_list, inner)


@SETTINGS
@given(members=DICTIONARIES)
def test_a_dictionary_we_write_is_read_alike_and_round_trips(members: dict[str, Item | InnerList]) -> None:
    text = _our_dictionary(members)
    assert text == _they_write(_their_dictionary, members)
    read = _we_read(text)
    assert read is not None
    assert read == _oracle_reads(text)
    # Reading loses only what writing rounded away: writing what was read gives the same text.
    assert _our_dictionary(parse_dictionary(text)) == text
    assert [k for k, _ in read] == list(members)


@SETTINGS
@given(value=DECIMALS)
def test_a_decimal_is_written_rounded_half_to_even_to_three_places(value: float) -> None:
    wire = serialize_bare(value)
    integer, _, fraction = wire.lstrip("-").partition(".")
    assert len(integer) <= 12 and 1 <= len(fraction) <= 3
    assert Decimal(wire) == round(Decimal(value), 3)
    assert wire.startswith("-") == (Decimal(wire) < 0)


# -- (b) reading: our parser accepts exactly what the oracle accepts, and reads the same values -------


MUTATION_ALPHABET = st.sampled_from([*' \t,;=()":?-.*0159aAzZ_/+!%@\\', "é", "\x7f", "\x00"])
MUTATIONS = st.lists(
    st.tuples(
        st.floats(0, 1, exclude_max=True), st.sampled_from(["insert", "delete", "replace"]), MUTATION_ALPHABET
    ),
    min_size=1,
    max_size=4,
)


def _mutate(text: str, mutations: list[tuple[float, str, str]]) -> str:
    for where, how, char in mutations:
        at = int(where * (len(text) + 1)) if how == "insert" else int(where * len(text))
        if how == "insert":
            text = text[:at] + char + text[at:]
        elif text:
            text = text[:at] + (char if how == "replace" else "") + text[at + 1 :]
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(members=DICTIONARIES, mutations=MUTATIONS)
def test_a_mutated_dictionary_is_read_alike(
    members: dict[str, Item | InnerList], mutations: list[tuple[float, str, str]]
) -> None:
    text = _mutate(_our_dictionary(members), mutations)
    assert _we_read(text) == _oracle_reads(text), text


def _mostly(valid: list[str], broken: list[str]) -> st.SearchStrategy[str]:
    """One of the valid pieces about eight times in nine, else one of the broken ones."""
    return st.sampled_from(valid * (8 * len(broken) // len(valid) + 1) + broken)


# Field text built from the grammar out of pieces that are mostly valid, so that a good share of it is
# a dictionary and the rest fails at one interesting place.
NEAR_KEYS = _mostly(["a", "sig", "*k", "key-1.x_y*", "b"], ["A", "1a", "", "k\u00e9"])
NEAR_BARE = _mostly(
    [
        "1", "-1", "0", "-0", "007", "999999999999999", "-999999999999999", "123456789012.123", "1.5", "-0.0",
        '"x"', '"a\\"b"', '"\\\\"', '""', "tok", "Tok/en:x", "*", "?1", "?0",
        ":aGVsbG8=:", ":aGVsbG8:", ":aGVsbA:", ":aGVsbA==:", ":iZ==:", "::",
    ],
    [
        "1000000000000000", "1234567890123.1", "1.", "1.2345", "?2", '"\\n"', '"\u00e9"', '"x', ":====:",
        ":AA==AA==:", ":AAAA=:", ":aGVsbA=:", ":A:", ":a-b_:", "@12", '%"x"', "-", ".5", "",
    ],
)  # fmt: skip
NEAR_PARAMS = st.lists(
    st.tuples(_mostly([";", "; "], [";\t"]), NEAR_KEYS, st.one_of(st.just(""), NEAR_BARE.map("=".__add__))),
    max_size=2,
).map(lambda params: "".join("".join(p) for p in params))
NEAR_ITEMS = st.tuples(NEAR_BARE, NEAR_PARAMS).map("".join)
NEAR_INNER_LISTS = st.tuples(
    st.lists(st.tuples(_mostly([" ", "  "], [""]), NEAR_ITEMS).map("".join), max_size=3),
    _mostly([")", " )"], ["", "))"]),
    NEAR_PARAMS,
).map(lambda parts: "(" + "".join(parts[0]).removeprefix(" ") + parts[1] + parts[2])
NEAR_MEMBERS = st.tuples(
    NEAR_KEYS, st.one_of(NEAR_PARAMS, st.one_of(NEAR_ITEMS, NEAR_INNER_LISTS).map("=".__add__))
)


def _field_text(leading: str, members: list[tuple[str, str]], trailing: str) -> str:
    """Members each after its separator, the first one's dropped."""
    joined = "".join(separator + member for separator, member in members)
    return leading + joined.removeprefix(members[0][0] if members else "") + trailing


NEAR_FIELDS = st.builds(
    _field_text,
    _mostly(["", " "], ["\t"]),
    st.lists(
        st.tuples(_mostly([", ", ",", " ,\t"], [" ", ",,", ";"]), NEAR_MEMBERS.map("".join)), max_size=4
    ),
    _mostly(["", " ", "\t"], [","]),
)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=NEAR_FIELDS)
def test_field_text_near_the_grammar_is_read_alike(text: str) -> None:
    assert _we_read(text) == _oracle_reads(text), text


@SETTINGS
@given(text=st.text(st.sampled_from(list(' \t,;=()":?-.*019azAZ+/!@%\\')), max_size=24))
def test_random_field_text_is_read_alike(text: str) -> None:
    assert _we_read(text) == _oracle_reads(text), text


# -- where http-sfv and RFC 8941 disagree, we follow the RFC --------------------------------------------


@pytest.mark.parametrize(
    ("text", "rfc_8941"),
    [
        ("", []),  # §4.2.2: an empty dictionary
        ("   ", []),
        ("a=1.", None),  # §4.2.4 step 9
        ("a=-0.", None),
        ("a=@1659578233", None),  # an RFC 9651 date
        ('a=%"caf%c3%a9"', None),  # an RFC 9651 display string
        ("a=:aGVsbG8:", [("a", ("item", ("bytes", b"hello"), []))]),  # §4.2.7: padding may be left out
        ("a=:====:", None),  # RFC 4648: padding with nothing to pad
        ("a=:AA==AA==:", None),  # RFC 4648: data after the padding
        ("a=:AAAA=:", None),
    ],
)
def test_where_http_sfv_departs_from_rfc_8941_we_follow_the_rfc(text: str, rfc_8941: Read | None) -> None:
    assert _http_sfv_accepts(text) != (rfc_8941 is not None), (
        "http-sfv now follows the RFC: drop the adjustment"
    )
    assert _oracle_reads(text) == rfc_8941
    assert _we_read(text) == rfc_8941


def test_where_http_sfv_writes_what_rfc_8941_refuses_we_refuse() -> None:
    """§4.1.7: a token has at least one character; http-sfv 0.9.9 writes an empty one."""
    assert str(http_sfv.Item(http_sfv.Token(""))) == ""
    with pytest.raises(ValueError, match="is not a token"):
        serialize_bare(Token(""))
