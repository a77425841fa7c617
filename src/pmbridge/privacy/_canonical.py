"""The canonical form of a query, so that the same question asked twice gets the same cached answer.

Key order, tuples against lists and paging do not change what a count answers, so they must
not change its cache key either (or a researcher could re-draw the noise by reordering keys).
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
from collections.abc import Collection, Mapping

PAGING = ("skip", "limit")
"""Request fields that page through records and never change a count."""


def canonical_query(query: object, *, ignore: Collection[str] = PAGING) -> str:
    """Compact JSON with sorted keys; dataclasses as mappings, enums as values, ``ignore`` dropped.

    Lists keep their order (in a Beacon request the order of some lists matters); a caller whose
    lists are sets, such as AND-ed filters, sorts them first.

    >>> canonical_query({"b": [1, 2], "a": {"limit": 10, "y": (3,)}, "skip": 5})
    '{"a":{"y":[3]},"b":[1,2]}'
    """
    plain = _plain(query, ignore=frozenset(ignore))
    return json.dumps(plain, sort_keys=True, separators=(",", ":"), default=repr)


def query_digest(canonical: str) -> str:
    """A stable hex digest of a canonical query, for cache keys.

    >>> query_digest(canonical_query({"a": 1, "b": 2})) == query_digest(canonical_query({"b": 2, "a": 1}))
    True
    """
    return hashlib.sha256(b"query:" + canonical.encode()).hexdigest()


def _plain(value: object, *, ignore: frozenset[str]) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return _plain(value.value, ignore=ignore)
    if isinstance(value, Mapping):
        return {str(k): _plain(v, ignore=ignore) for k, v in value.items() if str(k) not in ignore}
    if isinstance(value, list | tuple):
        return [_plain(v, ignore=ignore) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((_plain(v, ignore=ignore) for v in value), key=repr)
    return value
