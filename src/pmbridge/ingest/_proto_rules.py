"""Validation rules compiled from protobuf descriptors, so the fast validator follows the schema.

Walking ``Phenopacket.DESCRIPTOR`` once at import gives, per message, the JSON keys it accepts and,
per field, what ``google.protobuf.json_format.Parse`` demands of its value. The scalar rules below
restate json_format 6.x (``_ConvertScalarFieldValue`` and the runtime's range checks); the
Phenopacket schema has no 32-bit float or bytes fields, so those two rules are untested here.
"""

from __future__ import annotations

import base64
import datetime
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from google.protobuf import descriptor as _d
from google.protobuf import message_factory

from pmbridge.errors import IngestError

__all__ = [
    "Cardinality",
    "EnumRule",
    "FieldRule",
    "MessageRule",
    "ScalarKind",
    "Shape",
    "compile_rules",
    "describe",
    "enum_number",
    "json_integer",
    "scalar_problem",
    "string_wkt_problem",
]


class ScalarKind(IntEnum):
    """What a field's JSON value must convert to (messages included, as ``MESSAGE``)."""

    STRING = 1
    BYTES = 2
    BOOL = 3
    INT = 4
    DOUBLE = 5
    FLOAT = 6
    ENUM = 7
    MESSAGE = 8


class Shape(IntEnum):
    """The few field shapes the validator's hot loop checks inline; ``OTHER`` takes the general path."""

    OTHER = 0
    STRING = 1
    MESSAGE = 2
    MESSAGES = 3
    ENUM = 4
    BOOL = 5


class Cardinality(IntEnum):
    """Whether a field holds one value, a JSON array of values, or a JSON object (map)."""

    SINGLE = 1
    REPEATED = 2
    MAP = 3


@dataclass(frozen=True, slots=True)
class EnumRule:
    """An enum's value names and numbers; open (proto3) enums accept any int32 number."""

    name: str
    numbers_by_name: dict[str, int]
    names_by_number: dict[int, str]
    closed: bool

    @classmethod
    def of(cls, enum_descriptor: Any) -> EnumRule:
        """The rule of a protobuf enum descriptor.

        >>> from phenopackets import Sex
        >>> EnumRule.of(Sex.DESCRIPTOR).names_by_number[1]
        'FEMALE'
        """
        values = enum_descriptor.values
        return cls(
            enum_descriptor.name,
            {v.name: v.number for v in values},
            {v.number: v.name for v in values},
            bool(enum_descriptor.is_closed),
        )


@dataclass(slots=True)
class FieldRule:
    """One field: its names, value kind, bounds and oneof membership."""

    name: str
    json_name: str
    kind: ScalarKind
    cardinality: Cardinality
    oneof: str | None = None
    message: MessageRule | None = None
    enum: EnumRule | None = None
    int_range: tuple[int, int] | None = None
    map_key: FieldRule | None = None
    map_value: FieldRule | None = None
    shape: Shape = Shape.OTHER


@dataclass(slots=True)
class MessageRule:
    """One message type: every accepted JSON key (json_name and proto name) mapped to its field.

    ``from_json`` is set for well-known types whose JSON form is a string parsed by the
    protobuf runtime (Timestamp, Duration, FieldMask); it raises on a bad value.
    """

    full_name: str
    name: str
    fields: dict[str, FieldRule] = field(default_factory=dict)
    json_names: tuple[str, ...] = ()
    oneofs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    from_json: Callable[[object], object] | None = None
    flat: bool = False  # only single string fields, like OntologyClass: checked inline


_CPP = _d.FieldDescriptor
_INT_RANGES = {
    _CPP.CPPTYPE_INT32: (-(2**31), 2**31 - 1),
    _CPP.CPPTYPE_INT64: (-(2**63), 2**63 - 1),
    _CPP.CPPTYPE_UINT32: (0, 2**32 - 1),
    _CPP.CPPTYPE_UINT64: (0, 2**64 - 1),
}
_STRING_WKTS = frozenset(
    {"google.protobuf.Timestamp", "google.protobuf.Duration", "google.protobuf.FieldMask"}
)
_UNSUPPORTED_WKTS = frozenset(
    {
        "google.protobuf.Any",
        "google.protobuf.Struct",
        "google.protobuf.Value",
        "google.protobuf.ListValue",
        "google.protobuf.DoubleValue",
        "google.protobuf.FloatValue",
        "google.protobuf.Int64Value",
        "google.protobuf.UInt64Value",
        "google.protobuf.Int32Value",
        "google.protobuf.UInt32Value",
        "google.protobuf.BoolValue",
        "google.protobuf.StringValue",
        "google.protobuf.BytesValue",
    }
)


def compile_rules(root: Any) -> MessageRule:
    """The rule tree for message descriptor ``root`` (recursive types share one rule).

    >>> from phenopackets import Phenopacket
    >>> rules = compile_rules(Phenopacket.DESCRIPTOR)
    >>> rules.fields["phenotypic_features"] is rules.fields["phenotypicFeatures"]
    True
    """
    return _Compiler().message(root)


class _Compiler:
    def __init__(self) -> None:
        self._done: dict[str, MessageRule] = {}

    def message(self, desc: Any) -> MessageRule:
        full_name: str = desc.full_name
        if full_name in self._done:
            return self._done[full_name]
        if full_name in _UNSUPPORTED_WKTS:
            raise IngestError(
                f"the phenopacket schema uses {full_name}, which the fast validator does not mirror",
                hint="extend pmbridge.ingest._proto_rules for this well-known type",
            )
        rule = MessageRule(full_name=full_name, name=desc.name)
        self._done[full_name] = rule
        if full_name in _STRING_WKTS:
            cls: Any = message_factory.GetMessageClass(desc)
            rule.from_json = lambda value: cls().FromJsonString(value)
            return rule
        if desc.is_extendable:
            raise IngestError(
                f"{full_name} accepts extensions, which the fast validator does not mirror",
                hint="extend pmbridge.ingest._proto_rules for extensions",
            )
        compiled = [(fd, self.field(fd)) for fd in desc.fields]
        # json_format looks a key up by json_name first and by proto name second.
        for fd, fr in compiled:
            rule.fields[fd.name] = fr
        for fd, fr in compiled:
            rule.fields[fd.json_name] = fr
        rule.json_names = tuple(fd.json_name for fd in desc.fields)
        rule.oneofs = {o.name: tuple(f.json_name for f in o.fields) for o in desc.oneofs}
        rule.flat = not rule.oneofs and all(fr.shape is Shape.STRING for _, fr in compiled)
        return rule

    def field(self, fd: Any) -> FieldRule:
        oneof = fd.containing_oneof.name if fd.containing_oneof is not None else None
        mt = fd.message_type
        if mt is not None and mt.GetOptions().map_entry:
            key = self.field(mt.fields_by_name["key"])
            value = self.field(mt.fields_by_name["value"])
            return FieldRule(
                fd.name, fd.json_name, value.kind, Cardinality.MAP, oneof, map_key=key, map_value=value
            )
        card = Cardinality.REPEATED if fd.is_repeated else Cardinality.SINGLE
        rule = FieldRule(fd.name, fd.json_name, _kind(fd), card, oneof)
        if mt is not None:
            rule.message = self.message(mt)
        elif fd.enum_type is not None:
            rule.enum = EnumRule.of(fd.enum_type)
        elif fd.cpp_type in _INT_RANGES:
            rule.int_range = _INT_RANGES[fd.cpp_type]
        rule.shape = _shape(rule)
        return rule


def _shape(rule: FieldRule) -> Shape:
    kind, card = rule.kind, rule.cardinality
    if kind is ScalarKind.MESSAGE and rule.message is not None and rule.message.from_json is None:
        if card is Cardinality.SINGLE:
            return Shape.MESSAGE
        if card is Cardinality.REPEATED:
            return Shape.MESSAGES
    if card is not Cardinality.SINGLE:
        return Shape.OTHER
    return {ScalarKind.STRING: Shape.STRING, ScalarKind.ENUM: Shape.ENUM, ScalarKind.BOOL: Shape.BOOL}.get(
        kind, Shape.OTHER
    )


def _kind(fd: Any) -> ScalarKind:
    cpp = fd.cpp_type
    if cpp == _CPP.CPPTYPE_MESSAGE:
        return ScalarKind.MESSAGE
    if cpp == _CPP.CPPTYPE_ENUM:
        return ScalarKind.ENUM
    if cpp == _CPP.CPPTYPE_BOOL:
        return ScalarKind.BOOL
    if cpp in _INT_RANGES:
        return ScalarKind.INT
    if cpp == _CPP.CPPTYPE_DOUBLE:
        return ScalarKind.DOUBLE
    if cpp == _CPP.CPPTYPE_FLOAT:
        return ScalarKind.FLOAT
    return ScalarKind.BYTES if fd.type == _CPP.TYPE_BYTES else ScalarKind.STRING


_SURROGATE = re.compile("[\ud800-\udfff]")
_FLOAT32_MAX = 3.4028234663852886e38
_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)


def describe(value: object) -> str:
    """A short rendering of a JSON value for problem messages.

    >>> describe("abc"), describe(None), describe([1]), describe({"a": 1}), describe(True)
    ('"abc"', 'null', 'a list', 'an object', 'true')
    """
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= 60 else text[:57] + '..."'
    if isinstance(value, dict):
        return "an object" if value else "an empty object"
    if isinstance(value, list | tuple):
        return "a list" if value else "an empty list"
    return repr(value)


def json_integer(value: object) -> int | None:
    """The integer ``json_format`` reads from a JSON value, or None where it refuses one.

    It takes integral floats and numeric strings ("1e3", "5.0"), but not bools, nor strings
    with a space in them.

    >>> json_integer("1e3"), json_integer(" 1"), json_integer(5.0), json_integer(True)
    (1000, None, 5, None)
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if not isinstance(value, str) or " " in value:
        return None
    try:
        return int(value)
    except ValueError:
        pass
    try:
        number = float(value)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def scalar_problem(value: object, rule: FieldRule, *, map_key: bool = False) -> str | None:
    """Why ``json_format`` refuses ``value`` for a non-message field, or None when it takes it.

    >>> from phenopackets import Phenopacket
    >>> sex = compile_rules(Phenopacket.DESCRIPTOR).fields["subject"].message.fields["sex"]
    >>> scalar_problem("MALE", sex) is None, scalar_problem(1, sex) is None
    (True, True)
    >>> scalar_problem("male", sex)
    '"male" is not a Sex value; use one of: UNKNOWN_SEX, FEMALE, MALE, OTHER_SEX'
    """
    kind = rule.kind
    if kind is ScalarKind.STRING:
        if not isinstance(value, str):
            return f"expected a string, got {describe(value)}; put the value in quotes"
        if _SURROGATE.search(value):
            return "the text holds a UTF-16 surrogate code point; fix the text's encoding"
        return None
    if kind is ScalarKind.BOOL:
        if map_key:
            return None if value in ("true", "false") else f"expected a boolean key, got {value!r}"
        if value is True or value is False:
            return None
        return f"expected true or false without quotes, got {describe(value)}"
    if kind is ScalarKind.INT:
        return _int_problem(value, rule.int_range or _INT32)
    if kind is ScalarKind.ENUM and rule.enum is not None:
        return _enum_problem(value, rule.enum)
    if kind is ScalarKind.DOUBLE or kind is ScalarKind.FLOAT:
        return _float_problem(value, single=kind is ScalarKind.FLOAT)
    if kind is ScalarKind.BYTES:
        return _bytes_problem(value)
    return f"{rule.name} cannot hold {describe(value)}"


def _int_problem(value: object, bounds: tuple[int, int]) -> str | None:
    number = json_integer(value)
    if number is None:
        return f"expected an integer, got {describe(value)}; write a whole number such as 12"
    low, high = bounds
    if not low <= number <= high:
        return f"{number} is out of range; use an integer from {low} to {high}"
    return None


def enum_number(value: object, enum: EnumRule) -> int | None:
    """The number ``json_format`` stores for an enum value, or None when it refuses the value.

    Names and numbers are both taken (``int()`` semantics: ``true``, ``5.5``, ``" 3 "``). The
    runtime's number lookup truncates 64-bit keys to 32 bits, so ``2**32 + 1`` finds value 1.

    >>> from phenopackets import Sex
    >>> sex = EnumRule.of(Sex.DESCRIPTOR)
    >>> enum_number("MALE", sex), enum_number(2**32 + 1, sex), enum_number(99, sex), enum_number("x", sex)
    (2, 1, 99, None)
    """
    try:
        named: int | None = enum.numbers_by_name.get(value)  # type: ignore[call-overload]
        if named is not None:
            return named
        number: int = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        return None
    if _INT64[0] <= number <= _INT64[1]:
        known = (number - _INT32[0]) % 2**32 + _INT32[0]
        if known in enum.names_by_number:
            return known
    if enum.closed or not _INT32[0] <= number <= _INT32[1]:
        return None
    return number


def _enum_problem(value: object, enum: EnumRule) -> str | None:
    if enum_number(value, enum) is not None:
        return None
    names = ", ".join(enum.numbers_by_name)
    return f"{describe(value)} is not a {enum.name} value; use one of: {names}"


def _float_problem(value: object, *, single: bool) -> str | None:
    if isinstance(value, float):
        if math.isnan(value):
            return 'a bare NaN is not allowed; write the string "NaN"'
        if math.isinf(value):
            return 'the number is infinite or too large; write "Infinity" or "-Infinity"'
        if single and not -_FLOAT32_MAX <= value <= _FLOAT32_MAX:
            return f"{value} does not fit a 32-bit float"
    if value == "nan":
        return 'write "NaN", not "nan"'
    try:
        float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return f"expected a number, got {describe(value)}"
    return None


def _bytes_problem(value: object) -> str | None:
    try:
        encoded = value.encode("utf-8") if isinstance(value, str) else value
        base64.urlsafe_b64decode(encoded + b"=" * (4 - len(encoded) % 4))  # type: ignore[arg-type]
    except Exception:  # json_format refuses whatever base64 or the padding step raises
        return f"expected base64 text, got {describe(value)}"
    return None


_RFC3339_UTC = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]{1,9})?Z"
)
_EXAMPLES = {
    "google.protobuf.Timestamp": 'an RFC 3339 time such as "2021-05-14T10:35:00Z"',
    "google.protobuf.Duration": 'a duration in seconds such as "3.5s"',
    "google.protobuf.FieldMask": 'a field mask such as "id,subject.sex"',
}


def string_wkt_problem(value: object, rule: MessageRule) -> str | None:
    """Why the protobuf runtime refuses ``value`` for a string-form well-known type, or None.

    The common canonical UTC form skips the (slow, ``strptime``-based) runtime parser.

    >>> from phenopackets import Phenopacket
    >>> meta = compile_rules(Phenopacket.DESCRIPTOR).fields["metaData"].message
    >>> created = meta.fields["created"].message
    >>> string_wkt_problem("2021-05-14T10:35:00.5Z", created) is None
    True
    >>> string_wkt_problem("2021-02-30T10:35:00Z", created)
    '"2021-02-30T10:35:00Z" is not an RFC 3339 time such as "2021-05-14T10:35:00Z"'
    """
    if rule.full_name == "google.protobuf.Timestamp" and type(value) is str:
        match = _RFC3339_UTC.fullmatch(value)
        if match is not None:
            year, month, day, hour, minute, second = (int(part) for part in match.groups())
            try:
                datetime.datetime(year, month, day, hour, minute, second)
            except ValueError:
                pass
            else:
                return None
    if rule.from_json is None:
        return None
    try:
        rule.from_json(value)
    except Exception:  # the runtime raises ValueError, AttributeError, ... for bad text
        example = _EXAMPLES.get(rule.full_name, f"the JSON form of {rule.full_name}")
        return f"{describe(value)} is not {example}"
    return None
