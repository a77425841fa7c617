"""Purposes a request may declare, and rules X5 (no law enforcement) and X6 (EHDS purposes).

The allowed list follows the secondary-use purposes of the European Health Data Space; the
forbidden list its prohibited uses. Both are refused everywhere, whichever side of the border.
"""

from __future__ import annotations

from collections.abc import Set
from enum import StrEnum
from typing import Final

from pmbridge.policy._decision import Decision


class Purpose(StrEnum):
    """Purposes PM Bridge can serve (X6)."""

    PUBLIC_HEALTH = "public_health"
    POLICY = "policy"
    STATISTICS = "statistics"
    EDUCATION = "education"
    RESEARCH = "research"
    AI_DEVELOPMENT = "ai_development"
    CARE_IMPROVEMENT = "care_improvement"


class ForbiddenPurpose(StrEnum):
    """Purposes refused everywhere: X5 (law enforcement) and the EHDS prohibited uses (X6)."""

    LAW_ENFORCEMENT = "law_enforcement"
    DETRIMENTAL_DECISION = "detrimental_decision"
    INSURANCE_EXCLUSION = "insurance_exclusion"
    CREDIT_EXCLUSION = "credit_exclusion"
    EMPLOYMENT_EXCLUSION = "employment_exclusion"
    ADVERTISING = "advertising"
    HARMFUL_PRODUCTS = "harmful_products"


ALLOWED_PURPOSES: Final = frozenset(Purpose)
"""Every purpose a node may allow; a node's policy can narrow it, never widen it."""

PURPOSE_LABELS: Final = {
    Purpose.PUBLIC_HEALTH: "public interest in public or occupational health",
    Purpose.POLICY: "policy making and regulation",
    Purpose.STATISTICS: "official statistics",
    Purpose.EDUCATION: "education or teaching",
    Purpose.RESEARCH: "scientific research",
    Purpose.AI_DEVELOPMENT: "research: training, testing or evaluating algorithms and AI systems",
    Purpose.CARE_IMPROVEMENT: "improving the delivery of care or treatment",
}


def check_purpose(purpose: str, *, allowed: Set[Purpose] = ALLOWED_PURPOSES) -> Decision:
    """X5 then X6: is ``purpose`` one this node serves? Values are compared exactly.

    >>> check_purpose("law_enforcement").rule
    'X5'
    >>> check_purpose("advertising").allowed
    False
    >>> check_purpose("research").allowed
    True
    """
    if purpose == ForbiddenPurpose.LAW_ENFORCEMENT:
        return Decision.refuse(
            "X5",
            "data is never released to courts or law enforcement through PM Bridge (PIPL Art 41, "
            "DSL Art 36); such requests go through the PRC competent authorities, not this network",
        )
    if purpose in set(ForbiddenPurpose):
        return Decision.refuse(
            "X6",
            f"purpose {purpose!r} is a prohibited use of health data (EHDS) and is refused everywhere",
        )
    if purpose not in set(Purpose):
        names = ", ".join(sorted(p.value for p in allowed))
        return Decision.refuse("X6", f"unknown purpose {purpose!r}: declare one of {names}")
    if purpose not in allowed:
        names = ", ".join(sorted(p.value for p in allowed)) or "none"
        return Decision.refuse(
            "X6",
            f"this node does not serve purpose {purpose!r} (policy.allowed_purposes); it serves: {names}",
        )
    return Decision.allow("X6", f"purpose {purpose!r} is an allowed secondary use")
