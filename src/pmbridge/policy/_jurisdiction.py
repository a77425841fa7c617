"""Which legal area a country is in, and whether a release crosses the node's border.

The EU area is the GDPR area (EU member states and the EEA). Hong Kong and Macao are outside the
PIPL area: sending data there from the mainland is an export.
"""

from __future__ import annotations

from typing import Final

from pmbridge.model import Jurisdiction

EU_MEMBER_STATES: Final = frozenset(
    {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "IE", "IT"}
    | {"LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "HU"}
)
"""The 27 EU member states (ISO 3166-1 alpha-2; Greece is GR, not the EU's own EL)."""

EEA_STATES: Final = frozenset({"IS", "LI", "NO"})
"""EEA states outside the EU, where the GDPR applies through the EEA Agreement."""


def jurisdiction_of(country: str | None) -> Jurisdiction | None:
    """The legal area of an ISO 3166-1 alpha-2 country code; None for any other country or unknown.

    >>> jurisdiction_of("it")
    <Jurisdiction.EU: 'EU'>
    >>> jurisdiction_of("CN")
    <Jurisdiction.CN: 'CN'>
    >>> jurisdiction_of("HK") is None
    True
    """
    if country is None:
        return None
    code = country.strip().upper()
    if code in EU_MEMBER_STATES or code in EEA_STATES:
        return Jurisdiction.EU
    if code == "CN":
        return Jurisdiction.CN
    return None


def crosses_border(node: Jurisdiction, requester_country: str | None) -> bool:
    """Whether releasing to a requester in ``requester_country`` leaves the node's legal area.

    An unknown requester location counts as abroad: the rules must hold for the worst case.

    >>> crosses_border(Jurisdiction.EU, "DE")
    False
    >>> crosses_border(Jurisdiction.CN, "IT")
    True
    >>> crosses_border(Jurisdiction.CN, None)
    True
    """
    return jurisdiction_of(requester_country) != node
