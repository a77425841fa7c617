"""A node's cross-border policy, read from the ``[policy]`` table of its TOML config.

Every field has a safe default (nothing but aggregates leaves, no genetic output leaves China),
so a missing table is the strictest policy, and a data protection officer can only loosen the
rules by naming a legal route. Thresholds may be lowered, never raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from pmbridge.errors import ConfigError
from pmbridge.model import Jurisdiction
from pmbridge.policy._jurisdiction import jurisdiction_of
from pmbridge.policy._purposes import ALLOWED_PURPOSES, Purpose
from pmbridge.policy._settings import (
    DEFAULT_CN_PERSONAL_PEOPLE,
    DEFAULT_CN_SENSITIVE_PEOPLE,
    DEFAULT_HGR_GENETIC_PEOPLE,
    POLICY_SETTINGS,
    CnExportRoute,
    TransferMechanism,
)

_E = TypeVar("_E", TransferMechanism, CnExportRoute)
_KNOWN = frozenset(s.name.removeprefix("policy.") for s in POLICY_SETTINGS if ".thresholds." not in s.name)
_KNOWN_THRESHOLDS = frozenset(
    s.name.removeprefix("policy.thresholds.") for s in POLICY_SETTINGS if ".thresholds." in s.name
)
_EU_ONLY = ("transfer_mechanism", "tia_ref")
_CN_ONLY = ("cn_export_route", "pipia_ref", "hgr_filing_id", "hgr_review_id")


@dataclass(frozen=True, slots=True)
class PolicyThresholds:
    """Yearly volume limits of X3 and X4, in distinct people per calendar year."""

    cn_sensitive_people: int = DEFAULT_CN_SENSITIVE_PEOPLE
    cn_personal_people: int = DEFAULT_CN_PERSONAL_PEOPLE
    hgr_genetic_people: int = DEFAULT_HGR_GENETIC_PEOPLE


@dataclass(frozen=True, slots=True)
class NodePolicy:
    """The cross-border rules one node enforces.

    >>> NodePolicy(Jurisdiction.CN, "CN").hgr_filing_id is None
    True
    """

    jurisdiction: Jurisdiction
    country: str
    allowed_purposes: frozenset[Purpose] = ALLOWED_PURPOSES
    transfer_mechanism: TransferMechanism | None = None
    tia_ref: str | None = None
    cn_export_route: CnExportRoute | None = None
    pipia_ref: str | None = None
    separate_consent: bool = False
    hgr_filing_id: str | None = None
    hgr_review_id: str | None = None
    thresholds: PolicyThresholds = field(default_factory=PolicyThresholds)


def parse_policy(doc: Mapping[str, object], *, where: str = "config") -> NodePolicy:
    """Read the ``[policy]`` table of a node config (``doc`` is the whole parsed TOML document).

    ``jurisdiction`` and ``country`` default to the ``[node]`` table's. Every problem is a
    :class:`ConfigError` naming the setting and the fix.

    >>> parse_policy({"node": {"jurisdiction": "EU", "country": "IT"}}).transfer_mechanism is None
    True
    """
    table = doc.get("policy", {})
    node = doc.get("node", {})
    if not isinstance(table, Mapping) or not isinstance(node, Mapping):
        raise ConfigError(f"{where}: [policy] and [node] must be tables", hint="see docs/policy.md")
    unknown = sorted(set(table) - _KNOWN - {"thresholds"})
    if unknown:
        raise ConfigError(
            f"{where}: unknown setting(s) policy.{', policy.'.join(unknown)}",
            hint="check the spelling; docs/policy.md lists every policy setting",
        )
    jurisdiction = _jurisdiction(table, node, where)
    country = _country(table, node, jurisdiction, where)
    wrong_side = _EU_ONLY if jurisdiction is Jurisdiction.CN else _CN_ONLY
    misplaced = [name for name in wrong_side if table.get(name) is not None]
    if misplaced:
        raise ConfigError(
            f"{where}: policy.{', policy.'.join(misplaced)} "
            f"{'does' if len(misplaced) == 1 else 'do'} not apply to a {jurisdiction} node",
            hint="remove them; EU nodes use transfer_mechanism/tia_ref, CN nodes cn_export_route, "
            "pipia_ref and the hgr_* ids",
        )
    purposes = table.get("allowed_purposes")
    return NodePolicy(
        jurisdiction=jurisdiction,
        country=country,
        allowed_purposes=ALLOWED_PURPOSES if purposes is None else _purposes(purposes, where),
        transfer_mechanism=_choice(table, "transfer_mechanism", TransferMechanism, where),
        tia_ref=_reference(table, "tia_ref", where),
        cn_export_route=_choice(table, "cn_export_route", CnExportRoute, where),
        pipia_ref=_reference(table, "pipia_ref", where),
        separate_consent=_flag(table, "separate_consent", where),
        hgr_filing_id=_reference(table, "hgr_filing_id", where),
        hgr_review_id=_reference(table, "hgr_review_id", where),
        thresholds=_thresholds(table.get("thresholds", {}), where),
    )


def _jurisdiction(table: Mapping[str, object], node: Mapping[str, object], where: str) -> Jurisdiction:
    declared = [str(v).strip().upper() for v in (table.get("jurisdiction"), node.get("jurisdiction")) if v]
    if not declared:
        raise ConfigError(
            f"{where}: no jurisdiction", hint="set node.jurisdiction (or policy.jurisdiction) to 'EU' or 'CN'"
        )
    if len(set(declared)) > 1:
        raise ConfigError(
            f"{where}: policy.jurisdiction {declared[0]!r} contradicts node.jurisdiction {declared[1]!r}",
            hint="remove policy.jurisdiction; it defaults to node.jurisdiction",
        )
    try:
        return Jurisdiction(declared[0])
    except ValueError:
        raise ConfigError(
            f"{where}: jurisdiction {declared[0]!r} is neither 'EU' nor 'CN'", hint="use 'EU' or 'CN'"
        ) from None


def _country(
    table: Mapping[str, object], node: Mapping[str, object], jurisdiction: Jurisdiction, where: str
) -> str:
    value = table.get("country", node.get("country"))
    country = str(value).strip().upper() if isinstance(value, str) else ""
    if jurisdiction_of(country) is not jurisdiction:
        raise ConfigError(
            f"{where}: country {value!r} is not in jurisdiction {jurisdiction}",
            hint="set node.country to the ISO 3166-1 alpha-2 code of the node's country, e.g. 'IT' or 'CN'",
        )
    return country


def _choice(table: Mapping[str, object], name: str, kind: type[_E], where: str) -> _E | None:
    value = table.get(name)
    if value is None:
        return None
    try:
        return kind(str(value))
    except ValueError:
        options = ", ".join(repr(member.value) for member in kind)
        raise ConfigError(f"{where}: policy.{name} = {value!r} is not one of {options}") from None


def _reference(table: Mapping[str, object], name: str, where: str) -> str | None:
    value = table.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(
            f"{where}: policy.{name} must be a non-empty string",
            hint=f"set it to the document's reference number, or remove policy.{name}",
        )
    return value.strip()


def _flag(table: Mapping[str, object], name: str, where: str) -> bool:
    value = table.get(name, False)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: policy.{name} must be true or false, not {value!r}")
    return value


def _purposes(value: object, where: str) -> frozenset[Purpose]:
    if not isinstance(value, list):
        raise ConfigError(f"{where}: policy.allowed_purposes must be a list", hint='e.g. ["research"]')
    chosen: set[Purpose] = set()
    for item in value:
        try:
            chosen.add(Purpose(item))
        except ValueError:
            options = ", ".join(sorted(p.value for p in Purpose))
            raise ConfigError(
                f"{where}: policy.allowed_purposes has {item!r}, which is not an allowed purpose",
                hint=f"use some of: {options} (forbidden purposes cannot be allowed)",
            ) from None
    return frozenset(chosen)


def _thresholds(value: object, where: str) -> PolicyThresholds:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: [policy.thresholds] must be a table")
    unknown = sorted(set(value) - _KNOWN_THRESHOLDS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown setting(s) policy.thresholds.{', policy.thresholds.'.join(unknown)}",
            hint="see docs/policy.md",
        )
    defaults = PolicyThresholds()
    chosen: dict[str, int] = {}
    for name in sorted(_KNOWN_THRESHOLDS):
        default = getattr(defaults, name)
        number = value.get(name, default)
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= default:
            raise ConfigError(
                f"{where}: policy.thresholds.{name} = {number!r} must be a whole number from 1 to {default}",
                hint="thresholds may only be lowered below the legal default (POLICY.md)",
            )
        chosen[name] = number
    return PolicyThresholds(**chosen)
