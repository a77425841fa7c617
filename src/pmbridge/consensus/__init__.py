"""Delphi expert consensus, the pure core: ratings, rules as data, item status, next round, feedback."""

from pmbridge.consensus._feedback import DEFAULT_K, OTHER_GROUPS, Feedback, FeedbackBlock, round_feedback
from pmbridge.consensus._model import UNABLE, Rating, Score, Status, Unable, check_score
from pmbridge.consensus._rules import (
    COMET,
    GRADE_BANDS,
    PANEL_70,
    PRESETS,
    Band,
    Clause,
    ConsensusRule,
    Op,
    Scope,
    band_of,
)
from pmbridge.consensus._selection import next_round_items
from pmbridge.consensus._status import WHOLE_PANEL_GROUP, GroupTally, ItemStatus, item_status, round_status

__all__ = [
    "COMET",
    "DEFAULT_K",
    "GRADE_BANDS",
    "OTHER_GROUPS",
    "PANEL_70",
    "PRESETS",
    "UNABLE",
    "WHOLE_PANEL_GROUP",
    "Band",
    "Clause",
    "ConsensusRule",
    "Feedback",
    "FeedbackBlock",
    "GroupTally",
    "ItemStatus",
    "Op",
    "Rating",
    "Scope",
    "Score",
    "Status",
    "Unable",
    "band_of",
    "check_score",
    "item_status",
    "next_round_items",
    "round_feedback",
    "round_status",
]
