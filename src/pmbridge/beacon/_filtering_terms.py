"""Beacon filtering terms: the terms a Beacon can filter on, labelled in English and Chinese.

Each term carries ``label`` (English, as Beacon clients expect) and ``labels`` {en, zh}; a Chinese
label that is really the English one is listed in ``labelFallbacks``, never passed off as Chinese.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from pmbridge.beacon._framework import informational_meta
from pmbridge.beacon._variants import bounded
from pmbridge.errors import QueryError
from pmbridge.model import TermId


class TermType(StrEnum):
    """The Beacon filter types."""

    ONTOLOGY = "ontology"
    ALPHANUMERIC = "alphanumeric"
    CUSTOM = "custom"


_TYPE_ORDER = (TermType.ALPHANUMERIC, TermType.ONTOLOGY, TermType.CUSTOM)


@dataclass(frozen=True, slots=True)
class FilteringTerm:
    """One term a Beacon filters on.

    >>> FilteringTerm(TermType.ONTOLOGY, "HP:0001250", "Seizure", "癫痫发作").to_json()["labels"]
    {'en': 'Seizure', 'zh': '癫痫发作'}
    """

    type: TermType
    id: str
    label: str  # English
    label_zh: str  # Chinese; the English label when ``zh_fallback``
    zh_fallback: bool = False
    scopes: tuple[str, ...] = ("individual",)
    values: tuple[str, ...] = ()  # for alphanumeric terms with a closed set of values

    @property
    def sort_key(self) -> tuple[int, str]:
        return _TYPE_ORDER.index(self.type), self.id

    def to_json(self) -> dict[str, object]:
        doc: dict[str, object] = {
            "type": self.type.value,
            "id": self.id,
            "label": self.label,
            "labels": {"en": self.label, "zh": self.label_zh},
            "scopes": list(self.scopes),
        }
        if self.zh_fallback:
            doc["labelFallbacks"] = ["zh"]
        if self.values:
            doc["values"] = list(self.values)
        return doc

    @classmethod
    def from_json(cls, doc: object) -> FilteringTerm | None:
        """A term as another PM Bridge Beacon sent it; None when it is not one."""
        if not isinstance(doc, Mapping):
            return None
        term_id, label, labels = doc.get("id"), doc.get("label"), doc.get("labels")
        try:
            kind = TermType(str(doc.get("type")))
        except ValueError:
            return None
        if not isinstance(term_id, str) or not term_id:
            return None
        english = label if isinstance(label, str) else term_id
        chinese = labels.get("zh") if isinstance(labels, Mapping) else None
        fallbacks = doc.get("labelFallbacks", [])
        return cls(
            kind,
            term_id,
            english,
            chinese if isinstance(chinese, str) else english,
            zh_fallback=not isinstance(chinese, str) or (isinstance(fallbacks, list) and "zh" in fallbacks),
            scopes=_strings(doc.get("scopes")) or ("individual",),
            values=_strings(doc.get("values")),
        )


@dataclass(frozen=True, slots=True)
class OntologyResource:
    """An ontology the terms come from (Beacon ``resources``)."""

    id: str
    name: str
    url: str
    namespace_prefix: str
    iri_prefix: str
    version: str | None = None

    def to_json(self) -> dict[str, object]:
        doc: dict[str, object] = {
            "id": self.id,
            "name": self.name,
            "url": self.url,
            "nameSpacePrefix": self.namespace_prefix,
            "iriPrefix": self.iri_prefix,
        }
        if self.version is not None:
            doc["version"] = self.version
        return doc


RESOURCES: Mapping[str, OntologyResource] = {
    r.namespace_prefix: r
    for r in (
        OntologyResource(
            "hp",
            "Human Phenotype Ontology",
            "http://purl.obolibrary.org/obo/hp.owl",
            "HP",
            "http://purl.obolibrary.org/obo/HP_",
        ),
        OntologyResource(
            "ncit",
            "NCI Thesaurus",
            "http://purl.obolibrary.org/obo/ncit.owl",
            "NCIT",
            "http://purl.obolibrary.org/obo/NCIT_",
        ),
        OntologyResource(
            "omim",
            "Online Mendelian Inheritance in Man",
            "https://omim.org",
            "OMIM",
            "https://omim.org/entry/",
        ),
        OntologyResource(
            "ordo",
            "Orphanet Rare Disease Ontology",
            "http://www.orpha.net/ontology/orphanet.owl",
            "ORPHA",
            "http://www.orpha.net/ORDO/Orphanet_",
        ),
        OntologyResource(
            "mondo",
            "Mondo Disease Ontology",
            "http://purl.obolibrary.org/obo/mondo.owl",
            "MONDO",
            "http://purl.obolibrary.org/obo/MONDO_",
        ),
    )
}
"""Ontologies PM Bridge terms come from, by CURIE prefix."""


def resources_for(
    terms: Iterable[FilteringTerm], *, versions: Mapping[str, str] | None = None
) -> list[OntologyResource]:
    """The resources the ontology ``terms`` use (HPO always, since answers depend on its release).

    >>> [r.id for r in resources_for([FilteringTerm(TermType.ONTOLOGY, "OMIM:1", "x", "x")])]
    ['hp', 'omim']
    """
    prefixes = {"HP"}
    for term in terms:
        parsed = TermId.parse(term.id) if term.type is TermType.ONTOLOGY else None
        if parsed is not None and parsed.prefix in RESOURCES:
            prefixes.add(parsed.prefix)
    found = versions or {}
    return [
        replace(RESOURCES[p], version=found.get(p)) for p in sorted(prefixes, key=lambda p: RESOURCES[p].id)
    ]


@dataclass(frozen=True, slots=True)
class TermPage:
    """Which slice of the terms to return; ``limit`` 0 means all (the default, unlike result pages)."""

    skip: int = 0
    limit: int = 0

    def of(self, terms: Sequence[FilteringTerm]) -> Sequence[FilteringTerm]:
        end = None if self.limit == 0 else self.skip + self.limit
        return terms[self.skip : end]


def term_page_from_query(params: Mapping[str, str]) -> TermPage:
    """Paging of ``GET …/filtering_terms?skip=…&limit=…``.

    >>> term_page_from_query({"skip": "5", "limit": "10"})
    TermPage(skip=5, limit=10)
    """
    return TermPage(_count(params.get("skip", 0), "skip"), _count(params.get("limit", 0), "limit"))


def term_page_from_body(body: object) -> TermPage:
    """Paging of a ``POST …/filtering_terms`` Beacon request body (``query.pagination``)."""
    if body is None:
        return TermPage()
    query = _mapping(body, "$").get("query", {})
    pagination = _mapping(query, "$.query").get("pagination", {})
    page = _mapping(pagination, "$.query.pagination")
    return TermPage(
        _count(page.get("skip", 0), "$.query.pagination.skip"),
        _count(page.get("limit", 0), "$.query.pagination.limit"),
    )


def filtering_terms_response(
    *,
    beacon_id: str,
    terms: Sequence[FilteringTerm],
    resources: Sequence[OntologyResource],
    page: TermPage,
    info: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """The beaconFilteringTermsResponse for the ``page`` of ``terms`` (sorted here)."""
    ordered = sorted(terms, key=lambda t: t.sort_key)
    return {
        "meta": informational_meta(beacon_id),
        "response": {
            "filteringTerms": [term.to_json() for term in page.of(ordered)],
            "resources": [resource.to_json() for resource in resources],
        },
        "info": {
            "totalTerms": len(ordered),
            "skip": page.skip,
            "limit": page.limit,
            "labelLanguages": ["en", "zh"],
            **(info or {}),
        },
    }


def merge_filtering_terms(
    docs: Iterable[Mapping[str, object]],
) -> tuple[list[FilteringTerm], list[OntologyResource]]:
    """The union of several Beacons' filtering-terms responses (the hub's network view).

    A term's scopes and values are united; a real Chinese label wins over a fallback. Resources
    that differ in version between Beacons list every version, comma-separated.
    """
    terms: dict[str, FilteringTerm] = {}
    versions: dict[str, set[str]] = {}
    for doc in docs:
        response = doc.get("response")
        if not isinstance(response, Mapping):
            continue
        for item in _list(response.get("filteringTerms")):
            term = FilteringTerm.from_json(item)
            if term is not None:
                terms[term.id] = _united(terms.get(term.id), term)
        for item in _list(response.get("resources")):
            if not isinstance(item, Mapping) or item.get("nameSpacePrefix") not in RESOURCES:
                continue
            version = item.get("version")
            found = versions.setdefault(str(item["nameSpacePrefix"]), set())
            found.update([version] if isinstance(version, str) else [])
    merged = list(terms.values())
    joined = {prefix: ", ".join(sorted(v)) for prefix, v in versions.items() if v}
    used = resources_for(merged, versions=joined)
    known = {r.namespace_prefix for r in used}
    extra = [replace(RESOURCES[p], version=joined.get(p)) for p in sorted(versions) if p not in known]
    return merged, used + extra


def _united(old: FilteringTerm | None, new: FilteringTerm) -> FilteringTerm:
    if old is None:
        return new
    best = new if old.zh_fallback and not new.zh_fallback else old
    return replace(
        best,
        scopes=tuple(sorted(set(old.scopes) | set(new.scopes))),
        values=tuple(sorted(set(old.values) | set(new.values))),
    )


def _count(value: object, where: str) -> int:
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or len(text) > 40:
        raise QueryError(f"{where} must be an integer >= 0, got {value!r}", hint="e.g. skip=0&limit=100")
    return bounded(int(text), value, where, minimum=0)


def _mapping(value: object, where: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise QueryError(f"{where} must be a JSON object", hint="see the Beacon v2 request body schema")
    return value


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _strings(value: object) -> tuple[str, ...]:
    return tuple(v for v in _list(value) if isinstance(v, str))
