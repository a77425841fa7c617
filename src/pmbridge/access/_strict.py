"""Strict readers of JSON objects for the access wire: unknown keys, wrong types and gaps are named.

The same readers serve a node reading the hub's request (a 400 to the hub) and the hub reading
a node's reply (an upstream error): ``error`` says which.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import NoReturn, TypeVar

from pmbridge.errors import PMBridgeError

ErrorType = type[PMBridgeError]
T = TypeVar("T")


def fail(error: ErrorType, where: str, problem: str, hint: str) -> NoReturn:
    raise error(f"{where}: {problem}", hint=hint)


def object_at(
    value: object, where: str, *, required: Collection[str], optional: Collection[str] = (), error: ErrorType
) -> Mapping[str, object]:
    """``value`` as a JSON object holding every ``required`` key and nothing but the known ones."""
    if not isinstance(value, Mapping):
        fail(error, where, f"must be a JSON object, not {type(value).__name__}", "send an object")
    known = (*required, *optional)
    unknown = sorted(str(k) for k in value if k not in known)
    if unknown:
        fail(error, where, f"unknown key {unknown[0]!r}", f"valid keys: {', '.join(known)}")
    missing = [k for k in required if k not in value]
    if missing:
        fail(error, where, f"missing key {missing[0]!r}", f"required keys: {', '.join(required)}")
    return value


def text_at(obj: Mapping[str, object], key: str, where: str, *, error: ErrorType, empty: bool = False) -> str:
    value = obj[key]
    if not isinstance(value, str) or (not empty and not value.strip()):
        fail(error, f"{where}.{key}", "must be a non-empty string", f"send {key} as a JSON string")
    return value


def optional_text(obj: Mapping[str, object], key: str, where: str, *, error: ErrorType) -> str | None:
    if obj.get(key) is None:
        return None
    return text_at(obj, key, where, error=error)


def flag_at(obj: Mapping[str, object], key: str, where: str, *, error: ErrorType) -> bool:
    value = obj[key]
    if not isinstance(value, bool):
        fail(error, f"{where}.{key}", "must be true or false", f"send {key} as a JSON boolean")
    return value


def optional_flag(obj: Mapping[str, object], key: str, where: str, *, error: ErrorType) -> bool | None:
    return None if obj.get(key) is None else flag_at(obj, key, where, error=error)


def list_at(obj: Mapping[str, object], key: str, where: str, *, error: ErrorType) -> list[object]:
    value = obj[key]
    if not isinstance(value, list):
        fail(error, f"{where}.{key}", "must be a JSON array", f"send {key} as an array")
    return value


def choice_at(
    obj: Mapping[str, object], key: str, where: str, choices: Mapping[str, T], *, error: ErrorType
) -> T:
    value = obj[key]
    if not isinstance(value, str) or value not in choices:
        fail(error, f"{where}.{key}", f"{value!r} is not allowed", f"one of: {', '.join(choices)}")
    return choices[value]
