"""The one exception tree of PM Bridge: every error says what went wrong and how to fix it.

    PMBridgeError                 (code, status, hint)
    ├── ConfigError               bad or missing settings, registry or data directory
    │   └── ReferenceDataMissing  an HPO / translation / mapping file is not where we looked
    ├── VocabularyError
    │   └── UnknownTerm           an ontology id or label that the loaded release does not know
    ├── StoreError                the node's DuckDB file: schema, migrations, locking
    │   ├── SchemaTooNew          the file was written by a newer PM Bridge
    │   └── LedgerBusy            a SQLite ledger stayed locked past its busy timeout (HTTP 503)
    ├── IngestError               a whole ingest run failed (per-record problems are reports)
    ├── WorkerFailed              a worker process of a parallel stage raised or died
    │   └── WorkerStalled         no worker finished a task within the watchdog's time
    ├── QueryError                a request that cannot be answered as asked (HTTP 400)
    │   ├── UnsupportedFilter     a filter the node cannot apply
    │   ├── UnknownMatch          a match id the node never gave out for that dataset (HTTP 404)
    │   ├── NotFound              no page or API route at this path (HTTP 404)
    │   ├── MethodNotAllowed      the path does not take this method (HTTP 405)
    │   ├── BodyTooLarge          a request body over the size cap (HTTP 413)
    │   └── BodyTooDeep           a request body that nests too deeply to parse safely
    ├── UpstreamError             a node or hub did not answer usefully (HTTP 502)
    ├── InternalError             a bug or crash: the server's log says what failed (HTTP 500)
    ├── Overloaded                more requests at once than the hub or node admits (HTTP 503)
    ├── MatchIndexNotReady        a node's patient-matching index is still being built (HTTP 503)
    ├── RateLimited               too many sign-ins or contact requests in a short time (HTTP 429)
    │   └── DuplicateRequest      the same contact request was already sent a moment ago
    ├── SignatureRejected         a signed HTTP message failed verification (HTTP 401), with a reason
    ├── AuditLogError             the audit log cannot be opened or appended to
    ├── DisclosureRefused         disclosure control refuses a release (HTTP 403), naming the rule
    │   └── BudgetExhausted       the researcher's yearly ε budget for a dataset would be exceeded
    ├── PassportRejected          a GA4GH Passport is forged, expired, untrusted or not for us (HTTP 401)
    ├── PolicyRefused             a cross-border rule (X1–X6 of POLICY.md) refuses a release (HTTP 403)
    ├── KnowledgeError            the hub's knowledge base cannot do what was asked (HTTP 400)
    │   ├── KnowledgeImportRejected  an import with problems: lists every one, wrote nothing
    │   ├── UnknownEntry          no knowledge-base entry has this id (HTTP 404)
    │   ├── StewardRequired       a change needs a steward's passport or the steward token (HTTP 401)
    │   └── NotASteward           a signed-in researcher who is not a knowledge-base steward (HTTP 403)
    ├── AccessRequestError        an access request or negotiation step that cannot be done (HTTP 400)
    │   ├── TransitionRefused     a step the negotiation does not allow from its state, or to you (HTTP 409)
    │   ├── NotAParty             not your request, or not a node you steward (HTTP 403)
    │   └── UnknownAccessRequest  no request, sub-negotiation, attachment or grant with this id (HTTP 404)
    └── ConsensusError            a Delphi study, rule or rating that cannot be as sent (HTTP 400)
        ├── StudyNotFound         no study (or round, item, proposal, comment) with this id (HTTP 404)
        ├── StudyLocked           a change to what the lock fixed in advance (HTTP 409)
        ├── GroupTooSmall         a stakeholder group below k panellists at lock (HTTP 409)
        ├── LockBroken            the stored snapshot no longer matches its audited digest (HTTP 409)
        ├── RoundClosed           no round open for this, or a round out of turn (HTTP 409)
        ├── StudyNotLocked        a round step on a study not yet locked (HTTP 409)
        ├── OrganiserRequired     an organiser's route without a passport (HTTP 401)
        ├── NotAnOrganiser        a passport the hub does not list in consensus.organisers (HTTP 403)
        ├── PanelLinkInvalid      a panellist's route without a valid personal link (HTTP 401)
        ├── RatingsPrivate        per-person ratings the protocol keeps from the organiser (HTTP 403)
        ├── MailRequired          invitations with no mail configured (HTTP 409)
        └── PdfUnavailable        a PDF report where the hub cannot print one (HTTP 503)

Each error carries a stable ``code`` (documented in docs/errors.md, checked by a test), the HTTP
status it maps to, and a ``hint`` that tells the user what to do next. On the wire an error is the
Beacon error object with that code, hint and the rule or reason that decided
(:meth:`PMBridgeError.to_wire`); :func:`error_from_wire` rebuilds the error from it.
"""

from __future__ import annotations

from pmbridge.errors._consensus import (
    ConsensusError,
    GroupTooSmall,
    LockBroken,
    MailRequired,
    NotAnOrganiser,
    OrganiserRequired,
    PanelLinkInvalid,
    PdfUnavailable,
    RatingsPrivate,
    RoundClosed,
    StudyLocked,
    StudyNotFound,
    StudyNotLocked,
)
from pmbridge.errors._tree import (
    AccessRequestError,
    AuditLogError,
    BodyTooDeep,
    BodyTooLarge,
    BudgetExhausted,
    ConfigError,
    DisclosureRefused,
    DuplicateRequest,
    IngestError,
    InternalError,
    KnowledgeError,
    KnowledgeImportRejected,
    LedgerBusy,
    MatchIndexNotReady,
    MethodNotAllowed,
    NotAParty,
    NotASteward,
    NotFound,
    Overloaded,
    PassportRejected,
    PMBridgeError,
    PolicyRefused,
    QueryError,
    RateLimited,
    ReferenceDataMissing,
    SchemaTooNew,
    SignatureRejected,
    StewardRequired,
    StoreError,
    TransitionRefused,
    UnknownAccessRequest,
    UnknownEntry,
    UnknownMatch,
    UnknownTerm,
    UnsupportedFilter,
    UpstreamError,
    VocabularyError,
    WorkerFailed,
    WorkerStalled,
)
from pmbridge.errors._wire import error_classes, error_from_wire

__all__ = [
    "AccessRequestError",
    "AuditLogError",
    "BodyTooDeep",
    "BodyTooLarge",
    "BudgetExhausted",
    "ConfigError",
    "ConsensusError",
    "DisclosureRefused",
    "DuplicateRequest",
    "GroupTooSmall",
    "IngestError",
    "InternalError",
    "KnowledgeError",
    "KnowledgeImportRejected",
    "LedgerBusy",
    "LockBroken",
    "MailRequired",
    "MatchIndexNotReady",
    "MethodNotAllowed",
    "NotAParty",
    "NotASteward",
    "NotAnOrganiser",
    "NotFound",
    "OrganiserRequired",
    "Overloaded",
    "PMBridgeError",
    "PanelLinkInvalid",
    "PassportRejected",
    "PdfUnavailable",
    "PolicyRefused",
    "QueryError",
    "RateLimited",
    "RatingsPrivate",
    "ReferenceDataMissing",
    "RoundClosed",
    "SchemaTooNew",
    "SignatureRejected",
    "StewardRequired",
    "StoreError",
    "StudyLocked",
    "StudyNotFound",
    "StudyNotLocked",
    "TransitionRefused",
    "UnknownAccessRequest",
    "UnknownEntry",
    "UnknownMatch",
    "UnknownTerm",
    "UnsupportedFilter",
    "UpstreamError",
    "VocabularyError",
    "WorkerFailed",
    "WorkerStalled",
    "error_classes",
    "error_from_wire",
]

for _cls in error_classes().values():
    _cls.__module__ = __name__  # the public name in tracebacks, doctests and pickles: pmbridge.errors.X
del _cls
