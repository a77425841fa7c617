"""The tamper-evident audit log: hash-chained entries signed by the process key, and their verifier."""

from pmbridge.audit._entry import (
    ACTIONS,
    GENESIS,
    AuditEntry,
    AuditEvent,
    canonical_json,
    query_digest,
)
from pmbridge.audit._log import AuditLog
from pmbridge.audit._read import AuditLine, read_audit_log
from pmbridge.audit._verify import AuditProblem, AuditReport, verify_audit_log

__all__ = [
    "ACTIONS",
    "GENESIS",
    "AuditEntry",
    "AuditEvent",
    "AuditLine",
    "AuditLog",
    "AuditProblem",
    "AuditReport",
    "canonical_json",
    "query_digest",
    "read_audit_log",
    "verify_audit_log",
]
