"""The terms present in a node's data, per dataset: what its ``/filtering_terms`` can offer.

Read-only stores do not change while served, so the answer is computed once per store and process.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import StrEnum
from weakref import WeakKeyDictionary

from pmbridge.store._store import NodeStore


class TermKind(StrEnum):
    """Where in the store a present term was found."""

    PHENOTYPE = "phenotype"  # an HPO id, observed (never an excluded feature)
    DISEASE = "disease"  # an OMIM / ORPHA / MONDO id
    SEX = "sex"  # a model sex value (FEMALE, MALE, …)
    GENE = "gene"  # an HGNC symbol of a variant
    AGE = "age"  # individuals whose age is known (the id is "age")


@dataclass(frozen=True, slots=True, order=True)
class PresentTerm:
    """One term in one dataset, with how often it occurs there (internal: never released as such).

    ``occurrences`` counts rows: individuals for sex and age, features, diagnoses and variant calls
    for the others (an exact count of distinct individuals costs ten times more on 13 M features).
    """

    kind: TermKind
    id: str
    dataset_id: str
    occurrences: int
    label: str | None = None  # the store's own label, where it keeps one (diseases)


# One statement so the whole catalogue is one scan per table; excluded features are not "present"
# because a filter on the term would never match them.
_PRESENT_TERMS = """
SELECT 'phenotype', p.term, i.dataset_id, count(*), NULL
  FROM phenotypes p JOIN individuals i ON i.ind = p.ind
 WHERE NOT p.excluded GROUP BY p.term, i.dataset_id
UNION ALL
SELECT 'disease', d.term, i.dataset_id, count(*), min(d.label)
  FROM diseases d JOIN individuals i ON i.ind = d.ind
 WHERE NOT d.excluded GROUP BY d.term, i.dataset_id
UNION ALL
SELECT 'sex', i.sex, i.dataset_id, count(*), NULL FROM individuals i GROUP BY i.sex, i.dataset_id
UNION ALL
SELECT 'gene', v.gene, i.dataset_id, count(*), NULL
  FROM variants v JOIN individuals i ON i.ind = v.ind
 WHERE v.gene IS NOT NULL AND v.gene <> '' GROUP BY v.gene, i.dataset_id
UNION ALL
SELECT 'age', 'age', i.dataset_id, count(*), NULL
  FROM individuals i WHERE i.age_years IS NOT NULL GROUP BY i.dataset_id
"""


def present_terms(store: NodeStore) -> tuple[PresentTerm, ...]:
    """Every term present in ``store``, per dataset, sorted by kind, id and dataset; cached when read-only."""
    if not store.read_only:
        return _query(store)
    with _LOCK:
        cached = _CACHE.get(store)
        if cached is None:
            cached = _CACHE[store] = _query(store)
        return cached


def _query(store: NodeStore) -> tuple[PresentTerm, ...]:
    # A cursor per call: DuckDB connections must not be shared across server threads.
    with store.connection.cursor() as cursor:
        rows = cursor.execute(_PRESENT_TERMS).fetchall()
    return tuple(
        sorted(
            PresentTerm(
                TermKind(kind), str(term), str(dataset), int(count), None if label is None else str(label)
            )
            for kind, term, dataset, count, label in rows
        )
    )


_LOCK = threading.Lock()
_CACHE: WeakKeyDictionary[NodeStore, tuple[PresentTerm, ...]] = WeakKeyDictionary()
