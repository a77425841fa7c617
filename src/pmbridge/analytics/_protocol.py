"""What the hub asks a node in one step of an analysis, and how a step's numbers travel as JSON.

An analysis is a short conversation: a survival analysis first asks each node which time bins it
can release (``edges``), then evaluates on the common grid; a model asks for its score and
information at the hub's current parameters (``evaluate``) until the fit converges. Numbers travel
as plain JSON lists; every float must be finite, and a reply's arrays are checked for shape by the
combining step, never trusted.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from pmbridge.errors import QueryError

MAX_LIST = 10_000
"""The most numbers a step's list may hold: ten years of daily bins fit, a flood does not."""


class StepKind(StrEnum):
    """``edges``: the bins a node can release; ``evaluate``: the node's part at the given state."""

    EDGES = "edges"
    EVALUATE = "evaluate"


@dataclass(frozen=True, slots=True)
class Step:
    """One step the hub asks of every node: ``beta`` for models, ``edges`` for binned outputs."""

    kind: StepKind
    beta: tuple[float, ...] | None = None
    edges: tuple[float, ...] | None = None

    def to_wire(self) -> dict[str, object]:
        """The step as JSON.

        >>> Step(StepKind.EVALUATE, beta=(0.0, 1.5)).to_wire()
        {'kind': 'evaluate', 'beta': [0.0, 1.5]}
        """
        out: dict[str, object] = {"kind": self.kind.value}
        if self.beta is not None:
            out["beta"] = list(self.beta)
        if self.edges is not None:
            out["edges"] = list(self.edges)
        return out


def parse_step(doc: object) -> Step:
    """A step from JSON, refusing anything but finite numbers in its lists.

    >>> parse_step({"kind": "evaluate", "beta": [0, 0.5]}).beta
    (0.0, 0.5)
    >>> parse_step({"kind": "evaluate", "residuals": True})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pmbridge.errors.QueryError: the analysis step has unknown field(s) residuals ...
    """
    if not isinstance(doc, Mapping):
        raise QueryError("the analysis step must be a JSON object", hint='e.g. {"kind": "evaluate"}')
    unknown = sorted(set(doc) - {"kind", "beta", "edges"})
    if unknown:
        raise QueryError(
            f"the analysis step has unknown field(s) {', '.join(map(str, unknown))}",
            hint="a step carries kind, beta and edges only; no per-person output is ever sent",
        )
    try:
        kind = StepKind(str(doc.get("kind")))
    except ValueError:
        raise QueryError(
            f"unknown analysis step {doc.get('kind')!r}", hint="use one of: edges, evaluate"
        ) from None
    return Step(kind, beta=_numbers(doc.get("beta"), "beta"), edges=_numbers(doc.get("edges"), "edges"))


def _numbers(value: object, name: str) -> tuple[float, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > MAX_LIST:
        raise QueryError(f"step field {name} must be a list of numbers", hint=f'e.g. "{name}": [0.0, 1.0]')
    out = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int | float) or not math.isfinite(item):
            raise QueryError(
                f"step field {name} holds {item!r}, not a finite number", hint="send finite numbers only"
            )
        out.append(float(item))
    return tuple(out)


Part = TypeVar("Part")


def part_to_wire(part: object) -> dict[str, object]:
    """A node's part (a frozen dataclass of numbers, arrays and names) as JSON.

    >>> from pmbridge.analytics._protocol import _Example
    >>> part_to_wire(_Example(n=3, total=np.array([1.0, 2.0]), names=("a",)))
    {'n': 3, 'total': [1.0, 2.0], 'names': ['a']}
    """
    if not dataclasses.is_dataclass(part) or isinstance(part, type):
        raise TypeError(f"{type(part).__name__} is not a dataclass instance")
    return {f.name: _to_json(getattr(part, f.name)) for f in dataclasses.fields(part)}


def _to_json(value: object) -> object:
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
            raise ValueError("a released array holds a non-finite number")
        return value.tolist()
    if isinstance(value, tuple | list):
        return [_to_json(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return part_to_wire(value)
    if isinstance(value, Mapping):
        return {str(k): _to_json(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("a released number is not finite")
    return value


def part_from_wire(cls: type[Part], doc: object) -> Part:
    """A node's part read back from JSON: exactly the fields of ``cls``, arrays as float64.

    Raises ``ValueError`` naming the field on anything else (the caller marks the node's reply
    unusable).

    >>> from pmbridge.analytics._protocol import _Example
    >>> part_from_wire(_Example, {"n": 3, "total": [1, 2], "names": ["a"]}).total
    array([1., 2.])
    """
    if not isinstance(doc, Mapping):
        raise ValueError(f"the {cls.__name__} must be a JSON object")
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(doc) - set(fields))
    if unknown:
        raise ValueError(f"the {cls.__name__} has unknown field(s) {', '.join(map(str, unknown))}")
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for name, field in fields.items():
        if name not in doc:
            if field.default is not dataclasses.MISSING:
                continue
            raise ValueError(f"the {cls.__name__} lacks field {name}")
        values[name] = _from_json(hints[name], doc[name], f"{cls.__name__}.{name}")
    return cls(**values)


def _from_json(hint: Any, value: object, where: str) -> object:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is np.ndarray or origin is np.ndarray:
        array = np.asarray(value, dtype=np.float64)
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{where} holds a non-finite number")
        return array
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _from_json(inner, value, where)
    if origin is tuple:
        if not isinstance(value, list):
            raise ValueError(f"{where} must be a list")
        inner = args[0] if args else Any
        return tuple(_from_json(inner, item, where) for item in value)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return part_from_wire(hint, value)
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"{where} must be a finite number")
        return float(value)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{where} must be a whole number")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise ValueError(f"{where} must be text")
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise ValueError(f"{where} must be true or false")
        return value
    raise ValueError(f"{where}: cannot read a {hint!r} from JSON")


@dataclass(frozen=True, slots=True)
class _Example:
    """A part with each kind of field, for the doctests."""

    n: int
    total: npt.NDArray[np.float64]
    names: tuple[str, ...]


def parts_of(cls: type[Part], docs: Sequence[object]) -> list[Part]:
    """Every node's part, read as ``cls``."""
    return [part_from_wire(cls, doc) for doc in docs]
