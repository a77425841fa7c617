"""Validation of knowledge-base entries: plain JSON objects in, typed entities and every problem out.

Nothing raises on a bad entry: each problem names the entry, the field and what is wrong, so one
pass over a file lists all of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from pmbridge.knowledge._model import (
    ACTION_STATUSES,
    DOMAIN_IDS,
    JURISDICTIONS,
    STAKEHOLDER_KINDS,
    Bilingual,
    Entity,
    EntityType,
    Link,
    Relation,
)

__all__ = ["Problem", "Validation", "validate_entries"]

_SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
_ID = re.compile(rf"(?P<prefix>[a-z]+):(?P<slug>{_SLUG})")
_TAG = re.compile(r"[a-z0-9][a-z0-9 .+/&'-]*")
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LANGS = ("en", "zh-Hans")
_SCALARS = ("id", "type", "name", "summary", "jurisdiction", "url", "startDate", "endDate", "tags")
_KEYS = frozenset((*_SCALARS, "stakeholderKind", "status", *(r.key for r in Relation.all())))

_Reporter = Callable[[str, str], None]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an entry: ``entry`` is its id (or ``#N`` when it has none), ``field`` the key."""

    entry: str
    field: str
    message: str
    source: str = ""

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source else ""
        return f"{where}{self.entry} {self.field}: {self.message}"


@dataclass(frozen=True, slots=True)
class Validation:
    """The entries that were valid and every problem found; the input is good when ``problems`` is empty."""

    entities: tuple[Entity, ...]
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def validate_entries(
    entries: Sequence[tuple[str, object]], *, known: Mapping[str, EntityType] | None = None
) -> Validation:
    """Check ``(source, entry)`` pairs together; links may point at each other or at ``known`` ids."""
    problems: list[Problem] = []
    drafts: list[_Draft] = []
    seen: dict[str, str] = {}
    for index, (source, raw) in enumerate(entries, start=1):
        draft = _entry(raw, index=index, source=source)
        problems += draft.problems
        if draft.id is None or draft.kind is None:
            continue
        if draft.id in seen:
            where = f" (first in {seen[draft.id]})" if seen[draft.id] else ""
            problems.append(Problem(draft.id, "id", f"duplicate id{where}", source))
            continue
        seen[draft.id] = source
        drafts.append(draft)
    kinds = dict(known or {}) | {d.id: d.kind for d in drafts if d.id and d.kind}
    for draft in drafts:
        problems += _links(draft, kinds)
    bad = {p.entry for p in problems}
    entities = tuple(d.entity for d in drafts if d.entity is not None and d.entity.id not in bad)
    return Validation(entities, tuple(problems))


@dataclass(frozen=True, slots=True)
class _Draft:
    """What one entry yielded: the entity when it is valid on its own, and enough to check its links."""

    id: str | None
    kind: EntityType | None
    links: tuple[Link, ...]
    source: str
    entity: Entity | None
    problems: list[Problem]


def _entry(raw: object, *, index: int, source: str) -> _Draft:
    if not isinstance(raw, Mapping):
        problem = Problem(f"#{index}", "(entry)", "must be a JSON object", source)
        return _Draft(None, None, (), source, None, [problem])
    raw_id = raw.get("id")
    label = raw_id if isinstance(raw_id, str) and raw_id else f"#{index}"
    problems: list[Problem] = []

    def bad(field: str, message: str) -> None:
        problems.append(Problem(label, field, message, source))

    for key in sorted(set(raw) - _KEYS):
        hint = " (the @context belongs to the document, not to entries)" if key == "@context" else ""
        bad(key, f"unknown field{hint}")
    kind = _type(raw.get("type"), bad)
    entity_id = _id(raw_id, kind, bad)
    name = _bilingual(raw.get("name"), "name", bad, need_cjk=False)
    summary = _bilingual(raw.get("summary"), "summary", bad, need_cjk=True)
    jurisdiction = raw.get("jurisdiction")
    if jurisdiction not in JURISDICTIONS:
        bad("jurisdiction", f"{jurisdiction!r} is not EU, CN, INT or an EU member state's code (DE, FR, …)")
    url = _url(raw.get("url"), bad)
    start = _date(raw.get("startDate"), "startDate", bad)
    end = _date(raw.get("endDate"), "endDate", bad)
    if start and end and end[: len(start)] < start[: len(end)]:
        bad("endDate", f"{end} is before startDate {start}")
    tags = _tags(raw.get("tags"), bad)
    stakeholder_kind = _only_for(
        raw, "stakeholderKind", owner=EntityType.STAKEHOLDER, kind=kind, allowed=STAKEHOLDER_KINDS, bad=bad
    )
    status = _only_for(raw, "status", owner=EntityType.ACTION, kind=kind, allowed=ACTION_STATUSES, bad=bad)
    if kind is EntityType.DOMAIN and entity_id is not None and entity_id not in DOMAIN_IDS:
        bad("id", f"the roadmap has seven domains: {', '.join(DOMAIN_IDS)}")
    links = _raw_links(raw, bad)
    entity = None
    if not problems and kind and entity_id and name and summary and url:
        entity = Entity(
            id=entity_id,
            type=kind,
            name=name,
            summary=summary,
            jurisdiction=str(jurisdiction),
            url=url,
            tags=tags,
            start_date=start,
            end_date=end,
            stakeholder_kind=stakeholder_kind,
            status=status,
            links=links,
        )
    return _Draft(entity_id, kind, links, source, entity, problems)


def _type(value: object, bad: _Reporter) -> EntityType | None:
    kind = next((k for k in EntityType if k.value == value), None)
    if kind is None:
        found = "missing" if value is None else f"{value!r} is not"
        bad("type", f"{found}: one of {', '.join(k.value for k in EntityType)}")
    return kind


def _id(value: object, kind: EntityType | None, bad: _Reporter) -> str | None:
    if not isinstance(value, str) or not value:
        bad("id", "missing: every entry needs an id like 'policy:gdpr'")
        return None
    match = _ID.fullmatch(value)
    if match is None:
        bad("id", f"{value!r} is not '<kind>:<slug>' with a lowercase slug of letters, digits and hyphens")
        return None
    if EntityType.of_prefix(match["prefix"]) is None:
        bad("id", f"unknown prefix {match['prefix']!r}")
        return None
    if kind is not None and match["prefix"] != kind.prefix:
        bad("id", f"a {kind.value} id starts with '{kind.prefix}:'")
        return None
    return value


def _bilingual(value: object, field: str, bad: _Reporter, *, need_cjk: bool) -> Bilingual | None:
    if not isinstance(value, Mapping):
        bad(field, 'missing: needs {"en": "…", "zh-Hans": "…"}')
        return None
    # Language tags are case-insensitive (BCP 47); JSON-LD processors write "zh-hans".
    texts = {str(lang).lower(): text for lang, text in value.items()}
    ok = len(texts) == len(value)
    if not ok:
        bad(field, "gives a language twice")
    for lang in sorted(set(texts) - {lang.lower() for lang in _LANGS}):
        bad(f"{field}.{lang}", "unsupported language; use 'en' and 'zh-Hans'")
        ok = False
    for lang in _LANGS:
        text = texts.get(lang.lower())
        if not isinstance(text, str) or not text.strip():
            bad(f"{field}.{lang}", "missing or empty")
            ok = False
        elif text != text.strip():
            bad(f"{field}.{lang}", "has leading or trailing whitespace")
            ok = False
        elif lang == "zh-Hans" and need_cjk and not _CJK.search(text):
            bad(f"{field}.{lang}", "contains no Chinese characters")
            ok = False
    return Bilingual(en=str(texts["en"]), zh=str(texts["zh-hans"])) if ok else None


def _url(value: object, bad: _Reporter) -> str | None:
    if not isinstance(value, str) or not value:
        bad("url", "missing: every entry cites a public source URL")
        return None
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.netloc or any(c.isspace() for c in value):
        bad("url", f"{value!r} is not an https URL")
        return None
    return value


def _date(value: object, field: str, bad: _Reporter) -> str | None:
    if value is None:
        return None
    match = _DATE.fullmatch(value) if isinstance(value, str) else None
    try:
        if match is None:
            raise ValueError
        year, month, day = match.groups()
        date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        bad(field, f"{value!r} is not a date YYYY-MM-DD, YYYY-MM or YYYY")
        return None
    return str(value)


def _tags(value: object, bad: _Reporter) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        bad("tags", "must be a list of keywords")
        return ()
    for tag in value:
        if not isinstance(tag, str) or not _TAG.fullmatch(tag) or tag != tag.strip():
            bad("tags", f"{tag!r} is not a lowercase keyword (letters, digits, spaces, . + / & ' -)")
    if len(set(map(str, value))) != len(value):
        bad("tags", "lists a tag twice")
    return tuple(str(t) for t in value)


def _only_for(
    raw: Mapping[str, object],
    field: str,
    *,
    owner: EntityType,
    kind: EntityType | None,
    allowed: tuple[str, ...],
    bad: _Reporter,
) -> str | None:
    value = raw.get(field)
    if kind is not owner:
        if value is not None:
            bad(field, f"only a {owner.value} has {field}")
        return None
    if value not in allowed:
        bad(field, f"{value!r} is not one of {', '.join(allowed)}" if value is not None else "missing")
        return None
    return str(value)


def _raw_links(raw: Mapping[str, object], bad: _Reporter) -> tuple[Link, ...]:
    links: list[Link] = []
    for relation in Relation.all():
        value = raw.get(relation.key)
        if value is None:
            continue
        targets = [value] if isinstance(value, str) else value
        if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
            bad(relation.key, "must be a list of ids")
            continue
        if len(set(targets)) != len(targets):
            bad(relation.key, "lists an id twice")
        links += (Link(relation.key, str(t)) for t in targets)
    return tuple(links)


def _links(draft: _Draft, kinds: Mapping[str, EntityType]) -> list[Problem]:
    assert draft.id is not None  # only identified drafts get here
    assert draft.kind is not None
    problems: list[Problem] = []

    def bad(field: str, message: str) -> None:
        problems.append(Problem(str(draft.id), field, message, draft.source))

    for link in draft.links:
        relation = Relation.of(link.relation)
        assert relation is not None  # _raw_links reads only known relations
        if relation.sources is not None and draft.kind not in relation.sources:
            allowed = ", ".join(sorted(k.value for k in relation.sources))
            bad(link.relation, f"only {allowed} may have {link.relation}")
        target = kinds.get(link.target)
        if link.target == draft.id:
            bad(link.relation, "links to itself")
        elif target is None:
            bad(link.relation, f"{link.target!r} is not a known entry")
        elif relation.targets is not None and target not in relation.targets:
            allowed = ", ".join(sorted(k.value for k in relation.targets))
            bad(link.relation, f"{link.target} is a {target.value}; {link.relation} points to {allowed}")
    return problems
