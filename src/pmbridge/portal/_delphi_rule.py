"""A study's consensus rule as sentences a person reads: each outcome with its clauses, the scope,
the quorum and what happens to items that reach consensus (templates translate the sentences)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction

from pmbridge.consensus import ConsensusRule, Op, Status
from pmbridge.errors import PMBridgeError
from pmbridge.portal._delphi_words import (
    CLAUSE_AT_LEAST,
    CLAUSE_BELOW,
    DROPS,
    KEEPS,
    MIN_SCORERS,
    OUTCOMES,
    SCOPES,
    UNABLE_RULE,
)


@dataclass(frozen=True, slots=True)
class ClauseText:
    """One clause: a catalogue sentence and the words that fill it."""

    sentence: str
    percent: str
    band: str


@dataclass(frozen=True, slots=True)
class RuleText:
    """The rule in sentences; ``raw`` is its canonical JSON, shown for those who want the data."""

    name: str
    outcomes: tuple[tuple[str, tuple[ClauseText, ...]], ...]
    notes: tuple[tuple[str, int | None], ...]
    raw: str
    readable: bool = True


def rule_text(rule: object) -> RuleText:
    """``rule`` (the study's rule object, or its JSON text) in sentences; a rule this portal cannot
    read is shown as its JSON alone, so a newer hub's rule is never misdescribed.

    >>> clause = {"band": "7-9", "op": ">=", "percent": "70/100"}
    >>> text = rule_text({"name": "X", "scope": "whole_panel", "in": [clause]})
    >>> text.outcomes[0][1][0]
    ClauseText(sentence='at least %(percent)s of scorers rate %(band)s', percent='70 %', band='7–9')
    """
    raw = rule if isinstance(rule, str) else json.dumps(rule, sort_keys=True, ensure_ascii=False)
    try:
        parsed = ConsensusRule.from_json(raw)
    except PMBridgeError:
        return RuleText(name="", outcomes=(), notes=(), raw=raw, readable=False)
    outcomes = []
    for code in (Status.IN, Status.OUT, Status.IMPORTANT):
        clauses = parsed.clauses(code)
        if clauses:
            described = tuple(
                ClauseText(
                    CLAUSE_AT_LEAST if clause.op is Op.AT_LEAST else CLAUSE_BELOW,
                    _percent(clause.percent),
                    clause.band.label,
                )
                for clause in clauses
            )
            outcomes.append((OUTCOMES[code.value], described))
    notes: list[tuple[str, int | None]] = [(SCOPES[parsed.scope.value], None)]
    if parsed.min_scorers > 1:
        notes.append((MIN_SCORERS, parsed.min_scorers))
    notes += [(DROPS if parsed.drop_on_consensus else KEEPS, None), (UNABLE_RULE, None)]
    return RuleText(parsed.name, tuple(outcomes), tuple(notes), parsed.to_json())


def _percent(share: Fraction) -> str:
    """A percentage as the core writes it: whole numbers exact, others with one decimal.

    >>> _percent(Fraction(70)), _percent(Fraction(100, 3))
    ('70 %', '33.3 %')
    """
    return f"{share.numerator} %" if share.denominator == 1 else f"{float(share):.1f} %"
