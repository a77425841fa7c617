"""Rules X1–X4 as pure functions of a node's policy and one release: may this output leave?

X1 keeps record-level data at home unless a legal route is named; X2 (EU) and X3 (CN) say what
a complete route is; X4 keeps genetic-derived output in China without an HGR filing. The yearly
volume limits of X3 and X4 need counters and live in ``_volume``.
"""

from __future__ import annotations

from dataclasses import dataclass

from pmbridge.model import Granularity, Jurisdiction
from pmbridge.policy._config import NodePolicy
from pmbridge.policy._decision import Decision
from pmbridge.policy._jurisdiction import crosses_border


@dataclass(frozen=True, slots=True)
class ReleaseRequest:
    """One output a node is about to release, and to whom.

    ``requester_country`` is where the recipient is (ISO 3166-1 alpha-2); None means unknown
    and is treated as abroad. ``genetic`` marks output derived from genetic data (genotypes,
    variant counts, allele frequencies): HGR information in China. ``sensitive`` marks health or
    genetic content (PIPL sensitive personal information); PM Bridge records always are.
    """

    purpose: str
    granularity: Granularity
    requester_country: str | None
    genetic: bool = False
    sensitive: bool = True


def check_transfer(policy: NodePolicy, request: ReleaseRequest) -> Decision:
    """X1, with the route requirements of X2 (EU nodes) or X3 (CN nodes) for record-level data.

    >>> eu = NodePolicy(Jurisdiction.EU, "IT")
    >>> check_transfer(eu, ReleaseRequest("research", Granularity.RECORD, "CN")).rule
    'X1'
    >>> check_transfer(eu, ReleaseRequest("research", Granularity.COUNT, "CN")).allowed
    True
    """
    if not crosses_border(policy.jurisdiction, request.requester_country):
        return Decision.allow(
            "X1", f"the requester is inside the node's jurisdiction ({policy.jurisdiction})"
        )
    if request.granularity is not Granularity.RECORD:
        return Decision.allow(
            "X1",
            f"{request.granularity} output is an aggregate; it crosses the border after disclosure control",
        )
    if policy.jurisdiction is Jurisdiction.EU:
        return _eu_route(policy, request)
    return _cn_route(policy, request)


def check_genetic(policy: NodePolicy, request: ReleaseRequest) -> Decision:
    """X4: genetic-derived output leaves China only under a human genetic resources filing.

    >>> cn = NodePolicy(Jurisdiction.CN, "CN")
    >>> check_genetic(cn, ReleaseRequest("research", Granularity.COUNT, "DE", genetic=True)).allowed
    False
    """
    if policy.jurisdiction is not Jurisdiction.CN:
        return Decision.allow("X4", "the HGR rules apply to nodes in China only")
    if not request.genetic:
        return Decision.allow("X4", "the output is not derived from genetic data")
    if not crosses_border(policy.jurisdiction, request.requester_country):
        return Decision.allow("X4", "genetic-derived output stays in mainland China")
    if policy.hgr_filing_id is None:
        return Decision.refuse(
            "X4",
            "genetic-derived output (variant counts, allele frequencies, genotypes) may only be "
            "provided abroad after an HGR filing (HGR Regulation Art 28): set policy.hgr_filing_id "
            "once it is filed, or query phenotypes only",
        )
    return Decision.allow("X4", f"genetic-derived output is covered by HGR filing {policy.hgr_filing_id}")


def _eu_route(policy: NodePolicy, request: ReleaseRequest) -> Decision:
    where = request.requester_country or "an unknown country"
    if policy.transfer_mechanism is None and policy.tia_ref is None:
        return Decision.refuse(
            "X1",
            f"record-level data is a transfer out of the EU (GDPR Art 44) to {where} and this node "
            "names no legal route: ask for count or boolean granularity, or have the node set "
            "policy.transfer_mechanism ('scc' or 'bcr') and policy.tia_ref (X2)",
        )
    if policy.transfer_mechanism is None:
        return Decision.refuse(
            "X2",
            "a transfer impact assessment is named but no transfer mechanism: set "
            "policy.transfer_mechanism to 'scc' or 'bcr'",
        )
    if policy.tia_ref is None:
        return Decision.refuse(
            "X2",
            f"{policy.transfer_mechanism} transfers to a country without an adequacy decision need a "
            "transfer impact assessment: set policy.tia_ref",
        )
    return Decision.allow(
        "X2",
        f"records may leave the EU under {policy.transfer_mechanism} with TIA {policy.tia_ref}; "
        "pseudonym keys stay at the node",
    )


def _cn_route(policy: NodePolicy, request: ReleaseRequest) -> Decision:
    where = request.requester_country or "an unknown country"
    if policy.cn_export_route is None and policy.pipia_ref is None:
        return Decision.refuse(
            "X1",
            f"record-level data is an export of personal information from China (PIPL Art 38) to "
            f"{where} and this node names no legal route: ask for count or boolean granularity, or "
            "have the node set policy.cn_export_route, policy.pipia_ref and policy.separate_consent (X3)",
        )
    if policy.cn_export_route is None:
        return Decision.refuse(
            "X3",
            "an impact assessment is named but no export route: set policy.cn_export_route to "
            "'security_assessment', 'standard_contract' or 'certification'",
        )
    if policy.pipia_ref is None:
        return Decision.refuse(
            "X3",
            "exports need a personal information protection impact assessment (PIPL Art 55): "
            "set policy.pipia_ref",
        )
    if not policy.separate_consent:
        return Decision.refuse(
            "X3",
            "exports need each person's separate consent (PIPL Art 39): set policy.separate_consent = "
            "true once every record the node holds has it",
        )
    return Decision.allow(
        "X3",
        f"records may leave China under {policy.cn_export_route} with PIPIA {policy.pipia_ref}; "
        "yearly volume limits apply",
    )
