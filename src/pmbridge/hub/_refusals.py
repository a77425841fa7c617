"""When every node that answered refused: the hub passes the refusal on with its rule and status.

Nodes state the rule in their Beacon error's ``code`` and ``rule`` fields (see docs/errors.md); the
hub raises the same kind of error, so a researcher sees 403 and the rule rather than a generic
failure.
"""

from __future__ import annotations

from collections.abc import Sequence

from pmbridge.errors import (
    DisclosureRefused,
    PMBridgeError,
    PolicyRefused,
    QueryError,
    UpstreamError,
    error_from_wire,
)
from pmbridge.hub._fanout import NodeReply, NodeStatus


def refusal_rule(reply: NodeReply) -> str | None:
    """The rule a node's refusal names, as the audit logs name rules: ``X1``…``X6``, a disclosure
    rule (``budget``, ``differencing_guard``), ``passport:{reason}`` or ``signature:{reason}``;
    None when the reply is no refusal or names no rule.

    >>> from pmbridge.errors import BudgetExhausted, PassportRejected
    >>> from pmbridge.hub._registry import NodeEntry
    >>> from pmbridge.model import Jurisdiction
    >>> cn = NodeEntry("cn", "http://cn", Jurisdiction.CN, "CN")
    >>> def refused(error): return NodeReply(cn, NodeStatus.REFUSED, 1.0, error=error)
    >>> refusal_rule(refused(PassportRejected("expired", "too old")))
    'passport:expired'
    >>> refusal_rule(refused(BudgetExhausted(researcher="r", dataset="d", year=2026, spent=1, budget=1,
    ...     requested=0.1)))
    'budget'
    >>> refusal_rule(NodeReply(cn, NodeStatus.DOWN, 1.0)) is None
    True
    """
    if reply.status is not NodeStatus.REFUSED or reply.error is None:
        return None
    return reply.error.refusal_rule


def rule_field(reply: NodeReply) -> dict[str, str]:
    """``{"rule": …}`` for a node's line in a reply's ``nodes`` when it refused by a rule, else ``{}``."""
    rule = refusal_rule(reply)
    return {"rule": rule} if rule is not None else {}


def network_refusal(refused: Sequence[NodeReply], *, silent: Sequence[NodeReply] = ()) -> PMBridgeError:
    """The error for a request every answering node refused (``refused`` is not empty); ``silent``
    are the nodes that gave no answer, named with their own status (down, timeout, error), since
    they did not refuse. A policy or disclosure refusal keeps its class and rule (the first node's).

    >>> from pmbridge.hub._registry import NodeEntry
    >>> from pmbridge.model import Jurisdiction
    >>> cn = NodeEntry("cn", "http://cn", Jurisdiction.CN, "CN")
    >>> said = PolicyRefused("X1", "records")
    >>> reply = NodeReply(cn, NodeStatus.REFUSED, 1.0, http_status=403, detail=said.message, error=said)
    >>> error = network_refusal([reply])
    >>> type(error).__name__, error.rule
    ('PolicyRefused', 'X1')
    >>> from pmbridge.errors import error_from_wire
    >>> spent = error_from_wire({"code": "budget_exhausted", "rule": "budget", "errorMessage": "spent"},
    ...     status=403, fallback="")
    >>> out = NodeReply(cn, NodeStatus.REFUSED, 1.0, http_status=403, detail="spent", error=spent)
    >>> merged = network_refusal([out])
    >>> type(merged).__name__, merged.code, merged.rule
    ('BudgetExhausted', 'budget_exhausted', 'budget')
    >>> eu = NodeEntry("eu", "http://eu", Jurisdiction.EU, "IT")
    >>> network_refusal([reply], silent=[NodeReply(eu, NodeStatus.DOWN, 1.0)]).message
    'refused by rule X1: every node that answered refused (cn: refused by rule X1: records); eu: down'
    """
    said = "; ".join(f"{r.node.id}: {r.detail}" for r in refused)
    rest = "".join(f"; {r.node.id}: {r.status.value}" for r in silent)
    statuses = {r.http_status for r in refused}
    first = refused[0].error
    if statuses == {403} and isinstance(first, PolicyRefused) and first.rule:
        return PolicyRefused(first.rule, f"every node that answered refused ({said}){rest}")
    if statuses == {403} and isinstance(first, DisclosureRefused) and first.rule:
        merged = DisclosureRefused(first.rule, f"every node that answered refused ({said}){rest}")
        # keep a subclass's own code (budget_exhausted), so clients can tell the budget from a rule
        return error_from_wire({**merged.to_wire(), "code": first.code}, status=403, fallback="")
    return QueryError(
        f"every node that answered refused the request: {said}{rest}",
        hint="fix the request as that message says",
    )


def no_answer(silent: Sequence[tuple[str, NodeStatus, str]]) -> UpstreamError:
    """The error for a request no node answered usably (each ``(node, status, detail)`` down, timed
    out, overloaded or broken): a 502 naming each node with its own status, never a "no match".

    >>> no_answer([("eu", NodeStatus.TIMEOUT, "no reply within 5 s")]).message
    'no node answered, so there is no answer (eu: timeout, no reply within 5 s)'
    """
    said = "; ".join(
        f"{node}: {status.value}" + (f", {detail}" if detail else "") for node, status, detail in silent
    )
    busy = all(status is NodeStatus.OVERLOADED for _, status, _ in silent)
    return UpstreamError(
        f"no node answered, so there is no answer ({said})",
        hint=(
            "the nodes are overloaded: retry in a few seconds"
            if busy
            else "retry later; GET /api/nodes shows each node's health, and the operators can say more"
        ),
    )


def unanswered(replies: Sequence[NodeReply]) -> UpstreamError | None:
    """:func:`no_answer` when no node gave an answer, else None. A refusal or a 4xx about the
    request is an answer (the request or the caller's rights are the problem, not the network)."""
    if not replies or any(
        r.status is NodeStatus.OK or (r.http_status is not None and 400 <= r.http_status < 500)
        for r in replies
    ):
        return None
    return no_answer([(r.node.id, r.status, r.detail) for r in replies])
