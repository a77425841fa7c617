"""The errors of Delphi consensus studies: one family of the tree (see the package), each with a
stable code, an HTTP status and a hint."""

from __future__ import annotations

from pmbridge.errors._tree import PMBridgeError


class ConsensusError(PMBridgeError):
    """A Delphi consensus study, its rules or a rating that cannot be as sent (HTTP 400)."""

    code = "consensus_invalid"
    status = 400


class StudyNotFound(ConsensusError):
    """No consensus study (or round, item, proposal or comment of it) with this id."""

    code = "study_not_found"
    status = 404


class StudyLocked(ConsensusError):
    """A change to what a study fixed in advance (protocol, rule, groups, round-1 items) after its lock."""

    code = "study_locked"
    status = 409


class GroupTooSmall(ConsensusError):
    """A stakeholder group with fewer than k panellists at lock: its members' ratings would show."""

    code = "group_too_small"
    status = 409


class LockBroken(ConsensusError):
    """A locked study whose stored snapshot no longer has the digest its audit entry recorded."""

    code = "lock_broken"
    status = 409


class RoundClosed(ConsensusError):
    """A round step that its state does not allow: answers when no round is open, a round out of turn."""

    code = "round_closed"
    status = 409


class StudyNotLocked(ConsensusError):
    """A round step on a study still in draft: rounds run only under rules fixed in advance."""

    code = "study_not_locked"
    status = 409


class OrganiserRequired(ConsensusError):
    """An organiser's route without a passport."""

    code = "organiser_required"
    status = 401


class NotAnOrganiser(ConsensusError):
    """A verified passport the hub does not list in ``consensus.organisers``."""

    code = "not_an_organiser"
    status = 403

    def __init__(self, subject: str, *, hint: str = "") -> None:
        self.subject = subject
        super().__init__(
            f"{subject} is not an organiser of consensus studies on this hub",
            hint=hint or "ask the hub's operator to add your passport to consensus.organisers",
        )


class PanelLinkInvalid(ConsensusError):
    """A panellist's route without a valid personal link token."""

    code = "panel_link_invalid"
    status = 401


class RatingsPrivate(ConsensusError):
    """Per-person ratings asked for in a study whose protocol keeps them from the organiser."""

    code = "ratings_private"
    status = 403


class MailRequired(ConsensusError):
    """Invitations (which carry each panellist's personal link) without mail configured."""

    code = "mail_required"
    status = 409


class PdfUnavailable(ConsensusError):
    """A PDF report asked for where the hub cannot print one (no Chromium)."""

    code = "pdf_unavailable"
    status = 503
