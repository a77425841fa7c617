"""The node's patient-matching index: built from its store in the background when the node starts,
rebuilt when the store changes; a match waits for a build under way, a bounded time.

The index knows patients only by pseudonymous match id; the map back to (dataset, individual)
stays here, for the steward's contact inbox, and is never part of an answer.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from pmbridge.errors import MatchIndexNotReady
from pmbridge.node._context import NodeContext, data_stamp_path
from pmbridge.node._pseudonyms import MatchIds, load_match_ids
from pmbridge.similarity import MatchIndex, MatchParameters, TermRows, TermVocabulary, load_term_information
from pmbridge.store import ProfileTables, read_profiles

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


@dataclass(slots=True)
class _Build:
    """One build under way (or just finished) for one store: what it is for, and how it ended."""

    stamp: StoreStamp
    done: threading.Event = field(default_factory=threading.Event)
    result: NodeMatcher | Exception | None = None


class MatcherCache:
    """One :class:`NodeMatcher` per store, rebuilt when the store's stamp changes.

    Each build runs once, in a background thread (one at a time per store), so a node can start
    it when its process starts (:meth:`warm`) and answer ``/health`` meanwhile; a match that
    arrives first waits for that build, a bounded time (:meth:`get`).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._built: dict[Path, tuple[StoreStamp, NodeMatcher]] = {}
        self._building: dict[Path, _Build] = {}

    def warm(self, path: Path, build: Callable[[], NodeMatcher]) -> None:
        """Start building the matcher of the store at ``path`` unless it is built or being built."""
        self._current(path, build)

    def state(self, path: Path) -> str:
        """``ready`` (built for the store as it is now), ``building``, or ``not built``."""
        stamp = store_stamp(path)
        with self._lock:
            held = self._built.get(path)
            if held is not None and held[0] == stamp:
                return "ready"
            return "building" if path in self._building else "not built"

    def get(self, path: Path, build: Callable[[], NodeMatcher], *, wait: float) -> NodeMatcher:
        """The matcher of the store at ``path``: at once when built for the store as it is now,
        otherwise from the build under way (started here when there is none), waiting at most
        ``wait`` seconds for it; then :class:`~pmbridge.errors.MatchIndexNotReady` (503)."""
        found = self._current(path, build)
        if isinstance(found, NodeMatcher):
            return found
        found.done.wait(wait)
        if isinstance(found.result, NodeMatcher):
            return found.result
        if isinstance(found.result, Exception):
            raise found.result
        raise MatchIndexNotReady(wait)

    def _current(self, path: Path, build: Callable[[], NodeMatcher]) -> NodeMatcher | _Build:
        stamp = store_stamp(path)
        with self._lock:
            held = self._built.get(path)
            if held is not None and held[0] == stamp:
                return held[1]
            job = self._building.get(path)
            if job is None:  # a build under way for an older stamp is waited for, not doubled
                job = self._building[path] = _Build(stamp)
                worker = threading.Thread(
                    target=self._run, args=(path, job, build), name="match-index", daemon=True
                )
                worker.start()
            return job

    def _run(self, path: Path, job: _Build, build: Callable[[], NodeMatcher]) -> None:
        try:
            matcher = build()
        except Exception as exc:  # handed to every waiting request; the next request retries
            log.exception("patient-matching index of %s failed to build", path)
            job.result = exc
        else:
            job.result = matcher
            log.info(
                "patient-matching index of %s built: %d patients in %.2f s",
                path,
                len(matcher.index),
                matcher.build_seconds,
            )
        finally:
            with self._lock:
                if isinstance(job.result, NodeMatcher):
                    self._built[path] = (job.stamp, job.result)
                if self._building.get(path) is job:
                    del self._building[path]
            job.done.set()


MATCHERS = MatcherCache()
"""The process's matchers: a node process serves one store; tests may open several."""


def node_matcher(ctx: NodeContext) -> NodeMatcher:
    """The matcher of the node's store, waiting for a build under way at most
    ``node.match_index_wait_seconds``."""
    return MATCHERS.get(
        data_stamp_path(ctx.config),
        partial(build_node_matcher, ctx),
        wait=ctx.config.match_index_wait_seconds,
    )


def warm_matcher(ctx: NodeContext) -> None:
    """Start building the node's matcher in the background (the app does when its process starts),
    so that the first match does not pay for it past the hub's deadline."""
    MATCHERS.warm(data_stamp_path(ctx.config), partial(build_node_matcher, ctx))


def matcher_state(ctx: NodeContext) -> str:
    """``ready``, ``building`` or ``not built``: the matcher of the node's store, for ``/health``."""
    return MATCHERS.state(data_stamp_path(ctx.config))


def build_node_matcher(ctx: NodeContext) -> NodeMatcher:
    """A fresh matcher of the node's store (seconds on 100,000 patients): what the cache runs."""
    terms = load_term_information(ctx.hpo)
    return build_matcher(
        read_profiles(ctx.store.engine),
        vocabulary=terms.vocabulary,
        match_ids=load_match_ids(ctx.config.store.parent),
        hpo_release=terms.release,
    )
