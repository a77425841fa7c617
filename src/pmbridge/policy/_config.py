"""A node's cross-border policy, read from the ``[policy]`` table of its TOML config.

Every setting has a safe default (nothing but aggregates leaves, no genetic output leaves China),
so a missing table is the strictest policy, and a data protection officer can only loosen the
rules by naming a legal route. Thresholds may be lowered, never raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pmbridge.config import validated
from pmbridge.errors import ConfigError
from pmbridge.model import Jurisdiction
from pmbridge.policy._jurisdiction import jurisdiction_of
from pmbridge.policy._purposes import ALLOWED_PURPOSES, Purpose
from pmbridge.policy._settings import CnExportRoute, PolicySettings, PolicyThresholds, TransferMechanism

_EU_ONLY = ("transfer_mechanism", "tia_ref")
_CN_ONLY = ("cn_export_route", "pipia_ref", "hgr_filing_id", "hgr_review_id")


@dataclass(frozen=True, slots=True)
class NodePolicy:
    """The cross-border rules one node enforces; its defaults are an empty ``[policy]`` table's
    (a test keeps them equal).

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
    node = doc.get("node", {})
    if not isinstance(node, Mapping):
        raise ConfigError(f"{where}: [node] must be a table", hint="see docs/configuration.md")
    settings = validated(PolicySettings, doc.get("policy", {}), where=where, at=("policy",))
    return node_policy(settings, node=node, where=where)


def node_policy(settings: PolicySettings, *, node: Mapping[str, object], where: str) -> NodePolicy:
    """The rules a checked ``[policy]`` table sets, with the ``[node]`` table's jurisdiction and country."""
    jurisdiction = _jurisdiction(settings.jurisdiction, node.get("jurisdiction"), where)
    country = _country(settings.country, node.get("country"), jurisdiction, where)
    wrong_side = _EU_ONLY if jurisdiction is Jurisdiction.CN else _CN_ONLY
    misplaced = [name for name in wrong_side if getattr(settings, name) is not None]
    if misplaced:
        raise ConfigError(
            f"{where}: policy.{', policy.'.join(misplaced)} "
            f"{'does' if len(misplaced) == 1 else 'do'} not apply to a {jurisdiction} node",
            hint="remove them; EU nodes use transfer_mechanism/tia_ref, CN nodes cn_export_route, "
            "pipia_ref and the hgr_* ids",
        )
    purposes = settings.allowed_purposes
    return NodePolicy(
        jurisdiction=jurisdiction,
        country=country,
        allowed_purposes=ALLOWED_PURPOSES if purposes is None else frozenset(purposes),
        transfer_mechanism=settings.transfer_mechanism,
        tia_ref=settings.tia_ref,
        cn_export_route=settings.cn_export_route,
        pipia_ref=settings.pipia_ref,
        separate_consent=settings.separate_consent,
        hgr_filing_id=settings.hgr_filing_id,
        hgr_review_id=settings.hgr_review_id,
        thresholds=settings.thresholds,
    )


def _jurisdiction(own: str | None, node: object, where: str) -> Jurisdiction:
    declared = [str(v).strip().upper() for v in (own, node) if v]
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


def _country(own: str | None, node: object, jurisdiction: Jurisdiction, where: str) -> str:
    value = own if own is not None else node
    country = str(value).strip().upper() if isinstance(value, str) else ""
    if jurisdiction_of(country) is not jurisdiction:
        raise ConfigError(
            f"{where}: country {value!r} is not in jurisdiction {jurisdiction}",
            hint="set node.country to the ISO 3166-1 alpha-2 code of the node's country, e.g. 'IT' or 'CN'",
        )
    return country
