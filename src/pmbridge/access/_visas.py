"""Grants become GA4GH ControlledAccessGrants visas: short-lived, re-minted while the grant lasts.

A visa lives at most ``lifetime`` (five minutes by default) and never past the end of its
entitlement, so a revocation or an expiry reaches every node within that time without any node
keeping a revocation list: the broker simply stops minting it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from pmbridge.access._records import Grant


@dataclass(frozen=True, slots=True)
class GrantVisa:
    """What one ControlledAccessGrants visa says, and until when (unix seconds)."""

    dataset: str
    committee: str
    asserted: int
    expires: int

    def body(self) -> dict[str, object]:
        """The ``ga4gh_visa_v1`` object: ``by: dac``, ``source`` the node's committee."""
        return {
            "type": "ControlledAccessGrants",
            "value": self.dataset,
            "source": self.committee,
            "by": "dac",
            "asserted": self.asserted,
        }


def entitlement_end(grant: Grant) -> datetime:
    """The first moment after the grant's last day (UTC)."""
    return datetime.combine(grant.until + timedelta(days=1), time(), tzinfo=UTC)


def grant_visas(grants: Iterable[Grant], *, now: datetime, lifetime: timedelta) -> list[GrantVisa]:
    """The visas to put in a passport minted ``now``: one per active record-level grant not yet ended.

    >>> from datetime import date
    >>> g = Grant("g1", "rs1", "ar1", "u", "iss", "rome", "rome-rd", "https://rome/dac",
    ...           granted=datetime(2026, 12, 1, tzinfo=UTC), until=date(2026, 12, 6))
    >>> (v,) = grant_visas([g], now=datetime(2026, 12, 6, 23, 58, tzinfo=UTC), lifetime=timedelta(minutes=5))
    >>> datetime.fromtimestamp(v.expires, UTC)  # not 00:03: the entitlement ends first
    datetime.datetime(2026, 12, 7, 0, 0, tzinfo=datetime.timezone.utc)
    """
    found = []
    for grant in grants:
        end = entitlement_end(grant)
        if grant.state != "active" or end <= now or grant.granularity != "record":
            continue  # a visa gives the controlled level, which releases records
        expires = min(now + lifetime, end)
        found.append(
            GrantVisa(
                grant.dataset, grant.committee, int(grant.granted.timestamp()), int(expires.timestamp())
            )
        )
    return found
