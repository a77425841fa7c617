"""Hypothesis strategies shared by the similarity tests: small random ontologies."""

from __future__ import annotations

from hypothesis import strategies as st

from pmbridge.similarity import TermGraph

TERMS = [f"t{i}" for i in range(12)]


@st.composite
def ontologies(draw: st.DrawFn) -> TermGraph:
    """A random DAG over TERMS: each term's parents come from the terms before it (t0 is the root)."""
    parents: dict[str, list[str]] = {"t0": []}
    for i, term in enumerate(TERMS[1:], start=1):
        parents[term] = draw(st.lists(st.sampled_from(TERMS[:i]), min_size=1, max_size=2, unique=True))
    return TermGraph.from_parents(parents)
