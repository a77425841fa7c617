"""DUOS words for a DUO matching outcome: APPROVE, DENY, ABSTAIN (Broad's DUOS "DataUseMatcher").

Committees and the hub speak DUOS' three words; the policy engine keeps its own outcome names.
"""

from __future__ import annotations

from enum import StrEnum

from pmbridge.policy import DuoOutcome


class DuosVerdict(StrEnum):
    """What the automatic check says: the rules approve, deny, or leave it to the committee."""

    APPROVE = "APPROVE"
    DENY = "DENY"
    ABSTAIN = "ABSTAIN"


_WORDS = {
    DuoOutcome.PERMITTED: DuosVerdict.APPROVE,
    DuoOutcome.DENIED: DuosVerdict.DENY,
    DuoOutcome.COMMITTEE: DuosVerdict.ABSTAIN,
}


def duos_verdict(outcome: DuoOutcome) -> DuosVerdict:
    """The DUOS word for a matching outcome; undecidable is ABSTAIN (the committee decides).

    >>> duos_verdict(DuoOutcome.COMMITTEE)
    <DuosVerdict.ABSTAIN: 'ABSTAIN'>
    """
    return _WORDS[outcome]
