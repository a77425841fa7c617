"""The base of every settings model: strict, frozen, unknown names forbidden; and its vocabulary.

A config table is one :class:`SettingsModel`; each field is one setting, declared once with its
default and help (``Field(default=..., description=...)``), which the loaders and the docs read.
"""

from __future__ import annotations

import types
from typing import Annotated, Any, ClassVar, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, StringConstraints

__all__ = ["NonEmpty", "SettingsModel", "default_of", "table_of"]

_T = TypeVar("_T")

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
"""Text that must not be blank (surrounding spaces are dropped)."""


class SettingsModel(BaseModel):
    """One TOML table. Strict: ``true`` is no number and ``1`` no string; an integer may stand
    for a float (pydantic's strict mode allows exactly that widening, and no other)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    docs: ClassVar[str] = "docs/configuration.md"
    """The page that documents the table, named in every error's hint."""


def default_of(model: type[SettingsModel], name: str, kind: type[_T]) -> _T:
    """The declared default of setting ``name``, for runtime types that mirror a table.

    >>> class Demo(SettingsModel):
    ...     seed: bool = True
    >>> default_of(Demo, "seed", bool)
    True
    """
    value = model.model_fields[name].get_default(call_default_factory=True)
    if not isinstance(value, kind):
        raise TypeError(f"{model.__name__}.{name} defaults to {value!r}, not a {kind.__name__}")
    return value


def table_of(annotation: Any) -> type[SettingsModel] | None:
    """The settings model a field holds (a table, optional, or an array of tables), else None."""
    if isinstance(annotation, type) and issubclass(annotation, SettingsModel):
        return annotation
    if get_origin(annotation) in (list, Union, types.UnionType):
        for arg in get_args(annotation):
            found = table_of(arg)
            if found is not None:
                return found
    return None
