"""The words of a Delphi round: a 1–9 score or "unable to score", one panellist's rating, a status.

Every later part (hub store, API, portal, simulation) builds ratings with these, so bad input is
refused here, once, with an error that says how to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Final, Literal, TypeAlias

from pmbridge.errors import ConsensusError

LOWEST_SCORE: Final = 1
HIGHEST_SCORE: Final = 9


class Unable(Enum):
    """The one value of "unable to score": not a number, so it can never slip into a sum."""

    UNABLE = "unable"

    def __repr__(self) -> str:
        return "UNABLE"


UNABLE: Final = Unable.UNABLE
"""A panellist who answered but could not score the item; left out of every denominator."""

Score: TypeAlias = int | Literal[Unable.UNABLE]
"""An integer 1–9 (GRADE scale: 1–3 limited importance, 4–6 important, 7–9 critical) or UNABLE."""


class Status(StrEnum):
    """Where an item stands after a round.

    Under GRADE_BANDS, IN reads as "critical", OUT as "of limited importance" and IMPORTANT as
    "important but not critical"; COMET-style rules never give IMPORTANT.
    """

    IN = "in"
    OUT = "out"
    IMPORTANT = "important"
    NO_CONSENSUS = "no_consensus"

    @property
    def decided(self) -> bool:
        """True when the panel agreed on something (in, out or important).

        >>> Status.IN.decided, Status.NO_CONSENSUS.decided
        (True, False)
        """
        return self is not Status.NO_CONSENSUS


def invalid(message: str, *, hint: str) -> ConsensusError:
    """The error for input the consensus core refuses (HTTP 400, code ``consensus_invalid``)."""
    return ConsensusError(message, hint=hint)


def check_score(score: object) -> Score:
    """The score itself if it is an integer 1–9 or UNABLE; raise ConsensusError otherwise.

    >>> check_score(7), check_score(UNABLE)
    (7, UNABLE)
    >>> check_score(10)
    Traceback (most recent call last):
    ...
    pmbridge.errors.ConsensusError: score 10 is not 1–9 or UNABLE (hint: ...)
    """
    if score is UNABLE:
        return UNABLE
    if isinstance(score, int) and not isinstance(score, bool) and LOWEST_SCORE <= score <= HIGHEST_SCORE:
        return score
    raise invalid(
        f"score {score!r} is not 1–9 or UNABLE",
        hint='send an integer from 1 (not important) to 9 (critical), or "unable" for unable to score',
    )


@dataclass(frozen=True, slots=True)
class Rating:
    """One panellist's score for one item in one round.

    >>> Rating("p1", "EU clinicians", "item-1", 1, 8).score
    8
    >>> Rating("p1", "EU clinicians", "item-1", 0, 8)
    Traceback (most recent call last):
    ...
    pmbridge.errors.ConsensusError: round 0 is not a round number (hint: ...)
    """

    panellist: str
    group: str
    item: str
    round: int
    score: Score

    def __post_init__(self) -> None:
        for field in ("panellist", "group", "item"):
            value = getattr(self, field)
            if not isinstance(value, str) or not value.strip():
                raise invalid(
                    f"rating has no {field} (got {value!r})",
                    hint=f"give every rating a non-empty {field} id",
                )
        if isinstance(self.round, bool) or not isinstance(self.round, int) or self.round < 1:
            raise invalid(
                f"round {self.round!r} is not a round number",
                hint="rounds are numbered from 1",
            )
        check_score(self.score)

    @property
    def scored(self) -> bool:
        """False for "unable to score"."""
        return self.score is not UNABLE
