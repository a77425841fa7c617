"""The ``[policy]`` and ``[passports]`` tables of a node's (or, for passports, the hub's) TOML,
declared once as settings models; docs/policy.md's tables are rendered from them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar, Final

from pydantic import Field, Strict

from pmbridge.config import NonEmpty, SettingsModel
from pmbridge.policy._purposes import Purpose
from pmbridge.policy._trust import REGISTERED_ACCESS


class TransferMechanism(StrEnum):
    """GDPR Chapter V tools for systematic EU → third-country transfers (X2).

    No adequacy decision covers China, and Art 49 derogations do not fit repeated query
    traffic, so only these two are accepted.
    """

    SCC = "scc"
    BCR = "bcr"


class CnExportRoute(StrEnum):
    """PIPL Art 38 legal routes for personal information leaving mainland China (X3)."""

    SECURITY_ASSESSMENT = "security_assessment"
    STANDARD_CONTRACT = "standard_contract"
    CERTIFICATION = "certification"


DEFAULT_CN_SENSITIVE_PEOPLE: Final = 10_000
DEFAULT_CN_PERSONAL_PEOPLE: Final = 1_000_000
DEFAULT_HGR_GENETIC_PEOPLE: Final = 500
_LOWER_ONLY: Final = "thresholds may only be lowered below the legal default (POLICY.md)"


class PolicyThresholds(SettingsModel):
    """Yearly volume limits of X3 and X4, in distinct people per calendar year (may only be lowered)."""

    docs: ClassVar[str] = "docs/policy.md"

    cn_sensitive_people: int = Field(
        default=DEFAULT_CN_SENSITIVE_PEOPLE,
        ge=1,
        le=DEFAULT_CN_SENSITIVE_PEOPLE,
        description="CN nodes: distinct people a calendar year whose sensitive data may be exported "
        "without the CAC security assessment; exports block on reaching it (X3). May only be lowered.",
        json_schema_extra={"hint": _LOWER_ONLY},
    )
    cn_personal_people: int = Field(
        default=DEFAULT_CN_PERSONAL_PEOPLE,
        ge=1,
        le=DEFAULT_CN_PERSONAL_PEOPLE,
        description="CN nodes: the same for non-sensitive personal information (X3). May only be lowered.",
        json_schema_extra={"hint": _LOWER_ONLY},
    )
    hgr_genetic_people: int = Field(
        default=DEFAULT_HGR_GENETIC_PEOPLE,
        ge=1,
        le=DEFAULT_HGR_GENETIC_PEOPLE,
        description="CN nodes: most distinct people a calendar year whose genetic data may contribute "
        "to outputs abroad without hgr_review_id (X4). May only be lowered.",
        json_schema_extra={"hint": _LOWER_ONLY},
    )


class PolicySettings(SettingsModel):
    """The ``[policy]`` table: a missing table (or setting) is the strictest policy."""

    docs: ClassVar[str] = "docs/policy.md"

    jurisdiction: NonEmpty | None = Field(
        default=None,
        description="Legal area the rules are evaluated for: 'EU' or 'CN'; must agree with "
        "node.jurisdiction.",
        json_schema_extra={"shown": "`node.jurisdiction`"},
    )
    country: NonEmpty | None = Field(
        default=None,
        description="ISO 3166-1 alpha-2 country of the node's data.",
        json_schema_extra={"shown": "`node.country`"},
    )
    allowed_purposes: list[Annotated[Purpose, Strict(False)]] | None = Field(
        default=None,
        description="Purposes this node serves, a subset of: public_health, policy, statistics, "
        "education, research, ai_development, care_improvement (X6).",
        json_schema_extra={
            "shown": "all X6 purposes",
            "hint": 'forbidden purposes cannot be allowed; e.g. allowed_purposes = ["research"]',
        },
    )
    transfer_mechanism: Annotated[TransferMechanism, Strict(False)] | None = Field(
        default=None,
        description="EU nodes: 'scc' or 'bcr'; with tia_ref it is the legal route for record-level "
        "transfers abroad (X1, X2). Unset: records never leave the EU.",
    )
    tia_ref: NonEmpty | None = Field(
        default=None, description="EU nodes: reference of the transfer impact assessment (X2)."
    )
    cn_export_route: Annotated[CnExportRoute, Strict(False)] | None = Field(
        default=None,
        description="CN nodes: 'security_assessment', 'standard_contract' or 'certification'; with "
        "pipia_ref and separate_consent it is the legal route for record-level exports (X1, X3).",
    )
    pipia_ref: NonEmpty | None = Field(
        default=None,
        description="CN nodes: reference of the personal information impact assessment.",
    )
    separate_consent: bool = Field(
        default=False,
        description="CN nodes: true when every exported person gave separate consent to export "
        "(PIPL Art 39).",
    )
    hgr_filing_id: NonEmpty | None = Field(
        default=None,
        description="CN nodes: HGR filing number; without it no genetic-derived output leaves China (X4).",
    )
    hgr_review_id: NonEmpty | None = Field(
        default=None,
        description="CN nodes: HGR security review number; without it genetic data of more than "
        "thresholds.hgr_genetic_people people a year does not leave China (X4).",
    )
    thresholds: PolicyThresholds = Field(default_factory=PolicyThresholds)


class IssuerSettings(SettingsModel):
    """One ``[[passports.issuers]]`` entry."""

    docs: ClassVar[str] = "docs/policy.md"

    iss: NonEmpty = Field(description="A trusted broker or visa issuer, exactly as its tokens' iss.")
    public_key: NonEmpty = Field(
        description="Its P-256 (ES256) or RSA (RS256) public key: a PEM file relative to the config, "
        "or PEM text. Repeat the issuer to trust several keys.",
        json_schema_extra={"hint": "public_key: a PEM file path or PEM text"},
    )


class PassportSettings(SettingsModel):
    """The ``[passports]`` table: whom a node or hub trusts to sign passports and visas."""

    docs: ClassVar[str] = "docs/policy.md"

    audience: NonEmpty = Field(
        description="The network identifier every accepted passport's aud must contain. No "
        "[passports] table: every requester is public.",
        json_schema_extra={
            "hint": "set it to the network's identifier that the broker puts in each passport's aud"
        },
    )
    issuers: list[IssuerSettings] = Field(
        min_length=1,
        json_schema_extra={"hint": "add [[passports.issuers]] with the broker's iss and public_key"},
    )
    leeway_seconds: int = Field(
        default=60, ge=0, le=300, description="Clock skew allowed on exp, nbf and iat (0 to 300)."
    )
    registered_access: list[NonEmpty] = Field(
        default_factory=lambda: [REGISTERED_ACCESS],
        min_length=1,
        description="Visa values that count for registered access (AcceptedTermsAndPolicies and "
        "ResearcherStatus).",
    )
