"""How deeply a request body nests, found by one scan of its bytes before anything parses it: a body
nested past what a JSON parser recurses through must be a clear 400, never a ``RecursionError``.
"""

from __future__ import annotations

import re
from itertools import accumulate
from typing import Final

MAX_NESTING: Final = 64
"""Deepest nesting of ``[`` and ``{`` a node or the hub reads: Beacon requests nest a few levels."""

_STRING: Final = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
"""A string, escapes included; the closing quote is optional, so an unterminated string runs to the
end of the body in one pass (with it required, the engine backtracks through every escape: a body
of ``"\\"\\"…`` took seconds per 20 KB, hours at the 1 MiB limit)."""
_NOT_BRACKET: Final = bytes(b for b in range(256) if b not in b"[]{}")
_STEP: Final = tuple(1 if b in b"[{" else -1 if b in b"]}" else 0 for b in range(256))


def nesting_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in ``body``, counting brackets outside strings.

    Every loop runs in C (a regular expression, ``bytes.translate``, ``accumulate``), so a body of
    a megabyte takes milliseconds, whatever its bytes. On malformed JSON the answer is an upper
    bound of what a parser would reach before failing (nothing after an unterminated string is
    parsed, so its brackets do not count).

    >>> nesting_depth(b'{"query": {"filters": [{"id": "HP:0001250"}]}}')
    4
    >>> nesting_depth(b'["[[[", "\\\\"[", {}]'), nesting_depth(b"42"), nesting_depth(b"[[[")
    (2, 0, 3)
    """
    brackets = _STRING.sub(b"", body).translate(None, _NOT_BRACKET)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def nesting_refusal(body: bytes, *, limit: int = MAX_NESTING) -> str:
    """Why ``body`` is refused for nesting deeper than ``limit``; ``""`` when it is not.

    >>> nesting_refusal(b"[" * 65 + b"]" * 65)
    'request body nests deeper than 64 levels (65 levels); flatten it'
    >>> nesting_refusal(b"[[]]")
    ''
    """
    if body.count(b"[") + body.count(b"{") <= limit:
        return ""  # cannot nest deeper than its brackets: no scan
    depth = nesting_depth(body)
    if depth <= limit:
        return ""
    return f"request body nests deeper than {limit} levels ({depth} levels); flatten it"
