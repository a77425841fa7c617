"""The knowledge search page's question and facets: read from the query string (the whole state, so a
URL shares a search), turned into ``/api/kb/search`` parameters, and each facet value a link that
refines the search or, when it is already chosen, takes it back out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlencode

from pmbridge.portal._i18n import N_, Lang
from pmbridge.portal._kb_entity import Linked, linked
from pmbridge.portal._kb_words import in_lang

PAGE_SIZE: Final = 20
MAX_TEXT: Final = 200  # as /api/kb/search accepts
MAX_PAGE: Final = 1000
FACETS: Final = (
    ("type", N_("Type")),
    ("jurisdiction", N_("Jurisdiction")),
    ("domain", N_("Domain")),
    ("tag", N_("Tag")),
)
FACET_VALUES_SHOWN: Final = 12
SUGGESTIONS: Final = (
    ("个人信息保护法", "zh-Hans"),
    ("biobank", "en"),
    ("精准医学", "zh-Hans"),
    ("GA4GH", "en"),
    ("rare disease", "en"),
    ("数据安全", "zh-Hans"),
)
"""Example searches (words, their language tag) for the empty state; each finds entries of the seed."""


@dataclass(frozen=True, slots=True)
class KbQuery:
    """Words, the chosen facet values (``filters``: facet -> values) and the page of results."""

    text: str = ""
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    page: int = 1

    @property
    def empty(self) -> bool:
        """Nothing asked: the page shows how to start."""
        return not self.text and not self.filters

    def chosen(self, facet: str) -> tuple[str, ...]:
        return dict(self.filters).get(facet, ())

    def pairs(self) -> list[tuple[str, str]]:
        """The query string of this search (without the page)."""
        found = [("q", self.text)] if self.text else []
        return found + [(facet, value) for facet, values in self.filters for value in values]

    def api_params(self, lang: Lang) -> list[tuple[str, str]]:
        """The parameters of ``/api/kb/search`` for this page of results."""
        offset = (self.page - 1) * PAGE_SIZE
        return [*self.pairs(), ("lang", lang.html), ("limit", str(PAGE_SIZE)), ("offset", str(offset))]

    def url(self, *, toggle: tuple[str, str] | None = None, page: int = 1, text: str | None = None) -> str:
        """This search's URL, with one facet value added or removed, another page, or other words.

        >>> q = KbQuery("gdpr", (("type", ("Policy",)),))
        >>> q.url(toggle=("type", "Policy")), q.url(toggle=("tag", "consent"), page=2)
        ('/knowledge?q=gdpr', '/knowledge?q=gdpr&type=Policy&tag=consent&page=2')
        """
        filters = dict(self.filters)
        if toggle is not None:
            facet, value = toggle
            values = filters.get(facet, ())
            filters[facet] = tuple(v for v in values if v != value) if value in values else (*values, value)
        words = self.text if text is None else text
        pairs = [("q", words)] if words else []
        pairs += [(facet, value) for facet, _ in FACETS for value in filters.get(facet, ())]
        if page > 1:
            pairs.append(("page", str(page)))
        return f"/knowledge?{urlencode(pairs)}" if pairs else "/knowledge"


def read_kb_query(items: Sequence[tuple[str, str]]) -> KbQuery:
    """The search a query string asks; repeated and blank values are dropped, the page kept in range.

    >>> read_kb_query([("q", "  biobank "), ("type", "Policy"), ("type", "Policy"), ("page", "x")])
    KbQuery(text='biobank', filters=(('type', ('Policy',)),), page=1)
    """
    text = " ".join(v for k, v in items if k == "q").strip()[:MAX_TEXT]
    filters = []
    for facet, _ in FACETS:
        values = tuple(dict.fromkeys(v.strip() for k, v in items if k == facet and v.strip()))
        if values:
            filters.append((facet, values))
    page_text = next((v for k, v in items if k == "page"), "1")
    page = int(page_text) if page_text.isdigit() else 1
    return KbQuery(text=text, filters=tuple(filters), page=min(max(page, 1), MAX_PAGE))


@dataclass(frozen=True, slots=True)
class FacetValue:
    """One value of a facet: what it is, how many matches have it, and the link that toggles it."""

    value: str
    label: str
    count: int
    chosen: bool
    url: str


@dataclass(frozen=True, slots=True)
class Facet:
    """A facet (its catalogue title) with its values, the most frequent first; ``more`` were cut."""

    name: str
    title: str
    values: tuple[FacetValue, ...]
    more: int


def facets(query: KbQuery, counted: Mapping[str, object]) -> list[Facet]:
    """The facets of ``/api/kb/search``'s answer as links; chosen values always stay in the list."""
    found = []
    for name, title in FACETS:
        listed = counted.get(name)
        rows = [r for r in listed if isinstance(r, Mapping)] if isinstance(listed, list) else []
        chosen = query.chosen(name)
        values = [
            FacetValue(
                value=str(r.get("value", "")),
                label=str(r.get("label") or r.get("value", "")),
                count=int(str(r.get("count", 0))),
                chosen=str(r.get("value", "")) in chosen,
                url=query.url(toggle=(name, str(r.get("value", "")))),
            )
            for r in rows
        ]
        shown = [v for i, v in enumerate(values) if i < FACET_VALUES_SHOWN or v.chosen]
        if shown:
            found.append(Facet(name, title, tuple(shown), more=len(values) - len(shown)))
    return found


@dataclass(frozen=True, slots=True)
class Chosen:
    """A chosen facet value, shown above the results with the link that takes it out."""

    facet: str
    value: str
    label: str
    url: str


def chosen_values(query: KbQuery, found: Sequence[Facet]) -> list[Chosen]:
    """Every chosen facet value, labelled as its facet lists it (a value no match has keeps its id)."""
    labels = {(f.name, v.value): v.label for f in found for v in f.values}
    return [
        Chosen(facet, value, labels.get((facet, value), value), query.url(toggle=(facet, value)))
        for facet, values in query.filters
        for value in values
    ]


@dataclass(frozen=True, slots=True)
class Found:
    """One result: the entry and its summary in the page's language."""

    entry: Linked
    summary: str


def found_entries(answer: Mapping[str, object], lang: Lang) -> list[Found]:
    """The hits of ``/api/kb/search``'s answer, best first."""
    listed = answer.get("hits")
    rows = [h for h in listed if isinstance(h, Mapping)] if isinstance(listed, list) else []
    return [Found(linked(h, lang), in_lang(h.get("summary"), lang)[0]) for h in rows]


@dataclass(frozen=True, slots=True)
class Pages:
    """Where this page of results is: its first and last result, and the neighbouring pages' links."""

    first: int
    last: int
    total: int
    previous: str
    next: str


def pages(query: KbQuery, total: int) -> Pages:
    """The paging of ``total`` results for the page ``query`` asks.

    >>> pages(KbQuery("data", page=2), 45)
    Pages(first=21, last=40, total=45, previous='/knowledge?q=data', next='/knowledge?q=data&page=3')
    """
    first = (query.page - 1) * PAGE_SIZE + 1
    last = min(query.page * PAGE_SIZE, total)
    return Pages(
        first=first if total else 0,
        last=last,
        total=total,
        previous=query.url(page=query.page - 1) if query.page > 1 else "",
        next=query.url(page=query.page + 1) if last < total else "",
    )
