"""The verifier: walks the chain and names the first line that was edited, dropped, added or moved.

It returns a report rather than raising, so the CLI and a monitoring job can both say what is
wrong. A chain cannot show that entries were cut off at its end; pass the last known head hash
(``expect_head``, published elsewhere, e.g. kept by the hub) to catch that too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pmbridge.audit._entry import GENESIS, AuditEntry, canonical_json
from pmbridge.errors import ConfigError
from pmbridge.signing import VerifyingKey


@dataclass(frozen=True, slots=True)
class AuditProblem:
    """The first thing wrong: which line (1-based), which seq if it could be read, and what."""

    line: int
    seq: int | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f" (seq {self.seq})" if self.seq is not None else "")
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class AuditReport:
    path: Path
    entries: int
    head: str
    problem: AuditProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify_audit_log(
    path: Path, *, keys: Iterable[VerifyingKey], expect_head: str | None = None
) -> AuditReport:
    """Check every line of the log at ``path`` against ``keys``; stop at the first problem."""
    trusted = {key.key_id: key for key in keys}
    if not trusted:
        raise ConfigError("no public key given to verify the audit log with", hint="pass --key FILE")
    count, head = 0, GENESIS
    try:
        for number, raw in _lines(path):
            checked = _check_line(number, raw, trusted, expected_seq=count + 1, expected_prev=head)
            if isinstance(checked, AuditProblem):
                return AuditReport(path, count, head, checked)
            count, head = checked.seq, checked.hash
    except FileNotFoundError:
        raise ConfigError(f"audit log {path} not found") from None
    if expect_head is not None and expect_head != head:
        message = (
            f"the log ends at seq {count} with hash {head[:16]}…, not at the expected head "
            f"{expect_head[:16]}…: entries were removed from the end (or the head is from another log)"
        )
        return AuditReport(path, count, head, AuditProblem(count + 1, None, message))
    return AuditReport(path, count, head, None)


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    with path.open("rb") as handle:
        yield from enumerate(handle, start=1)


def _check_line(
    number: int, raw: bytes, trusted: dict[str, VerifyingKey], *, expected_seq: int, expected_prev: str
) -> AuditProblem | AuditEntry:
    def problem(message: str, seq: int | None = None) -> AuditProblem:
        return AuditProblem(number, seq, message)

    if not raw.endswith(b"\n"):
        return problem("the last line is incomplete (no newline): a cut-off write or a truncated file")
    try:
        doc = json.loads(raw.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return problem("not a JSON line (edited or damaged)")
    try:
        entry = AuditEntry.from_json(doc)
    except ValueError as exc:
        return problem(f"not an audit entry: {exc}", _seq_of(doc))
    seq = entry.seq
    try:
        canonical = canonical_json(entry.to_json()) + b"\n"
    except ValueError:
        canonical = b""
    if canonical != raw:
        return problem("the line is not in the form the log writes (edited)", seq)
    if entry.expected_hash() != entry.hash:
        return problem("the entry's content does not match its hash (edited)", seq)
    key = trusted.get(entry.key_id)
    if key is None:
        return problem(f"signed by key {entry.key_id}, which is not among the given keys", seq)
    if not entry.signature_valid(key):
        return problem("the signature does not verify (forged, or edited and hashed again)", seq)
    if seq > expected_seq:
        return problem(f"seq {seq} where {expected_seq} was expected: an entry was deleted or moved", seq)
    if seq < expected_seq:
        return problem(
            f"seq {seq} where {expected_seq} was expected: an entry was inserted, repeated or moved", seq
        )
    if entry.prev_hash != expected_prev:
        return problem("prev_hash does not match the previous entry's hash (inserted or replaced)", seq)
    return entry


def _seq_of(doc: object) -> int | None:
    seq = doc.get("seq") if isinstance(doc, dict) else None
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else None
