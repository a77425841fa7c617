"""The part of RFC 8941 structured fields that signatures need: dictionaries, inner lists, parameters.

The parser is strict and total: anything it cannot read raises ``ValueError``, never a crash, since
its input comes straight from the network.
"""

from __future__ import annotations

import base64
import binascii
import re
import string
from dataclasses import dataclass, field


class Token(str):
    """An RFC 8941 token (unquoted), told apart from a string."""

    __slots__ = ()


BareItem = bool | int | float | str | bytes
Params = dict[str, BareItem]

_KEY = re.compile(r"[a-z*][a-z0-9_.*-]*")
_TOKEN = re.compile(r"[A-Za-z*][A-Za-z0-9!#$%&'*+.^_`|~:/-]*")
_STRING = re.compile(r'"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"')
_NUMBER = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,3})?(?![0-9.])")
_BOOLEAN = re.compile(r"\?[01]")
_ESCAPE = re.compile(r"\\(.)")
_B64 = set(string.ascii_letters + string.digits + "+/=")


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
        return str(value)
    if isinstance(value, float):
        text = f"{value:.3f}".rstrip("0")
        return text + "0" if text.endswith(".") else text
    if isinstance(value, bytes):
        return ":" + base64.b64encode(value).decode("ascii") + ":"
    if isinstance(value, Token):
        return str(value)
    if not (value.isascii() and value.isprintable()):
        raise ValueError(f"string {value!r} has characters a structured field cannot carry")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def serialize_params(params: Params) -> str:
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
        if not set(chunk) <= _B64:
            raise self._fail("byte sequence is not base64")
        self.pos = end + 1
        try:
            return base64.b64decode(chunk, validate=True)
        except binascii.Error:
            raise self._fail("byte sequence is not base64") from None
