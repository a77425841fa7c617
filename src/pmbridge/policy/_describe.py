"""The effective rules of a node's policy in words, for ``pmbridge policy check`` and status pages."""

from __future__ import annotations

from pmbridge.model import Jurisdiction
from pmbridge.policy._config import NodePolicy
from pmbridge.policy._purposes import ALLOWED_PURPOSES
from pmbridge.policy._settings import CnExportRoute


def describe_policy(policy: NodePolicy) -> tuple[tuple[str, str], ...]:
    """(rule, what it does at this node) for X1–X6.

    >>> dict(describe_policy(NodePolicy(Jurisdiction.EU, "IT")))["X1"]
    'only aggregates (boolean, count) leave the EU; record-level requests from abroad are refused'
    """
    return (
        ("X1", _x1(policy)),
        ("X2", _x2(policy)),
        ("X3", _x3(policy)),
        ("X4", _x4(policy)),
        ("X5", "purpose law_enforcement is always refused"),
        ("X6", _x6(policy)),
    )


def _routed(policy: NodePolicy) -> bool:
    if policy.jurisdiction is Jurisdiction.EU:
        return policy.transfer_mechanism is not None and policy.tia_ref is not None
    return policy.cn_export_route is not None and policy.pipia_ref is not None and policy.separate_consent


def _x1(policy: NodePolicy) -> str:
    area = "the EU" if policy.jurisdiction is Jurisdiction.EU else "mainland China"
    if _routed(policy):
        return f"aggregates leave {area}; record-level data may leave under the legal route below"
    return f"only aggregates (boolean, count) leave {area}; record-level requests from abroad are refused"


def _x2(policy: NodePolicy) -> str:
    if policy.jurisdiction is not Jurisdiction.EU:
        return "not applicable (CN node)"
    if policy.transfer_mechanism and policy.tia_ref:
        return f"record transfers under {policy.transfer_mechanism}, TIA {policy.tia_ref}"
    missing = [
        n
        for n, v in (("transfer_mechanism", policy.transfer_mechanism), ("tia_ref", policy.tia_ref))
        if v is None
    ]
    return f"no legal route for records (unset: {', '.join(missing)})"


def _x3(policy: NodePolicy) -> str:
    if policy.jurisdiction is not Jurisdiction.CN:
        return "not applicable (EU node)"
    limits = policy.thresholds
    if policy.cn_export_route is CnExportRoute.SECURITY_ASSESSMENT:
        volume = "no yearly limit (CAC security assessment)"
    else:
        volume = (
            f"record exports block on reaching {limits.cn_sensitive_people} people with sensitive data "
            f"or {limits.cn_personal_people} people a calendar year"
        )
    if not _routed(policy):
        missing = [
            name
            for name, ok in (
                ("cn_export_route", policy.cn_export_route is not None),
                ("pipia_ref", policy.pipia_ref is not None),
                ("separate_consent", policy.separate_consent),
            )
            if not ok
        ]
        return f"no legal route for records (unset: {', '.join(missing)}); {volume}"
    return f"record exports under {policy.cn_export_route}, PIPIA {policy.pipia_ref}; {volume}"


def _x4(policy: NodePolicy) -> str:
    if policy.jurisdiction is not Jurisdiction.CN:
        return "not applicable (EU node)"
    if policy.hgr_filing_id is None:
        return "no genetic-derived output leaves China (set hgr_filing_id once filed)"
    limit = (
        f"no yearly limit (security review {policy.hgr_review_id})"
        if policy.hgr_review_id
        else f"blocks above {policy.thresholds.hgr_genetic_people} people a calendar year (no hgr_review_id)"
    )
    return f"genetic-derived output leaves under filing {policy.hgr_filing_id}; {limit}"


def _x6(policy: NodePolicy) -> str:
    served = ", ".join(sorted(p.value for p in policy.allowed_purposes))
    narrowed = "" if policy.allowed_purposes == ALLOWED_PURPOSES else " (narrowed by this node)"
    return f"forbidden purposes refused; serves: {served}{narrowed}"
