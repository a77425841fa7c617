"""A node's automatic pre-check of one dataset in an access request, as the hub relays it: the DUO
verdict in DUOS words (APPROVE / DENY / ABSTAIN), the rules X1–X6, and the granularity sent.
"""

from __future__ import annotations

from pydantic import Field

from pmbridge.client._message import Message

__all__ = ["DuoCheck", "DuoOutcome", "GranularitySent", "Precheck", "PrecheckRule", "VocabularyReleases"]


class DuoCheck(Message):
    """One DUO term of the dataset against the stated purpose."""

    code: str
    shorthand: str = ""
    verdict: str
    reason: str = ""


class VocabularyReleases(Message):
    """The DUO and Mondo releases the node decided under (``unknown`` / ``not loaded`` if absent)."""

    duo: str
    mondo: str


class DuoOutcome(Message):
    """The dataset's DUO verdict: ``APPROVE``, ``DENY`` (not sent) or ``ABSTAIN`` (the committee decides)."""

    verdict: str
    checks: list[DuoCheck] = Field(default_factory=list)
    releases: VocabularyReleases


class PrecheckRule(Message):
    """One rule's decision; ``instead`` is the coarser granularity X1 sent the request at."""

    rule: str
    allowed: bool
    reason: str = ""
    instead: str | None = None


class GranularitySent(Message):
    """The granularity asked for and the one the request went to the committee at (None: not sent)."""

    requested: str
    sent: str | None


class Precheck(Message):
    """The pre-check of one dataset: whether the request was sent, at which granularity, and why."""

    id: str
    send: bool
    granularity: GranularitySent
    duo: DuoOutcome
    rules: list[PrecheckRule] = Field(default_factory=list)
    summary: str = ""

    @property
    def verdict(self) -> str:
        """``APPROVE``, ``DENY`` or ``ABSTAIN``."""
        return self.duo.verdict
