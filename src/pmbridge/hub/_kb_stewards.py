"""Who may change the knowledge base: a steward whose passport the hub lists in ``knowledge.stewards``
(the portal signs them in), or an API client holding ``knowledge.steward_token``.

The answer is the name a status change is recorded under: a listed steward's passport identity,
or the name a token holder gives.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime

from pmbridge.errors import KnowledgeError, NotASteward, StewardRequired
from pmbridge.knowledge import KnowledgeSettings
from pmbridge.policy import PassportTrust, verify_passport

_HINT = "sign in to the portal as a knowledge-base steward, or send Authorization: Bearer TOKEN"


def steward_of(
    bearer: str,
    *,
    named: str,
    settings: KnowledgeSettings,
    trust: PassportTrust | None,
    now: datetime | None = None,
) -> str:
    """The name a change by the holder of ``bearer`` is recorded under; ``named`` is the name a token
    holder gives. StewardRequired (401) without a valid credential, NotASteward (403) for a verified
    passport the hub does not list, PassportRejected for a passport that fails its checks."""
    if not settings.changes_allowed:
        raise StewardRequired(
            "status changes are switched off on this hub",
            hint="the hub's operator lists knowledge.stewards or sets knowledge.steward_token",
        )
    if not bearer:
        raise StewardRequired(
            "a knowledge-base steward's passport or the steward token is required", hint=_HINT
        )
    token = settings.steward_token
    if token and hmac.compare_digest(bearer.encode(), token.encode()):
        if not named.strip():
            raise KnowledgeError(
                "a status change made with the steward token needs the steward's name",
                hint='say who makes the change in "steward"',
            )
        return named.strip()
    if bearer.count(".") == 2 and trust is not None:  # a JWT: the passport of a signed-in researcher
        researcher = verify_passport(bearer, trust=trust, now=now or datetime.now(UTC))
        steward = settings.steward(researcher.issuer, researcher.id)
        if steward is None:
            raise NotASteward(researcher.id)
        return steward.label
    raise StewardRequired("the steward token is not valid", hint=_HINT)
