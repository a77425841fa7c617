"""A node's patients as sparse arrays, so one query scores 100,000 patients in a few vectorised passes.

Equal to :func:`~pmbridge.similarity.match_score` per patient (a property test holds it to 1e-9).
Pure: ids in (pseudonymous, chosen by the caller), ids and scores out, never a record field.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pmbridge.similarity._match_score import MatchParameters, PatientProfile
from pmbridge.similarity._patients import PatientMatch
from pmbridge.similarity._ranking import PhenotypeQuery
from pmbridge.similarity._vocabulary import Columns, TermVocabulary, columns, distinct

Scores = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class TermRows:
    """(patient position, term) pairs: ``terms`` index ``names``; unknown names are dropped."""

    patients: npt.NDArray[np.int64]
    terms: npt.NDArray[np.int64]
    names: Sequence[str]


class MatchIndex:
    """Patients (ids, datasets, observed and excluded terms, genes) ready to be matched.

    >>> from pmbridge.similarity import TermGraph
    >>> graph = TermGraph.from_parents({"r": [], "a": ["r"], "b": ["r"], "a1": ["a"]})
    >>> ic = {"r": 0.0, "a": 1.0, "b": 1.0, "a1": 2.0}
    >>> index = MatchIndex.from_profiles(
    ...     {"p1": PatientProfile(frozenset({"a1"})), "p2": PatientProfile(frozenset({"b"}))},
    ...     datasets={"p1": "ds", "p2": "ds"}, vocabulary=TermVocabulary(graph, ic))
    >>> [(m.id, m.score) for m in index.top(index.scores(PhenotypeQuery(("a1",))), limit=2)]
    [('p1', 1.0), ('p2', 0.0)]
    """

    __slots__ = (
        "_closure",
        "_excluded",
        "_genes",
        "_has_terms",
        "_id_order",
        "_obs_patients",
        "_obs_terms",
        "_term_counts",
        "dataset_codes",
        "datasets",
        "ids",
        "parameters",
        "vocabulary",
    )

    def __init__(
        self,
        *,
        ids: Sequence[str],
        datasets: Sequence[str],
        dataset_codes: npt.NDArray[np.int64],
        observed: TermRows,
        excluded: TermRows,
        genes: Mapping[str, npt.NDArray[np.int64]],
        vocabulary: TermVocabulary,
        parameters: MatchParameters | None = None,
    ) -> None:
        """Index ``ids`` (patient positions 0..n-1); ``dataset_codes[i]`` indexes ``datasets``."""
        size = len(ids)
        self.ids = tuple(ids)
        self.datasets = tuple(datasets)
        self.dataset_codes = np.asarray(dataset_codes, dtype=np.int64)
        self.vocabulary = vocabulary
        self.parameters = parameters or MatchParameters()
        self._id_order = np.empty(size, dtype=np.int64)
        self._id_order[np.argsort(np.array(self.ids, dtype=object), kind="stable")] = np.arange(size)
        patients, terms = _pairs(observed, vocabulary)
        self._obs_patients, self._obs_terms = patients, terms
        self._term_counts = np.bincount(patients, minlength=size).astype(np.float64)
        self._has_terms = self._term_counts > 0
        self._closure: Columns = vocabulary.closure_columns(patients, terms, size=size)
        self._excluded: Columns = columns(*_pairs(excluded, vocabulary), size=size, width=len(vocabulary))
        self._genes = dict(genes)

    @classmethod
    def from_profiles(
        cls,
        profiles: Mapping[str, PatientProfile],
        *,
        datasets: Mapping[str, str],
        vocabulary: TermVocabulary,
        parameters: MatchParameters | None = None,
    ) -> MatchIndex:
        """Index ``id -> profile`` (each in ``datasets[id]``): the convenient form for small populations."""
        ids = list(profiles)
        names = sorted({t for p in profiles.values() for t in (*p.observed, *p.excluded)})
        code = {name: i for i, name in enumerate(names)}
        dataset_names = sorted(set(datasets.values()))

        def rows(pick: Callable[[PatientProfile], frozenset[str]]) -> TermRows:
            pairs = [(i, code[t]) for i, key in enumerate(ids) for t in pick(profiles[key])]
            return TermRows(
                np.array([p for p, _ in pairs], dtype=np.int64),
                np.array([t for _, t in pairs], dtype=np.int64),
                names,
            )

        genes: dict[str, list[int]] = {}
        for i, key in enumerate(ids):
            for gene in profiles[key].genes:
                genes.setdefault(gene, []).append(i)
        return cls(
            ids=ids,
            datasets=dataset_names,
            dataset_codes=np.array([dataset_names.index(datasets[k]) for k in ids], dtype=np.int64),
            observed=rows(lambda p: p.observed),
            excluded=rows(lambda p: p.excluded),
            genes={g: np.array(r, dtype=np.int64) for g, r in genes.items()},
            vocabulary=vocabulary,
            parameters=parameters,
        )

    def scores(self, query: PhenotypeQuery) -> Scores:
        """One score per patient, in :attr:`ids` order (see :func:`match_score` for the definition)."""
        vocab = self.vocabulary
        size = len(self.ids)
        observed = [vocab.code[t] for t in dict.fromkeys(query.observed) if t in vocab.code]
        excluded = [vocab.code[t] for t in dict.fromkeys(query.excluded) if t in vocab.code]
        total = np.zeros(size)
        own = float(np.mean(vocab.ic[observed])) if observed else 0.0
        if own > 0:
            total += self._phenotype(observed) / own
        conflicts = np.zeros(size)
        for term in observed:
            ruled_out = np.zeros(size, dtype=bool)
            for ancestor in vocab.ancestors(term):
                ruled_out[self._excluded.rows(ancestor)] = True
            conflicts += ruled_out
        for term in excluded:
            conflicts[self._closure.rows(term)] += 1.0
        if observed or excluded:
            total -= self.parameters.conflict_weight * (conflicts / (len(observed) + len(excluded)))
        carriers = [self._genes[g] for g in dict.fromkeys(query.genes) if g in self._genes]
        if carriers:
            bonus = np.zeros(size)
            bonus[np.concatenate(carriers)] = self.parameters.gene_bonus
            total += bonus
        return total

    def _phenotype(self, observed: list[int]) -> Scores:
        """Symmetric Resnik best-match average of the query's terms with every patient's."""
        vocab = self.vocabulary
        size = len(self.ids)
        forward = np.zeros(size)
        best = np.empty(size)
        for term in observed:
            # Ancestors from least to most informative: the last write per patient is its best match.
            best.fill(0.0)
            for ancestor in vocab.ancestors_by_ic(term):
                best[self._closure.rows(ancestor)] = vocab.ic[ancestor]
            forward += best
        shared = np.zeros(len(vocab))
        held = vocab.closure(observed)
        shared[held] = vocab.ic[held]
        best_for_term = vocab.best_ancestor_values(shared)
        backward = np.bincount(
            self._obs_patients, weights=best_for_term[self._obs_terms], minlength=size
        ) / np.maximum(self._term_counts, 1.0)
        return np.where(self._has_terms, (forward / len(observed) + backward) / 2, 0.0)

    def top(
        self, scores: Scores, *, limit: int, datasets: Collection[str] | None = None
    ) -> list[PatientMatch]:
        """The ``limit`` best patients (of ``datasets`` only, when given), best first, ties by id.

        ``rank`` counts the patients (of those datasets) scoring at least as high: ties pessimistic.
        """
        pool = self._pool(datasets)
        values = scores[pool]
        if limit <= 0 or not len(values):
            return []
        if limit < len(values):
            cut = np.partition(values, len(values) - limit)[len(values) - limit]
            keep = np.flatnonzero(values >= cut)
            pool, values = pool[keep], values[keep]
        order = np.lexsort((self._id_order[pool], -values))
        ranked = np.sort(values)
        chosen = order[:limit]
        return [
            PatientMatch(
                id=self.ids[pool[i]],
                score=float(values[i]),
                rank=int(len(ranked) - np.searchsorted(ranked, values[i], side="left")),
                dataset=self.datasets[self.dataset_codes[pool[i]]],
            )
            for i in chosen
        ]

    def band_counts(
        self, scores: Scores, *, bounds: Sequence[float], datasets: Collection[str] | None = None
    ) -> dict[str, tuple[int, ...]]:
        """Per dataset, how many patients score in each band ``[bounds[i], bounds[i+1])`` (last open).

        ``bounds`` ascend. Patients below ``bounds[0]`` are counted nowhere.
        """
        edges = np.asarray(bounds, dtype=np.float64)
        band = np.searchsorted(edges, scores, side="right") - 1
        out: dict[str, tuple[int, ...]] = {}
        for code, name in enumerate(self.datasets):
            if datasets is not None and name not in datasets:
                continue
            mine = band[(self.dataset_codes == code) & (band >= 0)]
            out[name] = tuple(int(n) for n in np.bincount(mine, minlength=len(edges)))
        return out

    def _pool(self, datasets: Collection[str] | None) -> npt.NDArray[np.int64]:
        if datasets is None:
            return np.arange(len(self.ids))
        codes = [i for i, name in enumerate(self.datasets) if name in datasets]
        return np.flatnonzero(np.isin(self.dataset_codes, codes))

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        return f"MatchIndex(patients={len(self)}, datasets={len(self.datasets)})"


def _pairs(rows: TermRows, vocabulary: TermVocabulary) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Distinct (patient, vocabulary code) pairs of ``rows``, terms the vocabulary lacks dropped."""
    codes = np.array([vocabulary.code.get(name, -1) for name in rows.names], dtype=np.int64)
    terms = codes[rows.terms] if len(rows.terms) else np.zeros(0, dtype=np.int64)
    known = terms >= 0
    keys = distinct(rows.patients[known] * len(vocabulary) + terms[known])
    return keys // len(vocabulary), keys % len(vocabulary)
