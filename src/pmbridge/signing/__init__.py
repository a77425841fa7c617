"""Keys and signed HTTP messages (RFC 9421, Ed25519) between the hub and the nodes."""

from pmbridge.signing._base import Message, normalise_headers, signature_base
from pmbridge.signing._digest import content_digest, verify_content_digest
from pmbridge.signing._httpx import SignedRequests, request_message, verify_reply
from pmbridge.signing._keyring import KeyRing, TrustedKey
from pmbridge.signing._keys import (
    KeyFiles,
    SigningKey,
    VerifyingKey,
    generate_key_pair,
    load_signing_key,
    load_verifying_key,
    parse_public_key,
    save_key_pair,
)
from pmbridge.signing._profile import DEFAULT_MAX_SKEW, LABEL, REQUEST_TAG, RESPONSE_TAG
from pmbridge.signing._replay import ReplayCache, ReplayGuard
from pmbridge.signing._replay_file import PersistentReplayCache
from pmbridge.signing._request import AUDIENCE_HEADER, RequestVerifier, sign_request, verify_request
from pmbridge.signing._response import sign_response, verify_response
from pmbridge.signing._supernode import (
    ServerCertificate,
    is_loopback,
    local_certificates,
    new_supernode_key,
    parse_supernode_key,
    supernode_public_line,
)
from pmbridge.signing._verify import VerifiedSignature

__all__ = [
    "AUDIENCE_HEADER",
    "DEFAULT_MAX_SKEW",
    "LABEL",
    "REQUEST_TAG",
    "RESPONSE_TAG",
    "KeyFiles",
    "KeyRing",
    "Message",
    "PersistentReplayCache",
    "ReplayCache",
    "ReplayGuard",
    "RequestVerifier",
    "ServerCertificate",
    "SignedRequests",
    "SigningKey",
    "TrustedKey",
    "VerifiedSignature",
    "VerifyingKey",
    "content_digest",
    "generate_key_pair",
    "is_loopback",
    "load_signing_key",
    "load_verifying_key",
    "local_certificates",
    "new_supernode_key",
    "normalise_headers",
    "parse_public_key",
    "parse_supernode_key",
    "request_message",
    "save_key_pair",
    "sign_request",
    "sign_response",
    "signature_base",
    "supernode_public_line",
    "verify_content_digest",
    "verify_reply",
    "verify_request",
    "verify_response",
]
