"""The hub's limits on sign-ins and contact requests: their settings (``[hub.rate_limits]``), the
limiters a running hub holds, and the checks ``POST /api/auth/token`` and ``/api/match/contact`` make.

Sign-ins are limited per client address and user name (guessing at one account from one place),
and per address whatever the name (so cycling through names cannot flush one name's bucket out of
memory; IPv6 addresses count per /64, which one client gets whole). Contact requests are limited
per account (a researcher writing to data stewards), and an identical contact request from the
same account within ``contact_repeat_seconds`` is refused as already sent.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from starlette.types import Scope

from pmbridge.audit import canonical_json, request_audit
from pmbridge.beacon import PublicApi
from pmbridge.errors import ConfigError, DuplicateRequest, RateLimited
from pmbridge.hub._rate_limits import Clock, Rate, RecentRequests, TokenBuckets

STATE = "request_limits"
ADDRESS_FACTOR = 6
"""Sign-ins one address may make, under any names, as a multiple of the per-name limit."""
PENDING_SECONDS = 30.0
"""How long a contact request still on its way blocks an identical one; one that failed may then
be sent again."""


@dataclass(frozen=True, slots=True)
class RateLimitSettings:
    """``[hub.rate_limits]``: a burst of 0 turns a limit off."""

    sign_in: Rate = field(default_factory=lambda: Rate(burst=10, per_minute=5.0))
    contact: Rate = field(default_factory=lambda: Rate(burst=5, per_minute=1.0))
    contact_repeat_seconds: float = 600.0


def parse_rate_limits(hub: Mapping[str, object], *, where: str) -> RateLimitSettings:
    """The ``rate_limits`` table of ``[hub]``, checked; absent, the defaults.

    >>> parse_rate_limits({"rate_limits": {"contact_burst": 2}}, where="hub.toml").contact
    Rate(burst=2, per_minute=1.0)
    """
    table = hub.get("rate_limits", {})
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where}: hub.rate_limits must be a table", hint="e.g. [hub.rate_limits]")
    default = RateLimitSettings()
    known = {"sign_in_burst", "sign_in_per_minute", "contact_burst", "contact_per_minute"}
    unknown = sorted(set(table) - known - {"contact_repeat_seconds"})
    if unknown:
        raise ConfigError(
            f"{where}: hub.rate_limits has no setting {unknown[0]!r}",
            hint=f"its settings are {', '.join(sorted(known | {'contact_repeat_seconds'}))}",
        )

    def number(name: str, fallback: float, *, whole: bool = False) -> float:
        value = table.get(name, fallback)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ConfigError(f"{where}: hub.rate_limits.{name} must be a number of 0 or more")
        if whole and not isinstance(value, int):
            raise ConfigError(f"{where}: hub.rate_limits.{name} must be a whole number", hint="e.g. 5")
        return value

    return RateLimitSettings(
        sign_in=Rate(
            int(number("sign_in_burst", default.sign_in.burst, whole=True)),
            float(number("sign_in_per_minute", default.sign_in.per_minute)),
        ),
        contact=Rate(
            int(number("contact_burst", default.contact.burst, whole=True)),
            float(number("contact_per_minute", default.contact.per_minute)),
        ),
        contact_repeat_seconds=float(number("contact_repeat_seconds", default.contact_repeat_seconds)),
    )


class RequestLimits:
    """The limiters of one running hub."""

    def __init__(self, settings: RateLimitSettings, *, api: PublicApi, clock: Clock = time.monotonic) -> None:
        self.api = api
        self.sign_in = TokenBuckets(settings.sign_in, clock=clock)
        self.sign_in_from = TokenBuckets(
            Rate(settings.sign_in.burst * ADDRESS_FACTOR, settings.sign_in.per_minute * ADDRESS_FACTOR),
            clock=clock,
        )
        self.contact = TokenBuckets(settings.contact, clock=clock)
        self.contacts_sent = RecentRequests(
            window=settings.contact_repeat_seconds, pending=PENDING_SECONDS, clock=clock
        )


def install_request_limits(
    app: FastAPI, settings: RateLimitSettings, *, api: PublicApi, clock: Clock = time.monotonic
) -> None:
    """Give ``app`` its limiters (``clock`` lets tests step time)."""
    setattr(app.state, STATE, RequestLimits(settings, api=api, clock=clock))


def request_limits(request: Request) -> RequestLimits:
    limits = getattr(request.app.state, STATE)
    assert isinstance(limits, RequestLimits)
    return limits


def client_address(scope: Scope, api: PublicApi) -> str:
    """Where a request came from: behind a trusted proxy the address it appended last to
    ``X-Forwarded-For`` (the ones before it are the client's word), else the connection's.

    >>> scope = {"client": ("10.0.0.2", 5000), "headers": [(b"x-forwarded-for", b"6.6.6.6, 192.0.2.7")]}
    >>> client_address(scope, PublicApi()), client_address(scope, PublicApi(trust_proxy_headers=True))
    ('10.0.0.2', '192.0.2.7')
    """
    if api.trust_proxy_headers:
        for name, value in scope.get("headers", ()):
            if name == b"x-forwarded-for":
                last = bytes(value).decode("latin-1").rsplit(",", 1)[-1].strip()
                if last:
                    return str(last)
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def address_key(address: str) -> str:
    """The key an address is limited by: itself, or its /64 for IPv6 (a client's whole subnet).

    >>> address_key("192.0.2.7"), address_key("2001:db8::1:2"), address_key("unknown")
    ('192.0.2.7', '2001:db8::/64', 'unknown')
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    return str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else address


def check_sign_in(request: Request, user: str) -> None:
    """Raise ``RateLimited`` when this address has tried to sign in as ``user``, or under any name,
    too often."""
    limits = request_limits(request)
    address = address_key(client_address(request.scope, limits.api))
    wait = limits.sign_in_from.take(address)
    if wait > 0:
        _refuse(request, "rate_limit:sign_in")
        raise RateLimited(
            f"too many sign-in attempts from this address; try again in {math.ceil(wait)} s",
            retry_after=wait,
        )
    wait = limits.sign_in.take((address, user))
    if wait > 0:
        _refuse(request, "rate_limit:sign_in")
        raise RateLimited(
            f"too many sign-in attempts as {user!r} from this address; try again in {math.ceil(wait)} s",
            retry_after=wait,
        )


def admit_contact(request: Request, account: str, body: Mapping[str, object]) -> str:
    """Let a contact request of ``account`` go, or raise: ``DuplicateRequest`` when the same one
    was sent within the window, ``RateLimited`` past the account's rate. Returns the key to
    :func:`contact_sent` once the node has taken it."""
    limits = request_limits(request)
    key = account + "\x00" + hashlib.sha256(canonical_json(body)).hexdigest()
    sent = limits.contacts_sent.claim(key)
    if sent is not None:
        _refuse(request, "rate_limit:duplicate_contact")
        wait = limits.contacts_sent.retry_after(sent)
        if sent.pending:
            message = f"the same contact request is being sent ({math.ceil(sent.age)} s ago)"
        else:
            message = (
                f"this contact request was already sent {math.ceil(sent.age)} s ago "
                f"(request id {sent.answer}); the node's steward has it"
            )
        raise DuplicateRequest(
            message, retry_after=wait, hint="wait for the steward's answer rather than sending it again"
        )
    wait = limits.contact.take(account)
    if wait > 0:
        limits.contacts_sent.release(key)
        _refuse(request, "rate_limit:contact")
        raise RateLimited(
            f"too many contact requests from this account; try again in {math.ceil(wait)} s",
            retry_after=wait,
        )
    return key


def contact_sent(request: Request, key: str, request_id: str) -> None:
    """Remember that the contact request under ``key`` went, answered ``request_id``."""
    request_limits(request).contacts_sent.settle(key, request_id)


def _refuse(request: Request, rule: str) -> None:
    audit = request_audit(request.scope)
    if audit is not None:
        audit.refuse(rule)
