"""One audit entry: who asked what, which rule decided, what left; chained by hash, signed by key.

An entry is one line of canonical JSON (sorted keys, no spaces, ASCII only), so every byte of the
file is fixed by its content and any byte changed anywhere is caught by ``verify_audit_log``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields

from pmbridge.errors import AuditLogError
from pmbridge.signing import SigningKey, VerifyingKey

ACTIONS = ("refusal", "release", "request", "transition")
GENESIS = "0" * 64
SIGNATURE_CONTEXT = b"pmbridge-audit-v1:"
MAX_TEXT = 512

Scalar = str | int | float | bool | None


def canonical_json(value: object) -> bytes:
    """The one byte form of a JSON value that hashes and the file use.

    >>> canonical_json({"b": 1, "a": "é"})
    b'{"a":"\\\\u00e9","b":1}'
    """
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    ).encode("ascii")


def query_digest(query: bytes | str | Mapping[str, object]) -> str:
    """A stable name for a query, so the log can say which query without repeating its content.

    >>> query_digest({"filters": [{"id": "HP:0001250"}]}) == query_digest('{"filters":[{"id":"HP:0001250"}]}')
    True
    """
    if isinstance(query, Mapping):
        raw = canonical_json(query)
    elif isinstance(query, str):
        try:
            raw = canonical_json(json.loads(query))
        except (ValueError, RecursionError):  # any body a client sends: the log must still name it
            raw = query.encode("utf-8", "surrogatepass")
    else:
        raw = query
    return "sha256:" + hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """What happened, as a node or the hub reports it; ``released`` describes, never contains, data.

    ``released`` is flat: granularity, how many numbers, how each was marked (exact, rounded,
    noised, suppressed), the aggregate values that passed disclosure control. Never records.
    """

    actor: str
    action: str
    query: str
    rule: str = ""
    released: Mapping[str, Scalar] = field(default_factory=dict)

    def check(self) -> None:
        """Raise ``AuditLogError`` for an event the log must not hold."""
        if self.action not in ACTIONS:
            raise AuditLogError(f"audit action {self.action!r} is not one of {', '.join(ACTIONS)}")
        if not self.actor:
            raise AuditLogError("an audit event needs an actor (researcher, node or hub id)")
        for name, text in (("actor", self.actor), ("query", self.query), ("rule", self.rule)):
            if len(text) > MAX_TEXT:
                raise AuditLogError(f"audit {name} is longer than {MAX_TEXT} characters", hint="log a digest")
        for name, value in self.released.items():
            too_long = isinstance(value, str) and len(value) > MAX_TEXT
            not_finite = isinstance(value, float) and not math.isfinite(value)
            if not isinstance(value, Scalar) or too_long or not_finite:
                raise AuditLogError(
                    f"released[{name!r}] is not a short scalar",
                    hint="the audit log describes what was released; it never holds records or lists",
                )


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One sealed line of the log."""

    seq: int
    time: str
    actor: str
    action: str
    query: str
    rule: str
    released: dict[str, Scalar]
    prev_hash: str
    key_id: str
    hash: str
    signature: str

    def content(self) -> dict[str, object]:
        """Everything the hash covers: the entry without ``hash`` and ``signature``."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("hash", "signature")}

    def to_json(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def line(self) -> bytes:
        return canonical_json(self.to_json()) + b"\n"

    def expected_hash(self) -> str:
        return entry_hash(self.content())

    def signature_valid(self, key: VerifyingKey) -> bool:
        # Only the writer's exact form (128 lowercase hex digits): fromhex alone would also accept
        # "D2E5…", letting a byte of the line change unnoticed.
        if _SIGNATURE_HEX.fullmatch(self.signature) is None:
            return False
        raw = bytes.fromhex(self.signature)
        return key.verify(raw, SIGNATURE_CONTEXT + self.hash.encode("ascii"))

    @classmethod
    def from_json(cls, doc: object) -> AuditEntry:
        """Read a parsed line; ``ValueError`` names the first field that is missing or mistyped."""
        if not isinstance(doc, dict):
            raise ValueError("the line is not a JSON object")
        expected = {f.name for f in fields(cls)}
        if set(doc) != expected:
            extra, missing = sorted(set(doc) - expected), sorted(expected - set(doc))
            raise ValueError(f"fields differ from an audit entry (missing {missing}, unexpected {extra})")
        if not isinstance(doc["seq"], int) or isinstance(doc["seq"], bool):
            raise ValueError("seq is not an integer")
        for name in expected - {"seq", "released"}:
            if not isinstance(doc[name], str):
                raise ValueError(f"{name} is not a string")
        if not isinstance(doc["released"], dict):
            raise ValueError("released is not an object")
        return cls(**doc)


_SIGNATURE_HEX = re.compile(r"[0-9a-f]{128}")


def entry_hash(content: Mapping[str, object]) -> str:
    return hashlib.sha256(canonical_json(content)).hexdigest()


def seal(event: AuditEvent, *, seq: int, time: str, prev_hash: str, key: SigningKey) -> AuditEntry:
    """Turn an event into the next entry of a chain: hash it, then sign the hash."""
    event.check()
    content: dict[str, object] = {
        "seq": seq,
        "time": time,
        "actor": event.actor,
        "action": event.action,
        "query": event.query,
        "rule": event.rule,
        "released": dict(event.released),
        "prev_hash": prev_hash,
        "key_id": key.key_id,
    }
    digest = entry_hash(content)
    signature = key.sign(SIGNATURE_CONTEXT + digest.encode("ascii")).hex()
    return AuditEntry(
        seq=seq,
        time=time,
        actor=event.actor,
        action=event.action,
        query=event.query,
        rule=event.rule,
        released=dict(event.released),
        prev_hash=prev_hash,
        key_id=key.key_id,
        hash=digest,
        signature=signature,
    )
