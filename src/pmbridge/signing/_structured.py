"""The part of RFC 8941 structured fields that signatures need: dictionaries, inner lists, parameters.

The parser is strict and total: anything it cannot read raises ``ValueError``, never a crash, since
its input comes straight from the network; the serialisers raise it for what RFC 8941 cannot carry.
"""

from __future__ import annotations

import base64
import math
import re
from dataclasses import dataclass, field


class Token(str):
    """An RFC 8941 token (unquoted), told apart from a string."""

    __slots__ = ()


BareItem = bool | int | float | str | bytes
Params = dict[str, BareItem]

_KEY = re.compile(r"[a-z*][a-z0-9_.*-]*")
_TOKEN = re.compile(r"[A-Za-z*][A-Za-z0-9!#$%&'*+.^_`|~:/-]*")
_STRING = re.compile(r'"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"')
# RFC 8941 §3.3.1-§3.3.2: an integer has at most 15 digits, a decimal at most 12 before its point and 3 after.
_NUMBER = re.compile(r"-?(?:[0-9]{1,12}\.[0-9]{1,3}|[0-9]{1,15})(?![0-9.])")
_INTEGER_LIMIT = 999_999_999_999_999
_BOOLEAN = re.compile(r"\?[01]")
_ESCAPE = re.compile(r"\\(.)")
# RFC 4648 base64 whose "=" padding is complete or absent: RFC 8941 §4.2.7 says parsers SHOULD NOT fail
# when it is missing, but padding anywhere but at the end, or more of it than the last group needs, is
# still not base64.
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?")


@dataclass(frozen=True, slots=True)
class Item:
    value: BareItem
    params: Params = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class InnerList:
    items: tuple[Item, ...]
    params: Params = field(default_factory=dict)


def serialize_bare(value: BareItem) -> str:
    r"""One bare item as it is written on the wire.

    >>> [serialize_bare(v) for v in (Token("ed25519"), 'a"b', b"\x00", True, 1.5)]
    ['ed25519', '"a\\"b"', ':AA==:', '?1', '1.5']
    """
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, int):
        if not -_INTEGER_LIMIT <= value <= _INTEGER_LIMIT:
            raise ValueError(f"integer {value} has more than the 15 digits a structured field allows")
        return str(value)
    if isinstance(value, float):
        return _serialize_decimal(value)
    if isinstance(value, bytes):
        return ":" + base64.b64encode(value).decode("ascii") + ":"
    if isinstance(value, Token):
        if _TOKEN.fullmatch(value) is None:
            raise ValueError(f"token {str(value)!r} is not a token; send it as a string instead")
        return str(value)
    if not (value.isascii() and value.isprintable()):
        raise ValueError(f"string {value!r} has characters a structured field cannot carry")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _serialize_decimal(value: float) -> str:
    """RFC 8941 §4.1.5: round half to even to 3 places, at most 12 integer digits, no sign on a zero."""
    if not math.isfinite(value):
        raise ValueError(f"decimal {value} is not a number a structured field can carry")
    # Python's fixed-point format rounds the exact binary value half to even, as the RFC asks.
    integer, _, fraction = f"{abs(value):.3f}".partition(".")
    if len(integer) > 12:
        raise ValueError(f"decimal {value} has more than the 12 integer digits a structured field allows")
    sign = "-" if value < 0 and (integer, fraction) != ("0", "000") else ""
    return f"{sign}{integer}.{fraction.rstrip('0') or '0'}"


def serialize_params(params: Params) -> str:
    for key in params:
        if _KEY.fullmatch(key) is None:
            raise ValueError(
                f"parameter name {key!r} is not a key: start with a-z or '*', then a-z, 0-9, '_-.*'"
            )
    return "".join(f";{k}" if v is True else f";{k}={serialize_bare(v)}" for k, v in params.items())


def serialize_item(item: Item) -> str:
    return serialize_bare(item.value) + serialize_params(item.params)


def serialize_inner_list(inner: InnerList) -> str:
    """The form ``@signature-params`` takes in a signature base.

    >>> serialize_inner_list(InnerList((Item("@method"), Item("@path", {"req": True})), {"created": 1}))
    '("@method" "@path";req);created=1'
    """
    return "(" + " ".join(serialize_item(i) for i in inner.items) + ")" + serialize_params(inner.params)


def parse_dictionary(text: str) -> dict[str, Item | InnerList]:
    """Parse a dictionary field such as ``Signature-Input`` or ``Signature``.

    >>> d = parse_dictionary('sig=("@method" "content-digest");created=5;keyid="k"')
    >>> [i.value for i in d["sig"].items], d["sig"].params
    (['@method', 'content-digest'], {'created': 5, 'keyid': 'k'})
    """
    return _Parser(text).dictionary()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def _fail(self, what: str) -> ValueError:
        return ValueError(f"{what} at character {self.pos} of {self.text[:80]!r}")

    def _skip(self, chars: str) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in chars:
            self.pos += 1

    def dictionary(self) -> dict[str, Item | InnerList]:
        out: dict[str, Item | InnerList] = {}
        self._skip(" ")
        while self.pos < len(self.text):
            key = self._key()
            if self._peek() == "=":
                self.pos += 1
                out[key] = self._inner_list() if self._peek() == "(" else self._item()
            else:
                out[key] = Item(True, self._params())
            self._skip(" \t")
            if self.pos == len(self.text):
                break
            if self._peek() != ",":
                raise self._fail("expected ','")
            self.pos += 1
            self._skip(" \t")
            if self.pos == len(self.text):
                raise self._fail("trailing ','")
        return out

    def _inner_list(self) -> InnerList:
        self.pos += 1  # "("
        items: list[Item] = []
        while True:
            self._skip(" ")
            if self._peek() == ")":
                self.pos += 1
                return InnerList(tuple(items), self._params())
            items.append(self._item())
            if self._peek() not in (" ", ")"):
                raise self._fail("expected ' ' or ')' in an inner list")

    def _item(self) -> Item:
        return Item(self._bare(), self._params())

    def _params(self) -> Params:
        params: Params = {}
        while self._peek() == ";":
            self.pos += 1
            self._skip(" ")
            key = self._key()
            value: BareItem = True
            if self._peek() == "=":
                self.pos += 1
                value = self._bare()
            params[key] = value
        return params

    def _match(self, pattern: re.Pattern[str], what: str) -> re.Match[str]:
        found = pattern.match(self.text, self.pos)
        if found is None:
            raise self._fail(f"expected {what}")
        self.pos = found.end()
        return found

    def _key(self) -> str:
        return self._match(_KEY, "a key").group()

    def _bare(self) -> BareItem:
        c = self._peek()
        if c == '"':
            raw = self._match(_STRING, "a string of printable ASCII").group(1)
            return _ESCAPE.sub(r"\1", raw) if "\\" in raw else raw
        if c == ":":
            return self._bytes()
        if c == "?":
            return self._match(_BOOLEAN, "?0 or ?1").group() == "?1"
        if c == "-" or c.isdigit():
            number = self._match(_NUMBER, "an integer or a decimal").group()
            return float(number) if "." in number else int(number)
        return Token(self._match(_TOKEN, "an item").group())

    def _bytes(self) -> bytes:
        end = self.text.find(":", self.pos + 1)
        if end < 0:
            raise self._fail("unterminated byte sequence")
        chunk = self.text[self.pos + 1 : end]
        if _BASE64.fullmatch(chunk) is None:
            raise self._fail("byte sequence is not base64")
        self.pos = end + 1
        data = chunk.rstrip("=")
        # Non-zero pad bits are let through too, as §4.2.7 asks: the decoder ignores them.
        return base64.b64decode(data + "=" * (-len(data) % 4), validate=True)
