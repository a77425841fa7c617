"""The JSON bodies of the similarity API (rank diseases, match patients, contact a match), checked.

Shared by the hub, which checks a body before fanning it out, and the node, which checks it again:
every problem is a QueryError naming the field and the fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from pmbridge.errors import QueryError

MAX_TERMS = 100
MAX_LIMIT = 100
DEFAULT_LIMIT = 10
MAX_MESSAGE = 4000
_GENE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,29}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_PHENOTYPE_KEYS = frozenset({"phenotypes", "excluded", "gene", "limit"})
_CONTACT_KEYS = frozenset({"node", "dataset", "matchId", "researcher", "message"})
_RESEARCHER_KEYS = frozenset({"name", "email", "organisation"})

_TERMS_SCHEMA: dict[str, object] = {
    "type": "array",
    "maxItems": MAX_TERMS,
    "items": {"type": "string", "minLength": 1, "description": "An HPO id (HP:0001250) or label"},
}
PHENOTYPE_REQUEST_SCHEMA: dict[str, object] = {
    "title": "PhenotypeRequest",
    "type": "object",
    "required": ["phenotypes"],
    "additionalProperties": False,
    "properties": {
        "phenotypes": {**_TERMS_SCHEMA, "minItems": 1},
        "excluded": _TERMS_SCHEMA,
        "gene": {"type": "string", "pattern": _GENE.pattern, "description": "An HGNC gene symbol"},
        "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    },
}
"""The body :func:`parse_phenotype_request` accepts, as JSON Schema for the OpenAPI documents."""


def _string(limit: int) -> dict[str, object]:
    return {"type": "string", "minLength": 1, "maxLength": limit}


CONTACT_REQUEST_SCHEMA: dict[str, object] = {
    "title": "ContactRequest",
    "type": "object",
    "required": ["node", "dataset", "matchId", "researcher", "message"],
    "additionalProperties": False,
    "properties": {
        "node": _string(100),
        "dataset": _string(200),
        "matchId": _string(100),
        "message": _string(MAX_MESSAGE),
        "researcher": {
            "type": "object",
            "required": ["name", "email"],
            "additionalProperties": False,
            "properties": {
                "name": _string(200),
                "email": {**_string(254), "format": "email"},
                "organisation": {"type": "string", "maxLength": 200},
            },
        },
    },
}
"""The body :func:`parse_contact_request` accepts, as JSON Schema for the OpenAPI documents."""


@dataclass(frozen=True, slots=True)
class PhenotypeRequest:
    """A patient as the API gives it: phenotypes (HPO ids or labels), excluded ones, a gene, how many."""

    phenotypes: tuple[str, ...]
    excluded: tuple[str, ...] = ()
    gene: str | None = None
    limit: int = DEFAULT_LIMIT

    def to_body(self) -> dict[str, object]:
        """The body again, normalised: what the hub forwards to every node."""
        body: dict[str, object] = {
            "phenotypes": list(self.phenotypes),
            "excluded": list(self.excluded),
            "limit": self.limit,
        }
        if self.gene is not None:
            body["gene"] = self.gene
        return body


def parse_phenotype_request(doc: object) -> PhenotypeRequest:
    """Check a ``{"phenotypes": [...], "excluded": [...], "gene": "...", "limit": n}`` body.

    >>> parse_phenotype_request({"phenotypes": ["HP:0001250"], "gene": "scn1a"}).gene
    'SCN1A'
    >>> parse_phenotype_request({"phenotypes": []})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    pmbridge.errors.QueryError: phenotypes must list at least one ...
    """
    body = _object(doc, "the request body", _PHENOTYPE_KEYS)
    phenotypes = _terms(body.get("phenotypes"), "phenotypes")
    if not phenotypes:
        raise QueryError(
            "phenotypes must list at least one HPO term the patient has",
            hint='e.g. {"phenotypes": ["HP:0001250", "HP:0001263"]}',
        )
    gene = body.get("gene")
    if gene is not None and (not isinstance(gene, str) or not _GENE.match(gene.strip())):
        raise QueryError(f"gene {gene!r} is not an HGNC gene symbol", hint='e.g. "gene": "SCN1A"')
    limit = body.get("limit", DEFAULT_LIMIT)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise QueryError(
            f"limit {limit!r} must be a whole number from 1 to {MAX_LIMIT}", hint='e.g. "limit": 10'
        )
    return PhenotypeRequest(
        phenotypes=phenotypes,
        excluded=_terms(body.get("excluded", []), "excluded"),
        gene=None if gene is None else gene.strip().upper(),
        limit=limit,
    )


@dataclass(frozen=True, slots=True)
class ContactRequest:
    """A researcher's request to be put in touch with the steward of one matched patient."""

    node: str
    dataset: str
    match_id: str
    name: str
    email: str
    organisation: str
    message: str

    def to_body(self) -> dict[str, object]:
        return {
            "node": self.node,
            "dataset": self.dataset,
            "matchId": self.match_id,
            "researcher": {"name": self.name, "email": self.email, "organisation": self.organisation},
            "message": self.message,
        }


def parse_contact_request(doc: object) -> ContactRequest:
    """Check a contact body: ``node``, ``dataset``, ``matchId``, ``message`` and ``researcher``
    (``name``, ``email``, optional ``organisation``).

    >>> parse_contact_request({"node": "n", "dataset": "d", "matchId": "m-1", "message": "hi",
    ...     "researcher": {"name": "A. Rossi", "email": "a@b.it"}}).organisation
    ''
    """
    body = _object(doc, "the request body", _CONTACT_KEYS)
    researcher = _object(body.get("researcher"), "researcher", _RESEARCHER_KEYS)
    email = _text(researcher, "email", "researcher.email", limit=254)
    if not _EMAIL.match(email):
        raise QueryError(
            f"researcher.email {email!r} is not an email address", hint="e.g. a.rossi@uniroma1.it"
        )
    return ContactRequest(
        node=_text(body, "node", "node", limit=100),
        dataset=_text(body, "dataset", "dataset", limit=200),
        match_id=_text(body, "matchId", "matchId", limit=100),
        name=_text(researcher, "name", "researcher.name", limit=200),
        email=email,
        organisation=_text(researcher, "organisation", "researcher.organisation", limit=200, required=False),
        message=_text(body, "message", "message", limit=MAX_MESSAGE),
    )


def _object(doc: object, where: str, keys: frozenset[str]) -> Mapping[str, object]:
    if not isinstance(doc, Mapping):
        raise QueryError(f"{where} must be a JSON object", hint="fields: " + ", ".join(sorted(keys)))
    unknown = sorted(str(k) for k in doc if k not in keys)
    if unknown:
        raise QueryError(
            f"{where} has unknown field(s) {', '.join(unknown)}", hint="fields: " + ", ".join(sorted(keys))
        )
    return doc


def _terms(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise QueryError(
            f"{where} must be a list of HPO ids or labels", hint=f'e.g. "{where}": ["HP:0001250"]'
        )
    if len(value) > MAX_TERMS:
        raise QueryError(f"{where} lists {len(value)} terms; at most {MAX_TERMS} are accepted")
    return tuple(dict.fromkeys(v.strip() for v in value))


def _text(doc: Mapping[str, object], key: str, where: str, *, limit: int, required: bool = True) -> str:
    value = doc.get(key, None if required else "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise QueryError(f"{where} must be a non-empty string", hint=f"set {where}")
    if len(value) > limit:
        raise QueryError(f"{where} is longer than {limit} characters", hint="shorten it")
    return value.strip()
