"""Locations (URLs) fit for a report or an error: the userinfo password and every query parameter
that carries a secret (``password``, ``token``, ``sig``, …) replaced by ``***``.
"""

from __future__ import annotations

from urllib.parse import unquote

__all__ = ["SECRET_PARAMETERS", "is_secret_parameter", "redact"]

SECRET_PARAMETERS = frozenset(
    {"password", "passwd", "pwd", "token", "access_token", "key", "secret", "apikey", "api_key", "sig"}
)
HIDDEN = "***"


def redact(location: str) -> str:
    """``location`` with its secrets hidden; a path (no ``://``) is returned as given.

    >>> redact("postgresql://omop:secret@db:5432/cdm")
    'postgresql://omop:***@db:5432/cdm'
    >>> redact("postgresql://u:p@ss@db/cdm?password=S3cret&options=-csearch_path%3Dcdm")
    'postgresql://u:***@db/cdm?password=***&options=-csearch_path%3Dcdm'
    >>> redact("https://host/fhir?Access-Token=abc&_count=5#top")
    'https://host/fhir?Access-Token=***&_count=5#top'
    """
    scheme, separator, rest = location.partition("://")
    if not separator:
        return location
    rest, hash_mark, fragment = rest.partition("#")
    rest, question_mark, query = rest.partition("?")
    authority, slash, path = rest.partition("/")
    userinfo, at, host = authority.rpartition("@")  # the last '@': a password may hold an unencoded one
    if at and ":" in userinfo:
        authority = f"{userinfo.split(':', 1)[0]}:{HIDDEN}@{host}"
    if query:
        query = "&".join(_redacted_parameter(part) for part in query.split("&"))
    return f"{scheme}://{authority}{slash}{path}{question_mark}{query}{hash_mark}{fragment}"


def is_secret_parameter(name: str) -> bool:
    """A query parameter named like a secret (any case; ``client_secret``, ``x-api-key`` too)."""
    normal = unquote(name).strip().lower().replace("-", "_")
    return normal in SECRET_PARAMETERS or any(normal.endswith(f"_{word}") for word in SECRET_PARAMETERS)


def _redacted_parameter(part: str) -> str:
    name, equals, _ = part.partition("=")
    return f"{name}={HIDDEN}" if equals and is_secret_parameter(name) else part
