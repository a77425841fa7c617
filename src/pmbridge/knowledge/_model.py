"""The knowledge base's typed model: entities, their bilingual text, typed links, and the rules between kinds.

Pure data; reading, validation and storage build on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "ACTION_STATUSES",
    "DOMAIN_IDS",
    "JURISDICTIONS",
    "STAKEHOLDER_KINDS",
    "ActionStatus",
    "Bilingual",
    "Entity",
    "EntityType",
    "Link",
    "Relation",
    "StakeholderKind",
]


class EntityType(StrEnum):
    """The kinds of entry; the value is the JSON-LD ``type`` term."""

    POLICY = "Policy"
    PROGRAMME = "Programme"
    STAKEHOLDER = "Stakeholder"
    STANDARD = "Standard"
    INITIATIVE = "Initiative"
    ACTION = "RoadmapAction"
    DOMAIN = "Domain"
    BARRIER = "Barrier"
    FACILITATOR = "Facilitator"

    @property
    def prefix(self) -> str:
        """The id prefix of this kind: ``EntityType.ACTION.prefix`` → ``'action'``."""
        return _PREFIXES[self]

    @classmethod
    def of_prefix(cls, prefix: str) -> EntityType | None:
        """The kind whose ids start with ``prefix:``, or None.

        >>> EntityType.of_prefix("policy")
        <EntityType.POLICY: 'Policy'>
        """
        return _BY_PREFIX.get(prefix)


_PREFIXES: dict[EntityType, str] = {
    EntityType.POLICY: "policy",
    EntityType.PROGRAMME: "programme",
    EntityType.STAKEHOLDER: "stakeholder",
    EntityType.STANDARD: "standard",
    EntityType.INITIATIVE: "initiative",
    EntityType.ACTION: "action",
    EntityType.DOMAIN: "domain",
    EntityType.BARRIER: "barrier",
    EntityType.FACILITATOR: "facilitator",
}
_BY_PREFIX = {prefix: kind for kind, prefix in _PREFIXES.items()}


class StakeholderKind(StrEnum):
    FUNDER = "funder"
    AGENCY = "agency"
    BIOBANK = "biobank"
    HOSPITAL = "hospital"
    COMPANY = "company"
    PATIENT_GROUP = "patient-group"
    RESEARCH_CENTRE = "research-centre"
    STANDARDS_BODY = "standards-body"
    NETWORK = "network"


class ActionStatus(StrEnum):
    PROPOSED = "proposed"
    IN_PROGRESS = "in-progress"
    DONE = "done"
    STALLED = "stalled"


STAKEHOLDER_KINDS = tuple(k.value for k in StakeholderKind)
ACTION_STATUSES = tuple(s.value for s in ActionStatus)

# The 27 EU member states by ISO 3166-1 alpha-2 (Greece is GR, not the EU's own "EL").
_EU_MEMBER_STATES = (
    "AT",
    "BE",
    "BG",
    "CY",
    "CZ",
    "DE",
    "DK",
    "EE",
    "ES",
    "FI",
    "FR",
    "GR",
    "HR",
    "HU",
    "IE",
    "IT",
    "LT",
    "LU",
    "LV",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SE",
    "SI",
    "SK",
)
JURISDICTIONS: tuple[str, ...] = ("EU", "CN", "INT", *_EU_MEMBER_STATES)

# The roadmap's seven areas, in the roadmap's order.
DOMAIN_IDS: tuple[str, ...] = (
    "domain:empowered-citizens",
    "domain:trained-workforce",
    "domain:sustainable-health-systems",
    "domain:innovation-to-market",
    "domain:big-data-ict",
    "domain:research-funding",
    "domain:translating-research-into-care",
)


@dataclass(frozen=True, slots=True)
class Relation:
    """A typed link kind: its JSON-LD key, which kinds it may start and end at, and its labels."""

    key: str
    sources: frozenset[EntityType] | None  # None: any kind
    targets: frozenset[EntityType] | None
    label_en: str
    label_zh: str
    inverse_en: str
    inverse_zh: str

    @classmethod
    def all(cls) -> tuple[Relation, ...]:
        return _RELATIONS

    @classmethod
    def of(cls, key: str) -> Relation | None:
        """The relation with JSON-LD key ``key``, or None."""
        return _RELATION_BY_KEY.get(key)


_T = EntityType


def _kinds(*kinds: EntityType) -> frozenset[EntityType]:
    return frozenset(kinds)


_RELATIONS: tuple[Relation, ...] = (
    Relation("implements", None, _kinds(_T.POLICY), "implements", "实施", "implemented by", "由其实施"),
    Relation(
        "funds",
        _kinds(_T.STAKEHOLDER, _T.PROGRAMME),
        _kinds(_T.PROGRAMME, _T.INITIATIVE),
        "funds",
        "资助",
        "funded by",
        "受其资助",
    ),
    Relation(
        "adoptsStandard", None, _kinds(_T.STANDARD), "adopts standard", "采用标准", "adopted by", "被其采用"
    ),
    Relation(
        "memberOf",
        None,
        _kinds(_T.INITIATIVE, _T.STAKEHOLDER),
        "member of",
        "成员属于",
        "has member",
        "成员包括",
    ),
    Relation(
        "partOf",
        None,
        _kinds(_T.PROGRAMME, _T.INITIATIVE, _T.POLICY),
        "part of",
        "隶属于",
        "has part",
        "包含",
    ),
    Relation(
        "addressesBarrier",
        None,
        _kinds(_T.BARRIER),
        "addresses barrier",
        "应对障碍",
        "addressed by",
        "由其应对",
    ),
    Relation(
        "responsibleFor",
        _kinds(_T.STAKEHOLDER),
        _kinds(_T.ACTION),
        "responsible for",
        "负责",
        "responsibility of",
        "负责方",
    ),
    Relation(
        "inDomain",
        _kinds(_T.ACTION, _T.BARRIER, _T.FACILITATOR, _T.POLICY, _T.PROGRAMME, _T.INITIATIVE),
        _kinds(_T.DOMAIN),
        "in domain",
        "所属领域",
        "covers",
        "涵盖",
    ),
    Relation(
        "supports",
        _kinds(_T.FACILITATOR),
        _kinds(_T.ACTION),
        "supports",
        "支持",
        "supported by",
        "受其支持",
    ),
    Relation(
        "develops",
        _kinds(_T.STAKEHOLDER),
        _kinds(_T.STANDARD),
        "develops",
        "制定",
        "developed by",
        "制定方",
    ),
    Relation(
        "governs",
        _kinds(_T.POLICY),
        _kinds(_T.STAKEHOLDER, _T.INITIATIVE),
        "governs",
        "规制",
        "governed by",
        "受其规制",
    ),
    Relation("relatedTo", None, None, "related to", "相关", "related to", "相关"),
)
_RELATION_BY_KEY = {r.key: r for r in _RELATIONS}


@dataclass(frozen=True, slots=True)
class Bilingual:
    """A text in English (``en``) and Simplified Chinese (``zh-Hans``)."""

    en: str
    zh: str

    def in_lang(self, lang: str) -> str:
        """The text in ``lang`` (``zh…`` → Chinese, anything else → English), falling back to the other."""
        if lang.lower().startswith("zh"):
            return self.zh or self.en
        return self.en or self.zh


@dataclass(frozen=True, slots=True, order=True)
class Link:
    """One typed edge from the entity that holds it to ``target``."""

    relation: str
    target: str


@dataclass(frozen=True, slots=True)
class Entity:
    """One knowledge-base entry, as valid as validation made it (see ``_validate``)."""

    id: str
    type: EntityType
    name: Bilingual
    summary: Bilingual
    jurisdiction: str
    url: str
    tags: tuple[str, ...] = ()
    start_date: str | None = None
    end_date: str | None = None
    stakeholder_kind: str | None = None
    status: str | None = None
    links: tuple[Link, ...] = ()

    def targets(self, relation: str) -> tuple[str, ...]:
        """The ids this entity links to by ``relation``, in file order."""
        return tuple(link.target for link in self.links if link.relation == relation)
