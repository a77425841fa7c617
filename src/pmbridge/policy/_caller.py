"""Who asks and why: the verified researcher behind a request and the purpose they declare.

The purpose travels as an HTTP header rather than inside the Beacon body, so that any Beacon
client can add it and the hub forwards it unchanged; a request without one is for ``research``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from pmbridge.policy._passport import researcher_from_authorization
from pmbridge.policy._purposes import Purpose
from pmbridge.policy._researcher import Researcher
from pmbridge.policy._trust import PassportTrust

PURPOSE_HEADER: Final = "PMBridge-Purpose"
"""The request header naming the purpose of use (a value of ``Purpose``; X5/X6 judge it)."""

DEFAULT_PURPOSE: Final = Purpose.RESEARCH.value
"""The purpose of a request that declares none: scientific research, what the network is for."""


@dataclass(frozen=True, slots=True)
class Caller:
    """A request's verified researcher and declared purpose.

    >>> Caller(Researcher.anonymous()).purpose
    'research'
    """

    researcher: Researcher
    purpose: str = DEFAULT_PURPOSE

    def headers(self, authorization: str | None) -> dict[str, str]:
        """The headers that carry this caller onward (the hub to its nodes)."""
        found = {PURPOSE_HEADER: self.purpose}
        if authorization:
            found["Authorization"] = authorization
        return found


def caller_from_headers(
    *, authorization: str | None, purpose: str | None, trust: PassportTrust | None, now: datetime
) -> Caller:
    """Verify the passport (PassportRejected, HTTP 401, when it fails) and read the purpose.

    The purpose is only read here; ``check_purpose`` (X5/X6) decides whether it is served.
    """
    researcher = researcher_from_authorization(authorization, trust=trust, now=now)
    declared = (purpose or "").strip()
    return Caller(researcher, declared or DEFAULT_PURPOSE)
