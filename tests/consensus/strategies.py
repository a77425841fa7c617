"""Hypothesis strategies shared by the consensus tests: random panels, ratings and rules."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from pmbridge.consensus import UNABLE, Band, Clause, ConsensusRule, Op, Rating, Scope, Score

GROUPS = ("EU clinicians", "CN clinicians", "regulators", "patients")

scores: st.SearchStrategy[Score] = st.one_of(st.integers(1, 9), st.just(UNABLE))


@st.composite
def item_ratings(draw: st.DrawFn, *, item: str = "item-1", max_size: int = 40) -> list[Rating]:
    """One item's ratings in one round: distinct panellists, each in one of up to four groups."""
    size = draw(st.integers(1, max_size))
    groups = draw(st.lists(st.sampled_from(GROUPS), min_size=size, max_size=size))
    values = draw(st.lists(scores, min_size=size, max_size=size))
    return [
        Rating(f"panellist-{i}", g, item, 1, s) for i, (g, s) in enumerate(zip(groups, values, strict=True))
    ]


percents = st.integers(1, 8).flatmap(lambda d: st.integers(0, 100 * d).map(lambda n: Fraction(n, d)))
clauses = st.builds(Clause, st.sampled_from(list(Band)), st.sampled_from(list(Op)), percents)


@st.composite
def rules(draw: st.DrawFn) -> ConsensusRule:
    """Any valid rule: random clauses (at least one), scope, quorum and drop flag."""
    lists = [tuple(draw(st.lists(clauses, max_size=3))) for _ in range(3)]
    if not any(lists):
        lists[0] = (draw(clauses),)
    return ConsensusRule(
        name=draw(st.sampled_from(["custom", "COMET-like", "研究规则"])),
        scope=draw(st.sampled_from(list(Scope))),
        clauses_in=lists[0],
        clauses_out=lists[1],
        clauses_important=lists[2],
        min_scorers=draw(st.integers(1, 6)),
        drop_on_consensus=draw(st.booleans()),
    )
