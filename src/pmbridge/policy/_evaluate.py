"""Every cross-border rule applied to one release, in order, ending with the yearly counters.

This is the call a node's release choke point makes before any answer leaves it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from pmbridge.errors import PolicyRefused
from pmbridge.policy._config import NodePolicy
from pmbridge.policy._decision import Decision, first_refusal
from pmbridge.policy._ledger import ExportLedger
from pmbridge.policy._purposes import check_purpose
from pmbridge.policy._rules import ReleaseRequest, check_genetic, check_transfer
from pmbridge.policy._volume import admit_export


@dataclass(frozen=True, slots=True)
class Verdict:
    """All rule decisions on one release; the first refusal decides."""

    decisions: tuple[Decision, ...]

    @property
    def allowed(self) -> bool:
        return all(d.allowed for d in self.decisions)

    @property
    def deciding(self) -> Decision:
        """The refusal that stopped the release, or a summary allowance naming every rule applied."""
        refusal = first_refusal(self.decisions)
        if refusal is not None:
            return refusal
        rules = "+".join(dict.fromkeys(d.rule for d in self.decisions))
        return Decision.allow(rules, "; ".join(d.reason for d in self.decisions))

    def raise_if_refused(self) -> None:
        """Raise :class:`PolicyRefused` (HTTP 403) naming the rule, for the node's error handler."""
        refusal = first_refusal(self.decisions)
        if refusal is not None:
            raise PolicyRefused(refusal.rule, refusal.reason)


def evaluate_release(policy: NodePolicy, request: ReleaseRequest) -> Verdict:
    """X5/X6 (purpose), X1 with its X2/X3 route, and X4 (HGR filing): the rules without counters."""
    return Verdict(
        (
            check_purpose(request.purpose, allowed=policy.allowed_purposes),
            check_transfer(policy, request),
            check_genetic(policy, request),
        )
    )


def decide_release(
    policy: NodePolicy,
    request: ReleaseRequest,
    *,
    people: Collection[str],
    ledger: ExportLedger,
    now: datetime,
) -> Verdict:
    """Every rule, then the yearly counters; people are counted only when everything else allows.

    ``people`` are the node-local ids of the individuals whose data the output carries (for
    genetic aggregates: whose genotypes contributed).
    """
    verdict = evaluate_release(policy, request)
    if not verdict.allowed:
        return verdict
    volume = admit_export(policy, request, people=people, ledger=ledger, now=now)
    return Verdict((*verdict.decisions, volume))
