"""The adapter from the HPO of :mod:`pmbridge.vocab` (hpo3) to the pure similarity core.

The only module of this package that knows where the ontology and the annotations come from.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable

from pmbridge.errors import UnknownTerm
from pmbridge.model import PatientRecord
from pmbridge.similarity._graph import TermGraph
from pmbridge.similarity._likelihood import LikelihoodParameters
from pmbridge.similarity._ranking import DiseaseRanker, PhenotypeQuery
from pmbridge.vocab import DataDir, Hpo, load_disease_annotations


def graph_from_hpo(hpo: Hpo) -> TermGraph:
    """The is_a closure of the current terms of ``hpo``."""
    return TermGraph({term: hpo.ancestors(term) for term in hpo})


def load_disease_ranker(
    data_dir: DataDir,
    *,
    prefixes: Collection[str] = ("OMIM",),
    parameters: LikelihoodParameters | None = None,
) -> DiseaseRanker:
    """The ranker of the HPO release in ``data_dir``, cached per process and settings.

    Needs ``hpo/phenotype.hpoa`` (frequencies and NOT rows): a ReferenceDataMissing error says how
    to fetch it when absent.
    """
    key = (str(data_dir.path), tuple(prefixes), parameters)
    with _LOCK:
        found = _CACHE.get(key)
        if found is None:
            hpo = Hpo.load(data_dir)
            annotations = load_disease_annotations(data_dir)
            found = _CACHE[key] = DiseaseRanker(
                annotations,
                graph=graph_from_hpo(hpo),
                release=hpo.release,
                prefixes=prefixes,
                parameters=parameters,
            )
        return found


_LOCK = threading.Lock()
_CACHE: dict[tuple[str, tuple[str, ...], LikelihoodParameters | None], DiseaseRanker] = {}


def resolve_terms(texts: Iterable[str], *, hpo: Hpo) -> tuple[str, ...]:
    """Current HPO ids for ids, obsolete ids, English or Chinese labels (UnknownTerm if one is not)."""
    found: dict[str, None] = {}
    for text in texts:
        term = hpo.term(text)
        current = hpo.canonical_id(term.id)
        if current is None:
            raise UnknownTerm(
                term.id,
                hint=f"obsolete in HPO {hpo.release} with no replacement; "
                f"`pmbridge vocab search {term.name!r}` lists current terms",
            )
        found[current] = None
    return tuple(found)


def query_from_record(record: PatientRecord, *, hpo: Hpo) -> PhenotypeQuery:
    """The query of one patient: current ids of its features (unknown ids dropped) and its genes."""
    observed: dict[str, None] = {}
    excluded: dict[str, None] = {}
    for feature in record.phenotypic_features:
        current = hpo.canonical_id(feature.term)
        if current is not None:
            (excluded if feature.excluded else observed)[current] = None
    genes = {v.gene_symbol: None for v in record.variants if v.gene_symbol}
    return PhenotypeQuery(observed=tuple(observed), excluded=tuple(excluded), genes=tuple(genes))
