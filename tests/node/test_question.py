"""The question behind a count (property tests): what is counted decides it, not how it is asked."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from pmbridge.model import AgeFilter, DiseaseFilter, Filter, GeneFilter, Operator, PhenotypeFilter, SexFilter
from pmbridge.node._disclosure import question
from pmbridge.privacy import canonical_query, query_digest
from pmbridge.store import EntryQuery

filters = st.lists(
    st.one_of(
        st.builds(
            PhenotypeFilter, st.sampled_from(["HP:0001250", "HP:0001166", "HP:0000707"]), st.booleans()
        ),
        st.builds(DiseaseFilter, st.sampled_from(["OMIM:154700", "ORPHA:558"])),
        st.builds(GeneFilter, st.sampled_from(["FBN1", "SCN1A"])),
        st.builds(SexFilter, st.sampled_from(["FEMALE", "MALE"]), st.booleans()),
        st.builds(AgeFilter, st.sampled_from(list(Operator)), st.integers(0, 90).map(float)),
    ),
    max_size=5,
    unique=True,
)


def digest(query: EntryQuery, dataset: str) -> str:
    return query_digest(canonical_query(question(query, dataset)))


@settings(deadline=None)  # a loaded CI machine must not turn slowness into failure
@given(filters, st.randoms(use_true_random=False), st.integers(0, 50), st.integers(1, 100))
def test_filter_order_and_paging_do_not_change_the_question(
    found: list[Filter], shuffle: random.Random, skip: int, limit: int
) -> None:
    reordered = list(found)
    shuffle.shuffle(reordered)
    a = EntryQuery("individuals", filters=tuple(found))
    b = EntryQuery("individuals", filters=tuple(reordered), skip=skip, limit=limit)
    assert digest(a, "ds") == digest(b, "ds")


@settings(deadline=None)  # a loaded CI machine must not turn slowness into failure
@given(filters, filters)
def test_different_filters_or_datasets_are_different_questions(a: list[Filter], b: list[Filter]) -> None:
    qa, qb = EntryQuery("individuals", filters=tuple(a)), EntryQuery("individuals", filters=tuple(b))
    assert (digest(qa, "ds") == digest(qb, "ds")) == (set(a) == set(b))
    samples = EntryQuery("biosamples", filters=tuple(a))
    assert len({digest(qa, "ds"), digest(qa, "other"), digest(samples, "ds")}) == 3
