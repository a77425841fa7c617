"""GA4GH Beacon v2 wire format: request parsing, filter meaning, response documents."""

from pmbridge.beacon._entry_types import (
    BIOSAMPLE,
    BY_PATH,
    COHORT,
    DATASET,
    ENTRY_TYPES,
    GENOMIC_VARIATION,
    INDIVIDUAL,
    EntryType,
    entry_type,
)
from pmbridge.beacon._filters import NCIT_SEX, to_filter, to_filters
from pmbridge.beacon._handlers import install_error_handlers
from pmbridge.beacon._request import (
    API_VERSION,
    BeaconRequest,
    RawFilter,
    parse_body,
    parse_query_string,
    request_body,
)
from pmbridge.beacon._response import count_response, error_response, received_summary, response_meta

__all__ = [
    "API_VERSION",
    "BIOSAMPLE",
    "BY_PATH",
    "COHORT",
    "DATASET",
    "ENTRY_TYPES",
    "GENOMIC_VARIATION",
    "INDIVIDUAL",
    "NCIT_SEX",
    "BeaconRequest",
    "EntryType",
    "RawFilter",
    "count_response",
    "entry_type",
    "error_response",
    "install_error_handlers",
    "parse_body",
    "parse_query_string",
    "received_summary",
    "request_body",
    "response_meta",
    "to_filter",
    "to_filters",
]
