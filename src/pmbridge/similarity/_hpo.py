"""The adapter from the HPO of :mod:`pmbridge.vocab` (hpo3) to the pure similarity core.

The only module of this package that knows where the ontology and the annotations come from.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

from pmbridge.errors import ReferenceDataMissing, UnknownTerm
from pmbridge.model import PatientRecord
from pmbridge.similarity._graph import TermGraph
from pmbridge.similarity._information import InformationContent
from pmbridge.similarity._levels import SimilarAnchors, SimilarityLevel, similar_anchors
from pmbridge.similarity._likelihood import LikelihoodParameters
from pmbridge.similarity._ranking import DiseaseRanker, PhenotypeQuery, baseline_term_sets
from pmbridge.similarity._vocabulary import TermVocabulary
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


@dataclass(frozen=True, slots=True)
class TermInformation:
    """One HPO release's graph with the information content of its OMIM disease annotations.

    The IC every node of a network shares (same release, same annotations), so match scores and
    similarity filters mean the same at every node.
    """

    release: str
    graph: TermGraph
    ic: InformationContent
    vocabulary: TermVocabulary


def load_term_information(hpo: Hpo) -> TermInformation:
    """The graph and OMIM-annotation IC of ``hpo``'s release, read from the folder it was loaded from.

    Cached per process. Needs ``phenotype.hpoa`` beside ``hp.obo``: hpo3's built-in release has no
    such folder, and a ReferenceDataMissing error then says how to fetch the files.
    """
    folder = Path(hpo.source)
    with _LOCK:
        found = _TERMS.get(hpo.source)
        if found is None:
            if not (folder / "hp.obo").is_file():
                raise ReferenceDataMissing(
                    f"HPO {hpo.release} was loaded from {hpo.source}, which has no disease annotations "
                    "to weigh terms by",
                    hint="run `pmbridge vocab fetch` (or set data_dir) so the HPO release files are used",
                )
            annotations = load_disease_annotations(DataDir(folder.parent, "config"))
            graph = graph_from_hpo(hpo)
            omim = {key: d for key, d in annotations.items() if key.startswith("OMIM:")}
            ic = InformationContent.from_term_sets(graph, baseline_term_sets(omim).values())
            found = _TERMS[hpo.source] = TermInformation(hpo.release, graph, ic, TermVocabulary(graph, ic))
        return found


_TERMS: dict[str, TermInformation] = {}


def hpo_similar_anchors(hpo: Hpo) -> SimilarAnchors:
    """Beacon similarity levels over ``hpo`` (see :func:`similar_anchors`); the IC is loaded on the
    first filter that needs it, so nodes that never see one never pay for it."""

    def anchors(term: str, level: str) -> tuple[str, ...]:
        if level == SimilarityLevel.EXACT:
            return (term,)
        terms = load_term_information(hpo)
        return similar_anchors(term, level, graph=terms.graph, ic=terms.ic)

    return anchors


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
