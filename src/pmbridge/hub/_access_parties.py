"""Who takes part in access requests: the signed-in user, and each node's stewards and committee.

A steward is named in the hub's ``[[nodes]]`` table by passport subject, with the name, e-mail
address and language their notifications use; the committee is the ``source`` of the visas a
node's approvals become.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pmbridge.access import Language, Recipient
from pmbridge.errors import AccessRequestError, NotAParty, PassportRejected
from pmbridge.policy import Researcher


@dataclass(frozen=True, slots=True)
class Steward:
    """One steward of a node: ``id`` is their passport subject, ``issuer`` its issuer (both must
    match: the same subject from another trusted broker is someone else)."""

    id: str
    name: str
    email: str | None
    language: Language
    issuer: str

    def recipient(self) -> Recipient:
        return Recipient(self.id, self.name, self.email, self.language, issuer=self.issuer)

    def is_(self, who: Who) -> bool:
        return (self.issuer, self.id) == (who.issuer, who.subject)


@dataclass(frozen=True, slots=True)
class NodeDesk:
    """A node's side of the negotiation: its stewards and its data access committee's id."""

    node: str
    name: str
    committee: str
    stewards: tuple[Steward, ...]


@dataclass(frozen=True, slots=True)
class Who:
    """The signed-in user acting: passport issuer and subject, and the name to show."""

    issuer: str
    subject: str
    name: str

    @classmethod
    def of(cls, researcher: Researcher) -> Who:
        """The user of a verified passport; anonymous callers have no requests to act on."""
        if researcher.is_anonymous or researcher.issuer is None:
            raise PassportRejected(
                "missing",
                "access requests need a signed-in researcher",
                hint="sign in (the portal's Account page, or send your passport as a bearer token)",
            )
        return cls(researcher.issuer, researcher.id, researcher.id)


def check_address(email: str, researcher: Researcher) -> None:
    """The hub mails only addresses at the institution the passport vouches for (its
    AffiliationAndRole visa): otherwise any signed-in user could make the hub mail anyone."""
    domain = email.rpartition("@")[2].lower()
    home = (researcher.affiliation or "").lower()
    if not home:
        raise AccessRequestError(
            "your passport names no affiliation, so the hub cannot tell that this address is yours",
            hint="ask your identity provider for an AffiliationAndRole visa, or sign in with one that has it",
        )
    if domain != home and not domain.endswith("." + home):
        raise AccessRequestError(
            f"the e-mail address must be at your institution ({home}), as your passport says, "
            f"not at {domain}",
            hint=f"use your address at {home}: notifications go there, and stay in your portal inbox too",
        )


def stewarded_nodes(who: Who, desks: Mapping[str, NodeDesk]) -> tuple[str, ...]:
    """The nodes ``who`` is a steward of."""
    return tuple(node for node, desk in desks.items() if any(s.is_(who) for s in desk.stewards))


def require_steward(who: Who, node: str, desks: Mapping[str, NodeDesk]) -> None:
    """NotAParty unless ``who`` stewards ``node``."""
    if node not in stewarded_nodes(who, desks):
        raise NotAParty(
            f"{who.subject} is not a steward of node {node}",
            hint="sign in as one of its stewards; the hub's operator lists them in [[nodes]] stewards",
        )
