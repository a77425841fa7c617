"""When every node that answered refused: the hub passes the refusal on with its rule and status.

Nodes state the rule in their Beacon error message ("refused by rule X1: …", "refused by the
budget rule: …"); the hub raises the same kind of error, so a researcher sees 403 and the rule
rather than a generic failure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pmbridge.errors import DisclosureRefused, PMBridgeError, PolicyRefused, QueryError, UpstreamError
from pmbridge.hub._fanout import NodeReply, NodeStatus

_POLICY = re.compile(r"refused by rule (X[1-6]): (.*)", re.DOTALL)
_DISCLOSURE = re.compile(r"refused by the (\w+) rule: (.*)", re.DOTALL)
_CHECK = re.compile(r"(passport|signature) rejected \((\w+)\)")


def refusal_rule(message: str) -> str | None:
    """The rule a node's refusal names, as the audit logs name rules: ``X1``…``X6``, a disclosure
    rule (``budget``, ``differencing_guard``), ``passport:{reason}`` or ``signature:{reason}``.

    >>> refusal_rule("refused by rule X4: genetic"), refusal_rule("refused by the budget rule: spent")
    ('X4', 'budget')
    >>> refusal_rule("passport rejected (expired): too old"), refusal_rule("boom")
    ('passport:expired', None)
    """
    for pattern in (_POLICY, _DISCLOSURE):
        found = pattern.search(message)
        if found is not None:
            return found.group(1)
    check = _CHECK.search(message)
    return f"{check.group(1)}:{check.group(2)}" if check is not None else None


def network_refusal(refused: Sequence[NodeReply], *, silent: Sequence[NodeReply] = ()) -> PMBridgeError:
    """The error for a request every answering node refused (``refused`` is not empty); ``silent``
    are the nodes that gave no answer, named with their own status (down, timeout, error), since
    they did not refuse.

    >>> from pmbridge.hub._fanout import NodeStatus
    >>> from pmbridge.hub._registry import NodeEntry
    >>> from pmbridge.model import Jurisdiction
    >>> cn = NodeEntry("cn", "http://cn", Jurisdiction.CN, "CN")
    >>> reply = NodeReply(cn, NodeStatus.REFUSED, 1.0, http_status=403, detail="refused by rule X1: records")
    >>> error = network_refusal([reply])
    >>> type(error).__name__, error.rule
    ('PolicyRefused', 'X1')
    >>> eu = NodeEntry("eu", "http://eu", Jurisdiction.EU, "IT")
    >>> network_refusal([reply], silent=[NodeReply(eu, NodeStatus.DOWN, 1.0)]).message
    'refused by rule X1: every node that answered refused (cn: refused by rule X1: records); eu: down'
    """
    said = "; ".join(f"{r.node.id}: {r.detail}" for r in refused)
    rest = "".join(f"; {r.node.id}: {r.status.value}" for r in silent)
    statuses = {r.http_status for r in refused}
    if statuses == {403}:
        first = refused[0].detail
        policy = _POLICY.search(first)
        if policy is not None:
            return PolicyRefused(policy.group(1), f"every node that answered refused ({said}){rest}")
        disclosure = _DISCLOSURE.search(first)
        if disclosure is not None:
            return DisclosureRefused(disclosure.group(1), f"every node that answered refused ({said}){rest}")
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
