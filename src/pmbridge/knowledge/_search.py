"""Bilingual full-text search over the knowledge base, with facet counts.

SQLite FTS5's trigram tokenizer indexes every three-character window, so a Chinese query (no
spaces between words) or an English one matches wherever its text occurs, ranked by BM25. Terms
of one or two characters are below what trigrams can index: they are matched by a SQL function
(a substring for Chinese, a whole word for Latin script) and ranked names first.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pmbridge.knowledge._model import Bilingual

__all__ = ["Hit", "SearchQuery", "SearchResult", "install_functions", "query_terms", "search"]

_CJK = "\u3400-\u9fff\uf900-\ufaff"
_TERM = re.compile(rf"[{_CJK}]+|[^\s{_CJK}\"'“”‘’,，.。;；:：!！?？()（）、《》「」]+")
# Column weights for bm25(): slug, English name, Chinese name, English summary, Chinese summary, tags.
_WEIGHTS = "2.0, 10.0, 10.0, 1.0, 1.0, 4.0"
_NAME_WEIGHT = 10
_TEXT_WEIGHT = 1


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """Free text plus facet filters; values within one facet are alternatives, facets combine with AND."""

    text: str = ""
    types: tuple[str, ...] = ()
    jurisdictions: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    limit: int = 20
    offset: int = 0


@dataclass(frozen=True, slots=True)
class Hit:
    id: str
    type: str
    name: Bilingual
    summary: Bilingual
    jurisdiction: str
    score: float


@dataclass(frozen=True, slots=True)
class SearchResult:
    """One page of hits, the total, the terms searched for, and facet counts over all matches."""

    total: int
    hits: tuple[Hit, ...]
    terms: tuple[str, ...]
    facets: dict[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    relaxed: bool = False  # no exact match: a Chinese phrase was matched by half its pieces or more


def query_terms(text: str) -> tuple[str, ...]:
    """Split a query into terms: runs of Chinese characters, and Latin words lower-cased and lightly stemmed.

    >>> query_terms("精准医学 Biobanks")
    ('精准医学', 'biobank')
    >>> query_terms("GA4GH标准，policies")
    ('ga4gh', '标准', 'polic')
    """
    return tuple(_stem(t.lower()) for t in _TERM.findall(text))


def _stem(term: str) -> str:
    """Strip an English plural so the substring match finds singular and plural alike."""
    if not term.isascii() or len(term) < 5:
        return term
    if term.endswith("ies"):
        return term[:-3]
    if term.endswith("s") and not term.endswith(("ss", "us", "is")):
        return term[:-1]
    return term


def install_functions(db: sqlite3.Connection) -> None:
    """Register ``kb_short_match(term, names, texts)`` on ``db`` (see ``_short_match``)."""
    db.create_function("kb_short_match", 3, _short_match, deterministic=True)


def _short_match(term: str, names: str, texts: str) -> int:
    """How well a one- or two-character term matches: the name weight, the text weight, or 0.

    >>> _short_match("eu", "European Health Data Space", "EU rules"), _short_match("基因", "基因组", "")
    (1, 10)
    """
    if term.isascii():
        word = re.compile(rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])", re.IGNORECASE)
        if word.search(names):
            return _NAME_WEIGHT
        return _TEXT_WEIGHT if word.search(texts) else 0
    if term in names:
        return _NAME_WEIGHT
    return _TEXT_WEIGHT if term in texts else 0


def search(db: sqlite3.Connection, query: SearchQuery) -> SearchResult:
    """Every entry matching ``query``; hits for the requested page, facets counted over all matches.

    A Chinese phrase that occurs nowhere as written (``中国精准医学计划``) is tried once more with
    its two-character pieces, at least half of which must occur; ``relaxed`` says so.
    """
    terms = query_terms(query.text)
    rows = _rows(db, query, terms, relaxed=False)
    relaxed = not rows and any(len(t) >= 3 and _is_cjk(t) for t in terms)
    if relaxed:
        rows = _rows(db, query, terms, relaxed=True)
    hits = [Hit(r[0], r[1], Bilingual(r[2], r[3]), Bilingual(r[4], r[5]), r[6], float(r[8])) for r in rows]
    page = hits[query.offset : query.offset + query.limit]
    return SearchResult(
        total=len(hits), hits=tuple(page), terms=terms, facets=_facets(db, rows), relaxed=relaxed
    )


def _is_cjk(term: str) -> bool:
    return bool(re.fullmatch(f"[{_CJK}]+", term))


_SLUG_WORDS = "replace(substr(t.slug, instr(t.slug, ':') + 1), '-', ' ')"
_SHORT = (
    f"kb_short_match(?, t.name_en || ' / ' || t.name_zh || ' / ' || {_SLUG_WORDS}, "
    "t.summary_en || ' / ' || t.summary_zh || ' / ' || t.tags)"
)


def _rows(db: sqlite3.Connection, query: SearchQuery, terms: tuple[str, ...], *, relaxed: bool) -> list[Any]:
    pieces = [t for t in terms if relaxed and len(t) >= 3 and _is_cjk(t)]
    indexed = [t for t in terms if len(t) >= 3 and t not in pieces]
    short = [t for t in terms if len(t) < 3]
    score, score_params = (f"bm25(entity_text, {_WEIGHTS})" if indexed else "0.0"), list[object]()
    where, params = list[str](), list[object]()
    if indexed:
        where.append("entity_text MATCH ?")
        params.append(" ".join('"' + t.replace('"', '""') + '"' for t in indexed))
    for term in short:
        where.append(f"{_SHORT} > 0")
        params.append(term)
        score += f" - {_SHORT}"
        score_params.append(term)
    for phrase in pieces:  # at least half of its two-character pieces must occur
        bigrams = sorted({phrase[i : i + 2] for i in range(len(phrase) - 1)})
        where.append(f"({' + '.join(f'({_SHORT} > 0)' for _ in bigrams)}) >= ?")
        params += [*bigrams, -(-len(bigrams) // 2)]
        score += "".join(f" - {_SHORT}" for _ in bigrams)
        score_params += bigrams
    for column, values in (("e.type", query.types), ("e.jurisdiction", query.jurisdictions)):
        if values:
            where.append(f"{column} IN ({','.join('?' * len(values))})")
            params += values
    if query.domains:
        domains = [d if d.startswith("domain:") else f"domain:{d}" for d in query.domains]
        where.append(
            "EXISTS (SELECT 1 FROM link WHERE link.source = e.id AND link.relation = 'inDomain' "
            f"AND link.target IN ({','.join('?' * len(domains))}))"
        )
        params += domains
    if query.tags:
        marks = ",".join("?" * len(query.tags))
        where.append(f"EXISTS (SELECT 1 FROM json_each(e.tags) WHERE json_each.value IN ({marks}))")
        params += query.tags
    sql = (
        f"SELECT e.id, e.type, e.name_en, e.name_zh, e.summary_en, e.summary_zh, e.jurisdiction, e.tags, "
        f"{score} AS score FROM entity_text AS t JOIN entity AS e ON e.rowid = t.rowid "
        f"WHERE {' AND '.join(where) or '1'} ORDER BY score, e.id"
    )
    return db.execute(sql, (*score_params, *params)).fetchall()


def _facets(db: sqlite3.Connection, rows: list[tuple[object, ...]]) -> dict[str, tuple[tuple[str, int], ...]]:
    ids = [str(r[0]) for r in rows]
    domains: Counter[str] = Counter()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        domains.update(
            target
            for (target,) in db.execute(
                "SELECT target FROM link WHERE relation = 'inDomain' "
                f"AND source IN ({','.join('?' * len(chunk))})",
                chunk,
            )
        )
    counts = {
        "type": Counter(str(r[1]) for r in rows),
        "jurisdiction": Counter(str(r[6]) for r in rows),
        "domain": domains,
        "tag": Counter(tag for r in rows for tag in json.loads(str(r[7]))),
    }
    return {name: tuple(sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))) for name, c in counts.items()}
