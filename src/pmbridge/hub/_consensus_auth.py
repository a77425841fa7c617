"""Who may organise consensus studies: a signed-in researcher whose passport (issuer and subject) the
hub lists in ``consensus.organisers``, as ``knowledge.stewards`` are listed.

Every study step is recorded under the organiser's passport identity, never under a name they send.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from pmbridge.errors import NotAnOrganiser, OrganiserRequired
from pmbridge.hub._consensus_settings import ConsensusTable
from pmbridge.policy import PassportTrust, verify_passport

_HINT = "sign in to the portal as a study organiser, or send Authorization: Bearer PASSPORT"


@dataclass(frozen=True, slots=True)
class Organiser:
    """A listed organiser, as their passport names them."""

    id: str
    issuer: str
    name: str
    email: str = ""
    language: str = "en"

    @property
    def label(self) -> str:
        """How the audit log and the study name them: ``eu-researcher (https://broker.example)``."""
        return f"{self.id} ({self.issuer})"


def organisers(table: ConsensusTable) -> tuple[Organiser, ...]:
    return tuple(
        Organiser(o.id, o.issuer, o.name or o.id, o.email, o.language.value) for o in table.organisers
    )


def organiser_of(
    bearer: str, *, table: ConsensusTable, trust: PassportTrust | None, now: datetime | None = None
) -> Organiser:
    """The organiser holding ``bearer`` (a passport). OrganiserRequired (401) without one or when the
    hub lists none, NotAnOrganiser (403) for a verified passport it does not list, PassportRejected
    for a passport that fails its checks."""
    listed = organisers(table)
    if not listed:
        raise OrganiserRequired(
            "consensus studies are switched off on this hub",
            hint="the hub's operator lists consensus.organisers (see docs/configuration.md)",
        )
    if not bearer:
        raise OrganiserRequired("a study organiser's passport is required", hint=_HINT)
    if bearer.count(".") != 2 or trust is None:
        raise OrganiserRequired("the credential is not a passport this hub can check", hint=_HINT)
    researcher = verify_passport(bearer, trust=trust, now=now or datetime.now(UTC))
    for organiser in listed:
        if (organiser.issuer, organiser.id) == (researcher.issuer or "", researcher.id):
            return organiser
    raise NotAnOrganiser(researcher.id)
