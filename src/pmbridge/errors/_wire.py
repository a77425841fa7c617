"""Errors on the wire and back: the Beacon error object an error becomes, and the error it stands for."""

from __future__ import annotations

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
        value = fields.get(name)
        setattr(rebuilt, attribute, value if isinstance(value, str | int) else _UNSENT[attribute])
    return rebuilt


_UNSENT: dict[str, object] = {"rule": "", "reason": "", "retry_after": 1}
"""What a rebuilt error holds for a wire field the reply did not carry."""
