"""The node's patient-matching index: built from its store once per process, rebuilt when the store changes.

The index knows patients only by pseudonymous match id; the map back to (dataset, individual)
stays here, for the steward's contact inbox, and is never part of an answer.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from pmbridge.node._pseudonyms import MatchIds
from pmbridge.similarity import MatchIndex, MatchParameters, TermRows, TermVocabulary
from pmbridge.store import ProfileTables

log = logging.getLogger(__name__)

StoreStamp = tuple[tuple[str, int, int], ...]


@dataclass(frozen=True, slots=True)
class NodeMatcher:
    """A built index, the way back from a match id to its patient, and how long the build took."""

    index: MatchIndex
    patients: Mapping[str, tuple[str, str]]
    """match id -> (dataset, individual id): never leaves the node."""
    hpo_release: str
    build_seconds: float


def build_matcher(
    tables: ProfileTables,
    *,
    vocabulary: TermVocabulary,
    match_ids: MatchIds,
    hpo_release: str,
    parameters: MatchParameters | None = None,
) -> NodeMatcher:
    """The index of every individual in ``tables``, each under its match id."""
    started = time.perf_counter()
    individuals = tables.individuals
    datasets = individuals.column("dataset_id").to_pylist()
    ids = [match_ids.of(d, i) for d, i in zip(datasets, individuals.column("id").to_pylist(), strict=True)]
    encoded = pc.dictionary_encode(individuals.column("dataset_id")).combine_chunks()
    phenotypes = tables.phenotypes
    index = MatchIndex(
        ids=ids,
        datasets=encoded.dictionary.to_pylist(),
        dataset_codes=encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64),
        observed=_term_rows(phenotypes.filter(pc.invert(phenotypes.column("excluded")))),
        excluded=_term_rows(phenotypes.filter(phenotypes.column("excluded"))),
        genes=_gene_rows(tables.genes),
        vocabulary=vocabulary,
        parameters=parameters,
    )
    patients = dict(zip(ids, zip(datasets, individuals.column("id").to_pylist(), strict=True), strict=True))
    return NodeMatcher(index, patients, hpo_release, time.perf_counter() - started)


def _term_rows(table: pa.Table) -> TermRows:
    encoded = pc.dictionary_encode(table.column("term")).combine_chunks()
    return TermRows(
        patients=table.column("pos").to_numpy().astype(np.int64),
        terms=encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64),
        names=encoded.dictionary.to_pylist(),
    )


def _gene_rows(table: pa.Table) -> dict[str, npt.NDArray[np.int64]]:
    encoded = pc.dictionary_encode(table.column("gene")).combine_chunks()
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    positions = table.column("pos").to_numpy().astype(np.int64)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(encoded.dictionary) + 1))
    names = encoded.dictionary.to_pylist()
    return {str(name).upper(): positions[order[bounds[i] : bounds[i + 1]]] for i, name in enumerate(names)}


def store_stamp(path: Path) -> StoreStamp:
    """Size and modification time of the store file and its write-ahead log: changes when data does."""
    found = []
    for candidate in (path, path.with_name(path.name + ".wal")):
        try:
            stat = candidate.stat()
        except FileNotFoundError:
            continue
        found.append((candidate.name, stat.st_size, stat.st_mtime_ns))
    return tuple(found)


class MatcherCache:
    """One :class:`NodeMatcher` per store, rebuilt when the store's stamp changes; builds serialised."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._built: dict[Path, tuple[StoreStamp, NodeMatcher]] = {}

    def get(self, path: Path, build: Callable[[], NodeMatcher]) -> NodeMatcher:
        """The matcher of the store at ``path``, from ``build`` when there is none or the store changed."""
        stamp = store_stamp(path)
        with self._lock:
            held = self._built.get(path)
            if held is not None and held[0] == stamp:
                return held[1]
            matcher = build()
            self._built[path] = (stamp, matcher)
        log.info(
            "patient-matching index of %s built: %d patients in %.2f s",
            path,
            len(matcher.index),
            matcher.build_seconds,
        )
        return matcher


MATCHERS = MatcherCache()
"""The process's matchers: a node process serves one store; tests may open several."""
