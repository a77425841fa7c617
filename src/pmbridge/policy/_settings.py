"""The ``[policy]`` settings of a node config, declared once (name, default, help) for the docs.

docs/policy.md documents each one; a test keeps the two in step.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from pmbridge.settings import Setting


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

POLICY_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "policy.jurisdiction",
        "node.jurisdiction",
        "Legal area the rules are evaluated for: 'EU' or 'CN'; must agree with node.jurisdiction.",
    ),
    Setting("policy.country", "node.country", "ISO 3166-1 alpha-2 country of the node's data."),
    Setting(
        "policy.allowed_purposes",
        "all X6 purposes",
        "Purposes this node serves, a subset of: public_health, policy, statistics, education, "
        "research, ai_development, care_improvement (X6).",
    ),
    Setting(
        "policy.transfer_mechanism",
        None,
        "EU nodes: 'scc' or 'bcr'; with tia_ref it is the legal route for record-level "
        "transfers abroad (X1, X2). Unset: records never leave the EU.",
    ),
    Setting("policy.tia_ref", None, "EU nodes: reference of the transfer impact assessment (X2)."),
    Setting(
        "policy.cn_export_route",
        None,
        "CN nodes: 'security_assessment', 'standard_contract' or 'certification'; with pipia_ref "
        "and separate_consent it is the legal route for record-level exports (X1, X3).",
    ),
    Setting("policy.pipia_ref", None, "CN nodes: reference of the personal information impact assessment."),
    Setting(
        "policy.separate_consent",
        False,
        "CN nodes: true when every exported person gave separate consent to export (PIPL Art 39).",
    ),
    Setting(
        "policy.hgr_filing_id",
        None,
        "CN nodes: HGR filing number; without it no genetic-derived output leaves China (X4).",
    ),
    Setting(
        "policy.hgr_review_id",
        None,
        "CN nodes: HGR security review number; without it genetic data of more than "
        "thresholds.hgr_genetic_people people a year does not leave China (X4).",
    ),
    Setting(
        "policy.thresholds.cn_sensitive_people",
        DEFAULT_CN_SENSITIVE_PEOPLE,
        "CN nodes: distinct people a calendar year whose sensitive data may be exported without "
        "the CAC security assessment; exports block on reaching it (X3). May only be lowered.",
    ),
    Setting(
        "policy.thresholds.cn_personal_people",
        DEFAULT_CN_PERSONAL_PEOPLE,
        "CN nodes: the same for non-sensitive personal information (X3). May only be lowered.",
    ),
    Setting(
        "policy.thresholds.hgr_genetic_people",
        DEFAULT_HGR_GENETIC_PEOPLE,
        "CN nodes: most distinct people a calendar year whose genetic data may contribute to "
        "outputs abroad without hgr_review_id (X4). May only be lowered.",
    ),
)

PASSPORT_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "passports.audience",
        None,
        "The network identifier every accepted passport's aud must contain. No [passports] table: "
        "every requester is public.",
    ),
    Setting("passports.issuers[].iss", None, "A trusted broker or visa issuer, exactly as its tokens' iss."),
    Setting(
        "passports.issuers[].public_key",
        None,
        "Its P-256 (ES256) or RSA (RS256) public key: a PEM file relative to the config, or PEM text. "
        "Repeat the issuer to trust several keys.",
    ),
    Setting("passports.leeway_seconds", 60, "Clock skew allowed on exp, nbf and iat (0 to 300)."),
    Setting(
        "passports.registered_access",
        ["https://doi.org/10.1038/s41431-018-0219-y"],
        "Visa values that count for registered access (AcceptedTermsAndPolicies and ResearcherStatus).",
    ),
)
