"""The yearly volume limits of X3 (personal information leaving China) and X4 (genetic data).

``volume_limits`` and ``decide_volume`` are pure; ``admit_export`` joins them to a ledger.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from pmbridge.model import Granularity, Jurisdiction
from pmbridge.policy._config import NodePolicy
from pmbridge.policy._decision import Decision
from pmbridge.policy._jurisdiction import crosses_border
from pmbridge.policy._ledger import (
    CN_PERSONAL,
    CN_SENSITIVE,
    HGR_GENETIC,
    Admission,
    ExportLedger,
    export_year,
)
from pmbridge.policy._rules import ReleaseRequest
from pmbridge.policy._settings import CnExportRoute


def volume_limits(policy: NodePolicy, request: ReleaseRequest) -> dict[str, int | None]:
    """The counters a release adds its people to, each with the most distinct people it may hold.

    X3 blocks on *reaching* its threshold: the PRC provisions say "1万人以上", and 以上 includes
    the number itself. X4 blocks *above* 500. None means counted but not limited.

    >>> cn = NodePolicy(Jurisdiction.CN, "CN")
    >>> volume_limits(cn, ReleaseRequest("research", Granularity.RECORD, "DE", genetic=True))
    {'x3_sensitive': 9999, 'x4_genetic': 500}
    >>> volume_limits(cn, ReleaseRequest("research", Granularity.COUNT, "CN", genetic=True))
    {}
    """
    if policy.jurisdiction is not Jurisdiction.CN or not crosses_border(
        policy.jurisdiction, request.requester_country
    ):
        return {}
    limits: dict[str, int | None] = {}
    assessed = policy.cn_export_route is CnExportRoute.SECURITY_ASSESSMENT
    if request.granularity is Granularity.RECORD:
        if request.sensitive:
            limits[CN_SENSITIVE] = None if assessed else policy.thresholds.cn_sensitive_people - 1
        else:
            limits[CN_PERSONAL] = None if assessed else policy.thresholds.cn_personal_people - 1
    if request.genetic:
        limits[HGR_GENETIC] = None if policy.hgr_review_id else policy.thresholds.hgr_genetic_people
    return limits


def decide_volume(policy: NodePolicy, admission: Admission) -> Decision:
    """Turn a ledger's admission into the X3 / X4 decision, naming the fix on a refusal."""
    if admission.blocked is None:
        rule = "X4" if set(admission.totals) == {HGR_GENETIC} else "X3"
        summary = ", ".join(f"{name} {total}" for name, total in sorted(admission.totals.items()))
        return Decision.allow(rule, f"within the yearly limits ({summary or 'no counter applies'})")
    # The refusal names the limit, never the ledger's total: that total is exact and un-noised, and
    # two refusals a person apart would tell their sizes apart (the steward reads it in the ledger).
    if admission.blocked == HGR_GENETIC:
        return Decision.refuse(
            "X4",
            "with this answer, genetic data of more than "
            f"{policy.thresholds.hgr_genetic_people} distinct people would have been provided abroad "
            "this year: set policy.hgr_review_id once the HGR security review is passed, or wait for "
            "the next calendar year",
        )
    threshold = (
        policy.thresholds.cn_sensitive_people
        if admission.blocked == CN_SENSITIVE
        else policy.thresholds.cn_personal_people
    )
    kind = "sensitive personal information" if admission.blocked == CN_SENSITIVE else "personal information"
    return Decision.refuse(
        "X3",
        f"with this answer, {kind} of {threshold} or more distinct people would have left China this "
        "year, which needs the CAC security assessment: set policy.cn_export_route = 'security_assessment' "
        "once it is approved, ask for aggregates, or wait for the next calendar year",
    )


def admit_export(
    policy: NodePolicy,
    request: ReleaseRequest,
    *,
    people: Collection[str],
    ledger: ExportLedger,
    now: datetime,
) -> Decision:
    """Count ``people`` (node-local ids whose data the output carries) if the limits allow it."""
    limits = volume_limits(policy, request)
    if not limits:
        return Decision.allow("X3", "no yearly volume limit applies to this release")
    admission = ledger.admit(year=export_year(now, policy.jurisdiction), people=people, limits=limits)
    return decide_volume(policy, admission)


def volume_report(policy: NodePolicy, totals: Mapping[str, int]) -> dict[str, tuple[int, int | None]]:
    """This year's totals beside the limit that applies to each (None: not limited), for status pages.

    >>> volume_report(NodePolicy(Jurisdiction.CN, "CN"), {"x4_genetic": 12})["x4_genetic"]
    (12, 500)
    """
    assessed = policy.cn_export_route is CnExportRoute.SECURITY_ASSESSMENT
    limits: dict[str, int | None] = {
        CN_SENSITIVE: None if assessed else policy.thresholds.cn_sensitive_people - 1,
        CN_PERSONAL: None if assessed else policy.thresholds.cn_personal_people - 1,
        HGR_GENETIC: None if policy.hgr_review_id else policy.thresholds.hgr_genetic_people,
    }
    return {name: (totals.get(name, 0), limit) for name, limit in limits.items()}
