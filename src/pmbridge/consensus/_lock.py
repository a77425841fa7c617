"""A study's lock: the canonical snapshot of what it fixes before round 1, and that snapshot's digest.

The hub records the digest in its audit log; recomputing it later proves nothing was changed since.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence

from pmbridge.consensus._study import Item, Protocol


def snapshot(
    *,
    protocol: Protocol,
    title: Mapping[str, str],
    description: Mapping[str, str],
    groups: Sequence[Mapping[str, object]],
    items: Sequence[Item],
) -> str:
    """Canonical JSON (sorted keys, no whitespace) of the protocol, study texts, groups and round-1 items.

    >>> from pmbridge.consensus._rules import COMET
    >>> snapshot(protocol=Protocol(COMET), title={"en": "T", "zh": "题"}, description={"en": "", "zh": ""},
    ...          groups=[], items=[])[:40]
    '{"description":{"en":"","zh":""},"groups'
    """
    doc = {
        "protocol": protocol.to_json(),
        "title": dict(title),
        "description": dict(description),
        "groups": [dict(g) for g in sorted(groups, key=lambda g: str(g["id"]))],
        "items": [item.to_json() for item in items if item.added_in_round == 1],
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def snapshot_digest(text: str) -> str:
    """``sha256:<hex>`` of the snapshot's UTF-8 bytes.

    >>> snapshot_digest("{}")
    'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a'
    """
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def locked_protocol(text: str) -> Protocol:
    """The protocol a snapshot fixed: the one every status computation after the lock uses."""
    doc = json.loads(text)
    return Protocol.from_json(doc["protocol"])
