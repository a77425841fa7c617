"""The error classes: one tree, each with a stable code, an HTTP status and a hint (see the package)."""

from __future__ import annotations

import math
from typing import ClassVar


class PMBridgeError(Exception):
    """Base of every error PM Bridge raises on purpose."""

    code: ClassVar[str] = "pmbridge_error"
    status: ClassVar[int] = 500
    wire_fields: ClassVar[tuple[tuple[str, str], ...]] = ()
    """Attributes the wire form carries besides code, message and hint: (wire name, attribute)."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message} (hint: {hint})" if hint else message)

    @property
    def refusal_rule(self) -> str | None:
        """The rule that refused, as the audit logs name it (``X4``, ``budget``,
        ``passport:expired``, ``signature:stale``); None for an error that is no refusal."""
        return None

    def to_wire(self) -> dict[str, object]:
        """The Beacon error object (``BeaconError``, which allows more properties) with PM Bridge's
        extension: the stable ``code``, the ``hint`` and, where one decided, the ``rule`` or
        ``reason`` (and ``retryAfter`` in seconds for a 429 or 503); see docs/errors.md.

        >>> PolicyRefused("X1", "records may not leave CN").to_wire()
        ... # doctest: +NORMALIZE_WHITESPACE
        {'errorCode': 403, 'errorMessage': 'refused by rule X1: records may not leave CN',
         'code': 'policy_refused',
         'hint': 'see docs/policy.md for the rule and what the node or the request can change',
         'rule': 'X1'}
        """
        wire: dict[str, object] = {
            "errorCode": self.status,
            "errorMessage": self.message,
            "code": self.code,
            "hint": self.hint,
        }
        for name, attribute in self.wire_fields:
            value = getattr(self, attribute, None)
            if value is not None and value != "":
                wire[name] = value
        return wire

    def to_dict(self) -> dict[str, str | int]:
        """The error as JSON-ready fields, for APIs and the CLI."""
        return {
            "code": self.code,
            "status": self.status,
            "message": self.message,
            "hint": self.hint,
        }


class ConfigError(PMBridgeError):
    code = "config_error"
    status = 500


class ReferenceDataMissing(ConfigError):
    code = "reference_data_missing"


class VocabularyError(PMBridgeError):
    code = "vocabulary_error"
    status = 400


class UnknownTerm(VocabularyError):
    code = "unknown_term"

    def __init__(self, term: str, *, hint: str = "") -> None:
        self.term = term
        super().__init__(
            f"unknown term {term!r}",
            hint=hint or "check the id or label; `pmbridge vocab search WORD` lists matching terms",
        )


class StoreError(PMBridgeError):
    code = "store_error"
    status = 500


class SchemaTooNew(StoreError):
    code = "schema_too_new"


class LedgerBusy(StoreError):
    """A privacy or export ledger stayed locked by another request or process past its busy timeout.

    The message names the ledger, never its file path: it reaches the caller over HTTP.
    """

    code = "ledger_busy"
    status = 503

    def __init__(self, ledger: str, *, timeout: float) -> None:
        self.ledger = ledger
        self.timeout = timeout
        super().__init__(
            f"the {ledger} is busy: another request or process held its lock for more than {timeout:g} s",
            hint="retry in a moment; if it keeps happening, the operator should look for a process "
            "that holds the ledger file open in a long transaction",
        )


class IngestError(PMBridgeError):
    code = "ingest_error"
    status = 400


class WorkerFailed(PMBridgeError):
    """A worker process of a parallel stage (cohort generation, ingest checks) raised or died.

    Every worker has been stopped and the stage wrote nothing (its output is written atomically).
    """

    code = "worker_failed"
    status = 500

    def __init__(self, stage: str, detail: str, *, hint: str = "") -> None:
        self.stage = stage
        super().__init__(
            f"{stage}: {detail}",
            hint=hint
            or "run it again; if it fails the same way, retry with --workers 1 and report the error "
            "(a worker killed by signal 9 usually means the machine ran out of memory)",
        )


class WorkerStalled(WorkerFailed):
    """No worker finished a task within the watchdog's time (a deadlocked or starved worker)."""

    code = "worker_stalled"

    def __init__(self, stage: str, *, seconds: float, workers: int) -> None:
        self.seconds = seconds
        self.workers = workers
        super().__init__(
            stage,
            f"none of {workers} worker processes finished a task in {seconds:g} s; "
            "they were stopped and nothing was written",
            hint="run it again (a heavily loaded machine can be this slow: raise --stall-seconds, "
            "or use fewer --workers); if it stalls again, run with --workers 1 and report it",
        )


class QueryError(PMBridgeError):
    code = "bad_request"
    status = 400


class UnsupportedFilter(QueryError):
    code = "unsupported_filter"


class UnknownMatch(QueryError):
    """A contact request names a match id that this node never gave out for that dataset."""

    code = "unknown_match"
    status = 404


class NotFound(QueryError):
    """No page or API route answers at this path."""

    code = "not_found"
    status = 404


class MethodNotAllowed(QueryError):
    """The path exists but does not take this method; the reply's ``Allow`` header lists those it takes."""

    code = "method_not_allowed"
    status = 405


class BodyTooLarge(QueryError):
    """A request body longer than the cap; nothing more of it was read."""

    code = "request_too_large"
    status = 413


class BodyTooDeep(QueryError):
    """A request body that nests arrays and objects deeper than a parser may safely follow."""

    code = "request_too_deep"


class UpstreamError(PMBridgeError):
    code = "upstream_error"
    status = 502


class InternalError(PMBridgeError):
    """Something failed that should not have (a bug, a crash); the server's log holds the details,
    which never go to the caller."""

    code = "internal_error"
    status = 500


class Overloaded(PMBridgeError):
    """A hub or node already serves as many requests as it admits at once (``max_in_flight``)."""

    code = "overloaded"
    status = 503
    wire_fields = (("retryAfter", "retry_after"),)

    def __init__(self, limit: int, retry_after: int) -> None:
        self.limit = limit
        self.retry_after = retry_after
        super().__init__(
            f"overloaded: {limit} requests are already in progress",
            hint=f"retry after {retry_after} s, as the Retry-After header says",
        )


class MatchIndexNotReady(PMBridgeError):
    """A match came while the node's patient-matching index was still being built, and waited for
    it as long as the node allows (``node.match_index_wait_seconds``)."""

    code = "match_index_not_ready"
    status = 503
    wire_fields = (("retryAfter", "retry_after"),)

    def __init__(self, waited: float, retry_after: int = 5) -> None:
        self.waited = waited
        self.retry_after = retry_after
        super().__init__(
            f"the node's patient-matching index is still being built (waited {waited:g} s)",
            hint="retry in a few seconds: the node builds it once when it starts and after its store changes",
        )


class RateLimited(PMBridgeError):
    """Too many requests of one kind from one client or account in a short time (HTTP 429); the
    reply's ``Retry-After`` header says, in whole seconds, when the next one may come."""

    code = "rate_limited"
    status = 429
    wire_fields = (("retryAfter", "retry_after"),)

    def __init__(self, message: str, *, retry_after: float, hint: str = "") -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(
            message, hint=hint or f"wait {self.retry_after} s before sending another; see docs/errors.md"
        )


class DuplicateRequest(RateLimited):
    """The same request from the same account was already sent a moment ago (HTTP 429)."""

    code = "duplicate_request"


class SignatureRejected(PMBridgeError):
    """A request or reply whose HTTP message signature does not hold; ``reason`` says which check failed.

    Reasons are stable words a caller may branch on: ``unsigned``, ``malformed``, ``unknown_key``,
    ``unsupported_algorithm``, ``missing_component``, ``wrong_audience``, ``bad_signature``,
    ``digest_mismatch``, ``stale``, ``replayed``.
    """

    code = "signature_rejected"
    status = 401
    wire_fields = (("reason", "reason"),)

    def __init__(self, reason: str, message: str, *, key_id: str = "", hint: str = "") -> None:
        self.reason = reason
        self.key_id = key_id
        super().__init__(
            f"signature rejected ({reason}): {message}",
            hint=hint or "check that the sender's public key is registered and both clocks are right",
        )

    @property
    def refusal_rule(self) -> str | None:
        return f"signature:{self.reason}"


class AuditLogError(PMBridgeError):
    """The audit log cannot be written: another process holds it, or its last line is damaged."""

    code = "audit_log_error"
    status = 500


class DisclosureRefused(PMBridgeError):
    """Disclosure control will not release this; ``rule`` names the rule that refused it.

    Rules are stable words a caller may branch on: ``differencing_guard``, ``budget``.
    """

    code = "disclosure_refused"
    status = 403
    wire_fields = (("rule", "rule"),)

    def __init__(self, rule: str, message: str, *, hint: str = "") -> None:
        self.rule = rule
        super().__init__(
            f"refused by the {rule} rule: {message}",
            hint=hint or "see docs/privacy.md for the rule and how to ask instead",
        )

    @property
    def refusal_rule(self) -> str | None:
        return self.rule or None


class BudgetExhausted(DisclosureRefused):
    """The researcher's privacy budget (ε) for this dataset and calendar year would be exceeded."""

    code = "budget_exhausted"

    def __init__(
        self, *, researcher: str, dataset: str, year: int, spent: float, budget: float, requested: float
    ) -> None:
        self.researcher = researcher
        self.dataset = dataset
        self.year = year
        self.spent = spent
        self.budget = budget
        self.requested = requested
        super().__init__(
            "budget",
            f"{researcher} has spent ε {spent:g} of {budget:g} on dataset {dataset} in {year}; "
            f"this count needs ε {requested:g} more",
            hint=f"repeat a query you already asked (cached answers are free), wait until {year + 1}, "
            "or ask the dataset's steward for a larger budget",
        )


class PassportRejected(PMBridgeError):
    """A researcher's GA4GH Passport cannot be trusted; ``reason`` says which check failed.

    Reasons are stable words a caller may branch on: ``malformed``, ``wrong_type``,
    ``unsupported_algorithm``, ``untrusted_issuer``, ``bad_signature``, ``expired``,
    ``not_yet_valid``, ``wrong_audience``, ``missing_claim``, ``too_large``, and ``missing`` (a
    request that only a researcher's passport can make, e.g. a contact request, came without one).
    """

    code = "passport_rejected"
    status = 401
    wire_fields = (("reason", "reason"),)

    def __init__(self, reason: str, message: str, *, hint: str = "") -> None:
        self.reason = reason
        super().__init__(
            f"passport rejected ({reason}): {message}",
            hint=hint or "sign in again at the broker to get a fresh passport for this network",
        )

    @property
    def refusal_rule(self) -> str | None:
        return f"passport:{self.reason}"


class PolicyRefused(PMBridgeError):
    """A node's cross-border policy refuses a release; ``rule`` is X1–X6 of POLICY.md."""

    code = "policy_refused"
    status = 403
    wire_fields = (("rule", "rule"),)

    def __init__(self, rule: str, reason: str, *, hint: str = "") -> None:
        self.rule = rule
        self.reason = reason
        super().__init__(
            f"refused by rule {rule}: {reason}",
            hint=hint or "see docs/policy.md for the rule and what the node or the request can change",
        )

    @property
    def refusal_rule(self) -> str | None:
        return self.rule or None


class KnowledgeError(PMBridgeError):
    """The hub's knowledge base cannot do what was asked (a bad status, a store it cannot open)."""

    code = "knowledge_error"
    status = 400


class KnowledgeImportRejected(KnowledgeError):
    """An import with problems; ``problems`` lists every one as text, and nothing was written."""

    code = "kb_import_rejected"

    def __init__(self, problems: list[str], *, source: str = "") -> None:
        self.problems = problems
        shown = "; ".join(problems[:5]) + (f"; … {len(problems) - 5} more" if len(problems) > 5 else "")
        super().__init__(
            f"import{' of ' + source if source else ''} rejected, nothing written: "
            f"{len(problems)} problem{'s' if len(problems) != 1 else ''}: {shown}",
            hint="fix every listed problem (`pmbridge kb import --check FILE` lists them all), import again",
        )


class UnknownEntry(KnowledgeError):
    code = "kb_unknown_entry"
    status = 404

    def __init__(self, entry: str, *, hint: str = "") -> None:
        self.entry = entry
        super().__init__(
            f"no knowledge-base entry {entry!r}",
            hint=hint or "ids look like 'policy:gdpr'; `pmbridge kb search WORDS` finds them",
        )


class StewardRequired(KnowledgeError):
    """A change to the knowledge base without a valid steward token."""

    code = "kb_steward_required"
    status = 401


class NotASteward(KnowledgeError):
    """A signed-in researcher asked for a knowledge-base change, but the hub does not list them."""

    code = "kb_not_a_steward"
    status = 403

    def __init__(self, subject: str, *, hint: str = "") -> None:
        self.subject = subject
        super().__init__(
            f"{subject} is not a knowledge-base steward of this hub, so they cannot change the roadmap",
            hint=hint or "ask the hub's operator to add your passport to knowledge.stewards",
        )


class AccessRequestError(PMBridgeError):
    """An access request, or a step in its negotiation, that cannot be done as asked."""

    code = "access_request_error"
    status = 400


class TransitionRefused(AccessRequestError):
    """A step the negotiation does not allow from where it stands, or not to this party."""

    code = "transition_refused"
    status = 409


class NotAParty(AccessRequestError):
    """A signed-in user acting on a request that is not theirs, or for a node they do not steward."""

    code = "not_a_party"
    status = 403


class UnknownAccessRequest(AccessRequestError):
    """No access request, sub-negotiation, attachment or grant with this id (or not one of yours)."""

    code = "unknown_access_request"
    status = 404
