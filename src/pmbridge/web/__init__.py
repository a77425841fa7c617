"""HTTP plumbing shared by the node and the hub: the audit of each request, the verified caller and
the offline API docs. The Beacon wire format they share is ``pmbridge.beacon``."""

from pmbridge.web._api_docs import install_api_docs
from pmbridge.web._audit import AuditedRequests, RequestCheck, is_audited
from pmbridge.web._caller import verified_caller

__all__ = [
    "AuditedRequests",
    "RequestCheck",
    "install_api_docs",
    "is_audited",
    "verified_caller",
]
