"""The reference data the portal shows: HPO labels in both languages, the term index, DUO labels.

Loaded once, on first use, in a worker thread (the HPO takes about a second), from the hub's
data directory (``hub.data_dir``, else the documented lookup order).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from pmbridge.errors import ReferenceDataMissing
from pmbridge.policy import DuoVocabulary, load_duo_terms
from pmbridge.portal._terms import TermIndex
from pmbridge.vocab import Hpo, locate_data_dir

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Reference:
    """What the portal knows about terms: ``duo`` is None when the DUO list is missing."""

    hpo_release: str
    chinese_labels: bool
    terms: TermIndex
    duo: DuoVocabulary | None


class ReferenceLoader:
    """Loads :class:`Reference` once per process and hands the same object to every request."""

    def __init__(self, data_dir: Path | None) -> None:
        self._data_dir = data_dir
        self._loaded: Reference | None = None
        self._lock = threading.Lock()

    async def get(self) -> Reference:
        if self._loaded is not None:
            return self._loaded
        return await asyncio.to_thread(self._load_once)

    def _load_once(self) -> Reference:
        with self._lock:
            if self._loaded is None:
                self._loaded = self._load()
            return self._loaded

    def _load(self) -> Reference:
        located = locate_data_dir(self._data_dir)
        hpo = Hpo.load(located)
        try:
            duo: DuoVocabulary | None = load_duo_terms(located.path)
        except ReferenceDataMissing as missing:
            _log.warning("%s; the datasets page shows DUO codes without labels", missing)
            duo = None
        return Reference(
            hpo_release=hpo.release,
            chinese_labels=hpo.labels_zh.available,
            terms=TermIndex.from_hpo(hpo),
            duo=duo,
        )
