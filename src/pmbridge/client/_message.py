"""The base of every typed message the client decodes: camelCase on the wire, snake_case in Python.

Messages are strict (a string is not a number, ``true`` is not 1) and frozen; fields the hub adds
later are ignored, so a newer hub does not break an older client.
"""

from __future__ import annotations

from pydantic import AliasChoices, BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

__all__ = ["Message", "either"]


class Message(BaseModel):
    """A reply (or part of one) as the hub sends it, checked when it arrives."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, strict=True, frozen=True, extra="ignore"
    )


def either(*names: str) -> AliasChoices:
    """A field the hub spells more than one way (``elapsed_ms`` in Beacon replies, ``elapsedMs``
    elsewhere)."""
    return AliasChoices(*names)
