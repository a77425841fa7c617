"""The one exception tree of PM Bridge: every error says what went wrong and how to fix it.

    PMBridgeError                 (code, status, hint)
    ├── ConfigError               bad or missing settings, registry or data directory
    │   └── ReferenceDataMissing  an HPO / translation / mapping file is not where we looked
    ├── VocabularyError
    │   └── UnknownTerm           an ontology id or label that the loaded release does not know
    ├── StoreError                the node's DuckDB file: schema, migrations, locking
    │   └── SchemaTooNew          the file was written by a newer PM Bridge
    ├── IngestError               a whole ingest run failed (per-record problems are reports)
    ├── QueryError                a request that cannot be answered as asked (HTTP 400)
    │   └── UnsupportedFilter     a filter the node cannot apply
    └── UpstreamError             a node or hub did not answer usefully (HTTP 502)

Each error carries a stable ``code`` (documented in docs/errors.md, checked by a test), the HTTP
status it maps to, and a ``hint`` that tells the user what to do next.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "ConfigError",
    "IngestError",
    "PMBridgeError",
    "QueryError",
    "ReferenceDataMissing",
    "SchemaTooNew",
    "StoreError",
    "UnknownTerm",
    "UnsupportedFilter",
    "UpstreamError",
    "VocabularyError",
]


class PMBridgeError(Exception):
    """Base of every error PM Bridge raises on purpose."""

    code: ClassVar[str] = "pmbridge_error"
    status: ClassVar[int] = 500

    def __init__(self, message: str, *, hint: str = "") -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message} (hint: {hint})" if hint else message)

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


class IngestError(PMBridgeError):
    code = "ingest_error"
    status = 400


class QueryError(PMBridgeError):
    code = "bad_request"
    status = 400


class UnsupportedFilter(QueryError):
    code = "unsupported_filter"


class UpstreamError(PMBridgeError):
    code = "upstream_error"
    status = 502
