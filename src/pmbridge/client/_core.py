"""The pure core shared by :class:`HubClient` and :class:`AsyncHubClient`: what a call sends
(:class:`Call`) and what its reply means (:func:`read_reply`): a typed message, or the PM Bridge
error the hub's Beacon error stands for. No I/O here; the two clients only move bytes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

from pmbridge.errors import PMBridgeError, UpstreamError, error_from_wire

__all__ = ["DEFAULT_TIMEOUT", "PURPOSE_HEADER", "Call", "auth_headers", "read_reply", "unreachable"]

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

PURPOSE_HEADER = "PMBridge-Purpose"
DEFAULT_TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """One request to the hub and how to read its JSON answer."""

    method: str
    path: str
    decode: Callable[[object], T]
    body: object = None
    params: tuple[tuple[str, str], ...] = field(default=())
    binary: bool = False
    """The answer is a file: ``decode`` gets its bytes (errors are still the hub's JSON)."""
    headers: tuple[tuple[str, str], ...] = field(default=())
    """Headers of this call alone (a panellist's link token), besides the passport and purpose."""


def typed(model: type[M]) -> Callable[[object], M]:
    """A decoder that checks the document against ``model``."""
    return model.model_validate


def json_object(doc: object) -> dict[str, object]:
    """A decoder for the hub's answers that have no message type: any JSON object."""
    if not isinstance(doc, dict):
        raise ValueError(f"expected a JSON object, got {type(doc).__name__}")
    return doc


def file_bytes(doc: object) -> bytes:
    """A decoder for a file the hub sends as it is (a ``binary`` call's answer)."""
    if not isinstance(doc, bytes):
        raise ValueError(f"expected the file's bytes, got {type(doc).__name__}")
    return doc


def auth_headers(*, passport: str | None, purpose: str | None) -> dict[str, str]:
    """The headers every call carries: the passport as a bearer token, the purpose of use.

    >>> auth_headers(passport="eyJ.x.y", purpose="public_health")
    {'accept': 'application/json', 'authorization': 'Bearer eyJ.x.y', 'PMBridge-Purpose': 'public_health'}
    """
    headers = {"accept": "application/json"}
    if passport:
        headers["authorization"] = f"Bearer {passport.strip()}"
    if purpose:
        headers[PURPOSE_HEADER] = purpose
    return headers


def read_reply(call: Call[T], *, status: int, content: bytes, where: str) -> T:
    """The typed answer in a reply of HTTP ``status``; raises the PM Bridge error the hub sent
    (its ``code`` picks the class: :func:`pmbridge.errors.error_from_wire`), or
    :class:`UpstreamError` for an answer that is not JSON or not of the documented shape.

    ``where`` names the hub and path in messages (``http://hub/api/individuals``).
    """
    if call.binary and status < 400:
        return call.decode(content)
    try:
        doc: object = json.loads(content) if content else None
    except ValueError:
        doc = None
        if status < 400:
            raise UpstreamError(
                f"{where} answered {status} without JSON: {content[:200]!r}",
                hint="is the URL a PM Bridge hub (or node)? its base URL, without /api",
            ) from None
    if status >= 400:
        error = doc.get("error") if isinstance(doc, Mapping) else None
        raise error_from_wire(
            error if isinstance(error, Mapping) else None,
            status=status,
            fallback=f"{where} answered HTTP {status}",
        )
    try:
        return call.decode(doc)
    except (ValidationError, ValueError) as exc:
        raise UpstreamError(
            f"{where} answered in a shape this client does not know: {_problems(exc)}",
            hint="is the URL a PM Bridge hub (or node) of the same version as this client?",
        ) from None


def unreachable(where: str, exc: Exception) -> PMBridgeError:
    """The error for a hub that could not be reached (or did not answer in time)."""
    return UpstreamError(
        f"cannot reach {where}: {type(exc).__name__}: {exc}",
        hint="is the hub running at that URL? try `pmbridge demo`; a slow network: a longer timeout",
    )


def _problems(exc: Exception) -> str:
    if not isinstance(exc, ValidationError):
        return str(exc)
    shown = [f"{'.'.join(str(p) for p in e['loc']) or '(document)'}: {e['msg']}" for e in exc.errors()[:5]]
    more = f" (and {exc.error_count() - 5} more)" if exc.error_count() > 5 else ""
    return "; ".join(shown) + more
