"""Find HPO terms as people type them, in English or Chinese: an in-memory index built once.

English matches by word prefixes in any order ("abn heart" finds "Abnormal heart morphology");
Chinese, which has no spaces between words, by substring, narrowed through a character index.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from pmbridge.portal._i18n import Lang
from pmbridge.vocab import Hpo

_HPO_ID: Final = re.compile(r"\bHP:?\s*(\d{7})\b", re.IGNORECASE)
_WORD: Final = re.compile(r"[0-9a-z]+")
_CJK: Final = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True, slots=True)
class TermMatch:
    """One term: its id, English label and Chinese label (None where the translation has none)."""

    id: str
    en: str
    zh: str | None

    def label(self, lang: Lang) -> tuple[str, bool]:
        """``(label, is_english_fallback)`` in ``lang``."""
        return bilingual_label(self.en, self.zh, lang)


def bilingual_label(en: str, zh: str | None, lang: Lang) -> tuple[str, bool]:
    """``(label, is_english_fallback)`` in ``lang``: Chinese where there is a label, else English,
    marked as a fallback.

    >>> bilingual_label("Seizure", None, Lang.ZH)
    ('Seizure', True)
    """
    if lang is Lang.ZH:
        return (en, True) if zh is None else (zh, False)
    return en, False


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a typed phenotype names: one term, or choices for the person to pick from."""

    text: str
    term: TermMatch | None
    choices: tuple[TermMatch, ...] = ()


class TermIndex:
    """Search current HPO terms by id, English words or Chinese substrings.

    >>> index = TermIndex([
    ...     ("HP:0001250", "Seizure", "癫痫发作"),
    ...     ("HP:0001627", "Abnormal heart morphology", "心脏形态异常"),
    ...     ("HP:0033348", "Epileptic aura", None),
    ... ])
    >>> [m.id for m in index.search("heart abn")], [m.id for m in index.search("癫痫")]
    (['HP:0001627'], ['HP:0001250'])
    >>> index.search("hp:0033348")[0].label(Lang.ZH)
    ('Epileptic aura', True)
    """

    __slots__ = ("_by_char", "_by_en", "_by_id", "_by_zh", "_rows", "_word_rows", "_words", "aliases")

    def __init__(
        self, rows: Iterable[tuple[str, str, str | None]], *, aliases: Mapping[str, str] | None = None
    ) -> None:
        self._rows = tuple(TermMatch(term_id, en, zh or None) for term_id, en, zh in rows)
        self._by_id = {row.id: row for row in self._rows}
        self.aliases = dict(aliases or {})
        self._by_en: dict[str, list[TermMatch]] = {}
        self._by_zh: dict[str, list[TermMatch]] = {}
        words: dict[str, set[int]] = {}
        by_char: dict[str, set[int]] = {}
        for position, row in enumerate(self._rows):
            self._by_en.setdefault(row.en.casefold(), []).append(row)
            for word in _WORD.findall(row.en.casefold()):
                words.setdefault(word, set()).add(position)
            if row.zh:
                self._by_zh.setdefault(row.zh, []).append(row)
                for char in set(row.zh):
                    by_char.setdefault(char, set()).add(position)
        self._words = sorted(words)
        self._word_rows = [frozenset(words[w]) for w in self._words]
        self._by_char = {char: frozenset(rows) for char, rows in by_char.items()}

    @classmethod
    def from_hpo(cls, hpo: Hpo) -> TermIndex:
        """Every current term of ``hpo`` with its labels; obsolete and alternative ids as aliases."""
        rows = []
        for term_id in hpo:
            term = hpo.term(term_id)
            rows.append((term.id, term.name, term.name_zh))
        aliases = {old: new for old, new in hpo.id_pairs() if old != new}
        return cls(rows, aliases=aliases)

    def get(self, term_id: str) -> TermMatch | None:
        """The current term for an id (an obsolete or alternative id gives its replacement)."""
        wanted = term_id.strip().upper()
        return self._by_id.get(self.aliases.get(wanted, wanted))

    def search(self, text: str, *, limit: int = 10) -> list[TermMatch]:
        """The best ``limit`` terms for ``text``: exact labels first, then prefixes, then shorter labels."""
        query = text.strip()
        if not query or limit <= 0:
            return []
        found = _HPO_ID.fullmatch(query)
        if found is not None:
            term = self.get(f"HP:{found.group(1)}")
            return [term] if term is not None else []
        if _CJK.search(query):
            return self._search_zh(query, limit)
        return self._search_en(query.casefold(), limit)

    def resolve(self, text: str) -> Resolution:
        """The term a submitted label or id names; several close terms become choices."""
        query = text.strip()
        found = _HPO_ID.search(query)
        if found is not None:
            return Resolution(query, self.get(f"HP:{found.group(1)}"))
        exact = self._by_en.get(query.casefold()) or self._by_zh.get(query) or []
        if len(exact) == 1:
            return Resolution(query, exact[0])
        choices = tuple(exact) or tuple(self.search(query, limit=8))
        if len(choices) == 1:
            return Resolution(query, choices[0])
        return Resolution(query, None, choices)

    def __len__(self) -> int:
        return len(self._rows)

    def _search_zh(self, query: str, limit: int) -> list[TermMatch]:
        sets = sorted((self._by_char.get(char, frozenset()) for char in set(query)), key=len)
        candidates = set(sets[0]).intersection(*sets[1:]) if sets else set()
        hits = []
        for position in candidates:
            row = self._rows[position]
            label = row.zh or ""
            if query in label:
                hits.append((_place(label, query), label.index(query), len(label), row.id, position))
        return [self._rows[h[-1]] for h in sorted(hits)[:limit]]

    def _search_en(self, folded: str, limit: int) -> list[TermMatch]:
        tokens = _WORD.findall(folded)
        if not tokens:
            return []
        candidates: set[int] | None = None
        for token in tokens:
            lo = bisect_left(self._words, token)
            hi = bisect_left(self._words, token + "\uffff")
            matched: set[int] = set().union(*self._word_rows[lo:hi])
            candidates = matched if candidates is None else candidates & matched
            if not candidates:
                return []
        hits = []
        for position in candidates or ():
            row = self._rows[position]
            label = row.en.casefold()
            place = _place(label, folded)
            if place == 2 and not label.startswith(tokens[0]):
                place = 3  # the label does not even begin with the first word typed
            hits.append((place, len(label), row.id, position))
        return [self._rows[h[-1]] for h in sorted(hits)[:limit]]


def _place(label: str, query: str) -> int:
    """0 for the label itself, 1 for a label that begins with the query, 2 otherwise."""
    return 0 if label == query else 1 if label.startswith(query) else 2
