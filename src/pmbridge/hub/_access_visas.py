"""The visas a researcher's passport carries for their grants, as the hub's broker mints them."""

from __future__ import annotations

from datetime import UTC, datetime

from pmbridge.access import grant_visas
from pmbridge.hub._access_desk import AccessDesk


def passport_grants(
    desk: AccessDesk, issuer: str, subject: str, now: datetime
) -> list[tuple[dict[str, object], datetime]]:
    """One ControlledAccessGrants visa object per active grant, with its (short) expiry."""
    visas = grant_visas(desk.active_grants(issuer, subject), now=now, lifetime=desk.settings.visa_lifetime)
    return [(v.body(), datetime.fromtimestamp(v.expires, UTC)) for v in visas]
