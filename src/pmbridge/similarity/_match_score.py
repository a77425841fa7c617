"""What one patient-to-patient match score is, written with the plain set measures: the definition.

The vectorised :class:`~pmbridge.similarity.MatchIndex` computes the same numbers for a whole node
at once; a property test holds the two equal, so this module is the specification to read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from statistics import fmean

from pmbridge.similarity._aggregate import Aggregation, set_similarity
from pmbridge.similarity._graph import TermGraph
from pmbridge.similarity._measures import TermMeasure, term_similarity
from pmbridge.similarity._ranking import PhenotypeQuery


@dataclass(frozen=True, slots=True)
class MatchParameters:
    """The two knobs of a match score besides the phenotypes (see :func:`match_score`)."""

    gene_bonus: float = 0.5
    """Added when the patient carries a variant in one of the query's genes."""
    conflict_weight: float = 0.5
    """Subtracted, times the share of query terms the patient contradicts."""


@dataclass(frozen=True, slots=True)
class PatientProfile:
    """What matching knows of one patient: observed and excluded HPO terms, genes with a variant."""

    observed: frozenset[str]
    excluded: frozenset[str] = frozenset()
    genes: frozenset[str] = frozenset()


def match_score(
    query: PhenotypeQuery,
    patient: PatientProfile,
    *,
    graph: TermGraph,
    ic: Mapping[str, float],
    parameters: MatchParameters = MatchParameters(),
) -> float:
    """``phenotype - conflict_weight * contradiction + gene_bonus * gene``; terms the graph lacks are ignored.

    - ``phenotype``: Resnik similarity, symmetric best-match average, of the query's and the
      patient's observed terms, divided by the query's similarity with itself (the mean IC of its
      terms): 1 for a patient with exactly the query's terms, 0 when nothing but the root is shared.
      So scores of one query are comparable across nodes that use the same HPO release.
    - ``contradiction``: of the query's observed and excluded terms, the share the patient
      contradicts: an observed term the patient has ruled out (it or a more general term), an
      excluded term the patient has (it or a more specific term).
    - ``gene``: 1 when the patient carries a variant in a gene of the query.

    >>> graph = TermGraph.from_parents({"r": [], "a": ["r"], "b": ["r"], "a1": ["a"]})
    >>> ic = {"r": 0.0, "a": 1.0, "b": 1.0, "a1": 2.0}
    >>> match_score(PhenotypeQuery(("a1",)), PatientProfile(frozenset({"a1"})), graph=graph, ic=ic)
    1.0
    >>> match_score(PhenotypeQuery(("a1",), excluded=("b",)), PatientProfile(frozenset({"a", "b"})),
    ...             graph=graph, ic=ic)
    0.125
    """
    observed = [t for t in dict.fromkeys(query.observed) if t in graph]
    excluded = [t for t in dict.fromkeys(query.excluded) if t in graph]
    mine = frozenset(t for t in patient.observed if t in graph)
    ruled_out = frozenset(t for t in patient.excluded if t in graph)
    own = fmean(ic[t] for t in observed) if observed else 0.0
    phenotype = 0.0
    if own > 0:
        resnik = term_similarity(TermMeasure.RESNIK, graph=graph, ic=ic)
        phenotype = set_similarity(observed, mine, similarity=resnik, aggregation=Aggregation.BMA) / own
    has = graph.closure(mine)
    conflicts = sum(1 for t in observed if graph.ancestors(t) & ruled_out)
    conflicts += sum(1 for t in excluded if t in has)
    asked = len(observed) + len(excluded)
    contradiction = conflicts / asked if asked else 0.0
    gene = 1.0 if any(g in patient.genes for g in query.genes) else 0.0
    return phenotype - parameters.conflict_weight * contradiction + parameters.gene_bonus * gene
