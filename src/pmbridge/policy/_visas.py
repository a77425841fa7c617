"""GA4GH visas: their object, and the ``conditions`` that make one visa depend on others.

Conditions are evaluated as the Passport spec says (disjunctive normal form; ``const``,
``pattern`` and ``split_pattern`` matching; clauses only match visas without conditions).
A visa whose conditions are malformed or unmet is rejected, never half-trusted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

STANDARD_TYPES: Final = frozenset(
    {
        "AffiliationAndRole",
        "AcceptedTermsAndPolicies",
        "ResearcherStatus",
        "ControlledAccessGrants",
        "LinkedIdentities",
    }
)
_CLAUSE_CLAIMS: Final = frozenset({"value", "source", "by"})


@dataclass(frozen=True, slots=True)
class Visa:
    """One verified visa object (``ga4gh_visa_v1``) with its token's issuer, subject and expiry."""

    type: str
    value: str
    source: str
    by: str | None
    asserted: int
    iss: str
    sub: str
    exp: float
    conditions: tuple[tuple[Mapping[str, str], ...], ...] | None = None


class VisaRejected(ValueError):
    """Internal: why one visa is ignored (a passport is not rejected for one bad visa)."""


def read_visa(claims: Mapping[str, Any], *, now: float, leeway: int) -> Visa:
    """The visa object of verified visa claims; raises VisaRejected when it is malformed."""
    body = claims.get("ga4gh_visa_v1")
    if not isinstance(body, Mapping):
        raise VisaRejected("no ga4gh_visa_v1 object")
    fields = {name: body.get(name) for name in ("type", "value", "source")}
    missing = [name for name, value in fields.items() if not isinstance(value, str) or not value]
    if missing:
        raise VisaRejected(f"ga4gh_visa_v1 lacks {', '.join(missing)}")
    asserted = body.get("asserted")
    if isinstance(asserted, bool) or not isinstance(asserted, int):
        raise VisaRejected("ga4gh_visa_v1.asserted is not a timestamp")
    if asserted > now + leeway:
        raise VisaRejected("asserted in the future")
    by = body.get("by")
    if by is not None and not isinstance(by, str):
        raise VisaRejected("ga4gh_visa_v1.by is not a string")
    return Visa(
        type=str(fields["type"]),
        value=str(fields["value"]),
        source=str(fields["source"]),
        by=by,
        asserted=asserted,
        iss=str(claims["iss"]),
        sub=str(claims["sub"]),
        exp=float(claims["exp"]),
        conditions=_conditions(body["conditions"]) if "conditions" in body else None,
    )


def conditions_met(visa: Visa, others: Iterable[Visa]) -> bool:
    """Whether some OR-branch of ``visa.conditions`` has every clause matched by one other visa."""
    if visa.conditions is None:
        return True
    candidates = [o for o in others if o.conditions is None]
    return any(
        all(any(_clause_matches(clause, o) for o in candidates) for clause in branch)
        for branch in visa.conditions
    )


def pattern_matches(pattern: str, text: str) -> bool:
    """Passport pattern matching: ``?`` one character, ``*`` any run, full string, case-sensitive.

    >>> pattern_matches("faculty@*", "faculty@uni.example"), pattern_matches("a?c", "ABC")
    (True, False)
    """
    regex = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, text, flags=re.DOTALL) is not None


def _conditions(raw: object) -> tuple[tuple[Mapping[str, str], ...], ...]:
    if not isinstance(raw, list) or not raw:
        raise VisaRejected("conditions is not a non-empty list of lists")
    branches = []
    for branch in raw:
        if not isinstance(branch, list) or not branch:
            raise VisaRejected("a conditions branch is not a non-empty list")
        clauses = []
        for clause in branch:
            if not isinstance(clause, Mapping) or not isinstance(clause.get("type"), str):
                raise VisaRejected("a condition clause has no type")
            claims = set(clause) - {"type"}
            if not claims or not claims <= _CLAUSE_CLAIMS:
                raise VisaRejected(
                    f"unsupported condition claims {sorted(claims - _CLAUSE_CLAIMS) or 'none'}"
                )
            for name in claims:
                value = clause[name]
                if not isinstance(value, str) or value.partition(":")[0] not in (
                    "const",
                    "pattern",
                    "split_pattern",
                ):
                    raise VisaRejected(f"unsupported condition match {value!r} on {name}")
            clauses.append({str(k): str(v) for k, v in clause.items()})
        branches.append(tuple(clauses))
    return tuple(branches)


def _clause_matches(clause: Mapping[str, str], visa: Visa) -> bool:
    if clause["type"] != visa.type:
        return False
    actual = {"value": visa.value, "source": visa.source, "by": visa.by}
    for name, spec in clause.items():
        if name == "type":
            continue
        kind, _, expected = spec.partition(":")
        text = actual[name]
        if text is None:
            return False
        if kind == "const" and text != expected:
            return False
        if kind == "pattern" and not pattern_matches(expected, text):
            return False
        if kind == "split_pattern" and not any(pattern_matches(expected, part) for part in text.split(";")):
            return False
    return True
