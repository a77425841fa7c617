"""The GA4GH Data Use Ontology terms (from ``duo/duo_terms.tsv``) with English and Chinese labels.

The hierarchy of permissions (GRU ⊃ HMB ⊃ DS) comes from the file's parents, not from code, so a
newer DUO release changes the matching without a code change.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from pmbridge.errors import ReferenceDataMissing
from pmbridge.policy._duo_zh import DUO_LABELS_ZH

DUO_TERMS_FILE: Final = "duo/duo_terms.tsv"


@dataclass(frozen=True, slots=True)
class DuoTerm:
    """One DUO class: ``category`` is permission, modifier, research-type, a root, or obsolete."""

    id: str
    shorthand: str
    label: str
    definition: str
    parents: tuple[str, ...]
    category: str
    obsolete: bool


@dataclass(frozen=True, slots=True)
class DuoLabel:
    """A label for the portal. ``reviewed`` is False for translations no domain expert has checked."""

    text: str
    lang: Literal["en", "zh"]
    reviewed: bool


class DuoVocabulary:
    """DUO terms by id, looked up by id (``DUO:0000042``) or shorthand (``GRU``)."""

    def __init__(self, terms: Iterable[DuoTerm], *, source: str = "in memory") -> None:
        self.terms: Mapping[str, DuoTerm] = {t.id: t for t in terms}
        self._by_shorthand = {t.shorthand: t for t in self.terms.values() if t.shorthand and not t.obsolete}
        self.source = source

    def term(self, code: str) -> DuoTerm | None:
        """The term for an id or a shorthand (shorthands are upper case: ``HMB``), or None."""
        text = code.strip()
        return self.terms.get(text) or self._by_shorthand.get(text.upper())

    def ancestors(self, code: str) -> frozenset[str]:
        """Every DUO id above ``code`` (not including it)."""
        found: set[str] = set()
        term = self.term(code)
        stack = list(term.parents) if term else []
        while stack:
            parent = stack.pop()
            if parent not in found:
                found.add(parent)
                above = self.terms.get(parent)
                stack.extend(above.parents if above else ())
        return frozenset(found)

    def label(self, code: str, *, lang: Literal["en", "zh"] = "en") -> DuoLabel:
        """The term's label; Chinese where a translation exists, else English (``lang`` says which)."""
        term = self.term(code)
        if term is None:
            return DuoLabel(code, "en", reviewed=False)
        if lang == "zh" and term.id in DUO_LABELS_ZH:
            return DuoLabel(DUO_LABELS_ZH[term.id], "zh", reviewed=False)
        return DuoLabel(term.label, "en", reviewed=True)

    def display(self, code: str, *, lang: Literal["en", "zh"] = "en") -> str:
        """``GRU — general research use`` style text for catalogues.

        >>> gru = DuoTerm("DUO:0000042", "GRU", "general research use", "", (), "permission", False)
        >>> vocab = DuoVocabulary([gru])
        >>> vocab.display("DUO:0000042", lang="zh")
        'GRU — 一般研究用途'
        """
        term = self.term(code)
        label = self.label(code, lang=lang).text
        return f"{term.shorthand} — {label}" if term is not None and term.shorthand else label


def load_duo_terms(data_dir: Path) -> DuoVocabulary:
    """Read ``duo/duo_terms.tsv`` from the reference-data directory."""
    path = data_dir / DUO_TERMS_FILE
    if not path.is_file():
        raise ReferenceDataMissing(
            f"DUO term list not found at {path}",
            hint="point PMBRIDGE_DATA_DIR at a data directory holding duo/duo_terms.tsv (see docs/policy.md)",
        )
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return DuoVocabulary(
        (
            DuoTerm(
                id=row["id"],
                shorthand=row["shorthand"],
                label=row["label"],
                definition=row["definition"],
                parents=tuple(p for p in row["parent_ids"].split(";") if p),
                category=row["category"],
                obsolete=row["obsolete"] == "true",
            )
            for row in rows
        ),
        source=str(path),
    )
