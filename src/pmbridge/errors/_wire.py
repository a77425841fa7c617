"""Errors on the wire and back: the Beacon error object an error becomes, and the error it stands for."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from pmbridge.errors._tree import PMBridgeError, QueryError, UpstreamError


def error_classes() -> dict[str, type[PMBridgeError]]:
    """Every error class by its code, read from the class tree (so a new error needs no list).

    >>> error_classes()["budget_exhausted"].__name__
    'BudgetExhausted'
    """
    return {cls.code: cls for cls in _tree(PMBridgeError)}


def _tree(cls: type[PMBridgeError]) -> Iterator[type[PMBridgeError]]:
    yield cls
    for sub in cls.__subclasses__():
        yield from _tree(sub)


def error_from_wire(error: Mapping[str, object] | None, *, status: int, fallback: str) -> PMBridgeError:
    """The error a Beacon error object (``error`` of a reply with HTTP ``status``) stands for.

    A known ``code`` gives its class, with the message, hint and wire fields (rule, reason,
    retryAfter) sent; attributes the wire does not carry (a budget's figures) are not set. An
    unknown or missing code (another Beacon, a proxy's page) gives :class:`QueryError` for a 4xx
    and :class:`UpstreamError` otherwise; ``fallback`` is the message when none was sent.

    >>> from pmbridge.errors import PolicyRefused
    >>> refused = error_from_wire(PolicyRefused("X4", "genetic counts stay home").to_wire(),
    ...     status=403, fallback="")
    >>> type(refused).__name__, refused.rule, refused.refusal_rule, refused.message
    ('PolicyRefused', 'X4', 'X4', 'refused by rule X4: genetic counts stay home')
    >>> error_from_wire({"errorCode": 404, "errorMessage": "no such page"}, status=404, fallback="?")
    QueryError('no such page')
    >>> error_from_wire(None, status=504, fallback="the hub answered 504 with no Beacon error")
    UpstreamError('the hub answered 504 with no Beacon error')
    """
    fields: Mapping[str, object] = error if isinstance(error, Mapping) else {}
    sent = fields.get("errorMessage")
    message = sent if isinstance(sent, str) and sent else fallback
    hint = fields.get("hint")
    code = fields.get("code")
    cls = error_classes().get(code) if isinstance(code, str) else None
    if cls is None:
        known: type[PMBridgeError] = QueryError if 400 <= status < 500 else UpstreamError
        return known(message, hint=hint if isinstance(hint, str) else "")
    rebuilt = cls.__new__(cls)
    PMBridgeError.__init__(rebuilt, message, hint=hint if isinstance(hint, str) else "")
    for name, attribute in cls.wire_fields:
        setattr(rebuilt, attribute, _field(attribute, fields.get(name)))
    return rebuilt


def _field(attribute: str, value: object) -> object:
    """A wire field as sent when it has the documented form, else what an unsent one holds: another
    server's reply must not smuggle a number, a header line or a page of text into a rule.

    >>> _field("rule", "X4"), _field("rule", 7), _field("rule", "X5; <b>"), _field("reason", "expired")
    ('X4', '', '', 'expired')
    >>> _field("retry_after", 30), _field("retry_after", True), _field("retry_after", 10**9)
    (30, 1, 86400)
    >>> _field("retry_after", "1\\r\\nSet-Cookie: a=b")
    1
    """
    if attribute == "retry_after":
        if isinstance(value, int) and not isinstance(value, bool):
            return min(max(value, 1), MAX_RETRY_AFTER)
        return 1
    return value if isinstance(value, str) and _NAME.fullmatch(value) else ""


MAX_RETRY_AFTER = 86_400
"""The longest Retry-After (seconds) a rebuilt error keeps: a day."""
_NAME = re.compile(r"[A-Za-z0-9_:.\-]{1,64}")
"""A rule or reason as the errors write them: ``X4``, ``budget``, ``passport:expired``, ``stale``."""
