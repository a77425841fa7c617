"""Simplified Chinese HPO labels (the HPO translation project's official ``rdfs:label`` rows).

Missing labels never vanish silently: callers get the English label marked as a fallback.
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from pmbridge.errors import VocabularyError

if TYPE_CHECKING:
    from collections.abc import Mapping

_log = logging.getLogger(__name__)

COLUMNS = ("hpo_id", "label_en", "label_zh", "synonyms_zh")
"""Columns of ``hpo-zh/hpo_zh.tsv`` (see docs/reference-data.md)."""


class ChineseLabels:
    """HPO id -> Chinese label, and back.

    >>> labels = ChineseLabels({"HP:0001250": "癫痫发作"}, source="example")
    >>> labels.label("HP:0001250", "Seizure"), labels.label("HP:0000001", "All")
    (('癫痫发作', False), ('All', True))
    """

    __slots__ = ("_by_label", "_labels", "available", "source")

    def __init__(self, labels: Mapping[str, str], *, source: str | None) -> None:
        self._labels: Mapping[str, str] = MappingProxyType(dict(labels))
        by_label: dict[str, list[str]] = {}
        for term_id, label in self._labels.items():
            by_label.setdefault(label, []).append(term_id)
        self._by_label = {label: tuple(ids) for label, ids in by_label.items()}
        self.available = bool(self._labels)
        self.source = source

    @classmethod
    def load(cls, path: Path | None) -> ChineseLabels:
        """Labels from an ``hpo_zh.tsv``; empty, with a logged warning, when there is none."""
        if path is None or not path.is_file():
            _log.warning(
                "Chinese HPO labels not found (%s); English labels are shown as a marked "
                "fallback. Run `pmbridge vocab fetch` to download them.",
                path if path is not None else "no hpo-zh/hpo_zh.tsv in the data directory",
            )
            return cls({}, source=None)
        return cls(_read_tsv(path), source=str(path))

    def get(self, term_id: str) -> str | None:
        """The Chinese label of ``term_id``, or None."""
        return self._labels.get(term_id)

    def label(self, term_id: str, english: str) -> tuple[str, bool]:
        """``(label, is_fallback)``: the Chinese label, or ``english`` flagged as a fallback."""
        found = self._labels.get(term_id)
        return (english, True) if found is None else (found, False)

    def ids_for(self, label_zh: str) -> tuple[str, ...]:
        """Every id whose Chinese label is exactly ``label_zh`` (177 labels name two terms)."""
        return self._by_label.get(label_zh.strip(), ())

    def items(self) -> Mapping[str, str]:
        """All labels, id -> Chinese label."""
        return self._labels

    def __len__(self) -> int:
        return len(self._labels)

    def __repr__(self) -> str:
        return f"ChineseLabels({len(self)} labels from {self.source or 'nowhere'})"


def _read_tsv(path: Path) -> dict[str, str]:
    labels: dict[str, str] = {}
    with path.open(encoding="utf-8") as handle:
        header = handle.readline().rstrip("\n").split("\t")
        if tuple(header[:3]) != COLUMNS[:3]:
            raise VocabularyError(
                f"{path}: header {header!r} is not {list(COLUMNS)!r}",
                hint="regenerate the file with `pmbridge vocab fetch`",
            )
        for line in handle:
            fields = line.rstrip("\n").split("\t")
            if len(fields) >= 3 and fields[2]:
                labels[fields[0]] = fields[2]
    return labels
