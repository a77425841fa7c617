"""When every node that answered refused: the hub passes the refusal on with its rule and status.

Nodes state the rule in their Beacon error message ("refused by rule X1: …", "refused by the
budget rule: …"); the hub raises the same kind of error, so a researcher sees 403 and the rule
rather than a generic failure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pmbridge.errors import DisclosureRefused, PMBridgeError, PolicyRefused, QueryError
from pmbridge.hub._fanout import NodeReply

_POLICY = re.compile(r"refused by rule (X[1-6]): (.*)", re.DOTALL)
_DISCLOSURE = re.compile(r"refused by the (\w+) rule: (.*)", re.DOTALL)


def network_refusal(refused: Sequence[NodeReply]) -> PMBridgeError:
    """The error for a request every answering node refused (``refused`` is not empty).

    >>> from pmbridge.hub._fanout import NodeStatus
    >>> from pmbridge.hub._registry import NodeEntry
    >>> from pmbridge.model import Jurisdiction
    >>> cn = NodeEntry("cn", "http://cn", Jurisdiction.CN, "CN")
    >>> reply = NodeReply(cn, NodeStatus.ERROR, 1.0, http_status=403, detail="refused by rule X1: records")
    >>> error = network_refusal([reply])
    >>> type(error).__name__, error.rule
    ('PolicyRefused', 'X1')
    """
    said = "; ".join(f"{r.node.id}: {r.detail}" for r in refused)
    statuses = {r.http_status for r in refused}
    if statuses == {403}:
        first = refused[0].detail
        policy = _POLICY.search(first)
        if policy is not None:
            return PolicyRefused(policy.group(1), f"every node refused ({said})")
        disclosure = _DISCLOSURE.search(first)
        if disclosure is not None:
            return DisclosureRefused(disclosure.group(1), f"every node refused ({said})")
    return QueryError(
        f"every node that answered refused the request: {said}", hint="fix the request as that message says"
    )
