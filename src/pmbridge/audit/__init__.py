"""The tamper-evident audit log: hash-chained entries signed by the process key, and their verifier."""

from pmbridge.audit._entry import (
    ACTIONS,
    GENESIS,
    AuditEntry,
    AuditEvent,
    canonical_json,
    query_digest,
)
from pmbridge.audit._http import (
    MAX_REQUEST_BYTES,
    RequestAudit,
    RequestTooLarge,
    attach_request_audit,
    describe_request,
    read_body,
    record_release,
    replay_body,
    request_audit,
)
from pmbridge.audit._log import AuditLog
from pmbridge.audit._paths import RouteTemplates, parameter_digest
from pmbridge.audit._read import AuditLine, read_audit_log
from pmbridge.audit._verify import AuditProblem, AuditReport, verify_audit_log

__all__ = [
    "ACTIONS",
    "GENESIS",
    "MAX_REQUEST_BYTES",
    "AuditEntry",
    "AuditEvent",
    "AuditLine",
    "AuditLog",
    "AuditProblem",
    "AuditReport",
    "RequestAudit",
    "RequestTooLarge",
    "RouteTemplates",
    "attach_request_audit",
    "canonical_json",
    "describe_request",
    "parameter_digest",
    "query_digest",
    "read_audit_log",
    "read_body",
    "record_release",
    "replay_body",
    "request_audit",
    "verify_audit_log",
]
