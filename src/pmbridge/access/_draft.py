"""An access request as a researcher writes it, read strictly from JSON.

Built from what the researcher already has (an explorer query, datasets they picked, or match
ids), with the research purpose in DUO words, the project in either language, the granularity,
the team, an ethics approval reference and an end date. Every problem is reported at once,
naming the field and what would be accepted, and nothing is stored until all are fixed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from pmbridge.access._notifications import Language
from pmbridge.errors import AccessRequestError

MAX_TITLE: Final = 300
MAX_ABSTRACT: Final = 10_000
MAX_DATASETS: Final = 50
MAX_TEAM: Final = 20
MAX_MATCHES: Final = 50
MAX_YEARS: Final = 5
GRANULARITIES: Final = ("record", "count", "boolean")
KINDS: Final = ("access", "contact")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
_KEYS: Final = frozenset(
    {
        "kind",
        "title",
        "abstract",
        "name",
        "email",
        "language",
        "purpose",
        "applicant",
        "granularity",
        "team",
        "until",
        "datasets",
        "query",
        "matches",
    }
)


@dataclass(frozen=True, slots=True)
class Target:
    """One dataset asked for, at one node."""

    node: str
    dataset: str


@dataclass(frozen=True, slots=True)
class Draft:
    """A request as written; ``purpose`` and ``applicant`` are the pre-check's JSON objects, which
    each node reads strictly (so the hub checks only that they are objects)."""

    kind: str
    title: str
    abstract: str
    name: str
    email: str
    language: Language
    purpose: Mapping[str, object]
    applicant: Mapping[str, object]
    granularity: str
    team: tuple[str, ...]
    until: date
    targets: tuple[Target, ...]
    query: Mapping[str, object] | None
    matches: tuple[str, ...]

    def precheck_body(self, *, on: date, node: str) -> dict[str, object]:
        """The pre-check a node is asked for its datasets in this request."""
        return {
            "purpose": dict(self.purpose),
            "applicant": dict(self.applicant),
            "datasets": [
                {"id": t.dataset, "granularity": self.granularity} for t in self.targets if t.node == node
            ],
            "on": on.isoformat(),
        }

    def to_wire(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "title": self.title,
            "abstract": self.abstract,
            "name": self.name,
            "email": self.email,
            "language": self.language.value,
            "purpose": dict(self.purpose),
            "applicant": dict(self.applicant),
            "granularity": self.granularity,
            "team": list(self.team),
            "until": self.until.isoformat(),
            "datasets": [{"node": t.node, "dataset": t.dataset} for t in self.targets],
            "query": None if self.query is None else dict(self.query),
            "matches": list(self.matches),
        }


def parse_draft(body: object, *, today: date) -> Draft:
    """Read a request body; AccessRequestError lists every problem at once.

    >>> d = parse_draft({"title": "Seizures in KCNQ2", "abstract": "…", "name": "G. Rossi",
    ...     "email": "g@uni.example", "purpose": {"category": "research", "use": "HMB"},
    ...     "until": "2027-06-30", "datasets": [{"node": "rome", "dataset": "rome-rd"}]},
    ...     today=date(2026, 12, 6))
    >>> d.granularity, d.language.value, d.targets[0].dataset
    ('count', 'en', 'rome-rd')
    """
    if not isinstance(body, Mapping):
        raise AccessRequestError(
            "an access request is a JSON object", hint="see docs/access.md for its fields"
        )
    problems: list[str] = []
    unknown = sorted(str(k) for k in body if k not in _KEYS)
    if unknown:
        problems.append(f"unknown field(s) {', '.join(unknown)}; the fields are {', '.join(sorted(_KEYS))}")

    def text(name: str, limit: int, *, required: bool = True) -> str:
        raw = body.get(name, "")
        if not isinstance(raw, str):
            problems.append(f"{name} must be text")
            return ""
        value = raw.strip()
        if required and not value:
            problems.append(f"{name} is required")
        elif len(value) > limit:
            problems.append(f"{name} is {len(value)} characters; the limit is {limit}")
        return value

    kind = body.get("kind", "access")
    if kind not in KINDS:
        problems.append(f"kind must be one of {', '.join(KINDS)}")
    title = text("title", MAX_TITLE)
    abstract = text("abstract", MAX_ABSTRACT, required=kind == "access")
    name = text("name", 200)
    email = text("email", 254)
    if email and not _EMAIL.match(email):
        problems.append(f"email {email!r} is not an e-mail address")
    language = body.get("language", "en")
    if language not in {lang.value for lang in Language}:
        problems.append("language must be en or zh (the language of your e-mails)")
        language = "en"
    purpose = _object(body, "purpose", problems, required=True)
    applicant = _object(body, "applicant", problems, required=False)
    granularity = body.get("granularity", "count")
    if granularity not in GRANULARITIES:
        problems.append(f"granularity must be one of {', '.join(GRANULARITIES)}")
    team = _texts(body, "team", MAX_TEAM, problems)
    matches = _texts(body, "matches", MAX_MATCHES, problems)
    if kind == "contact" and not matches:
        problems.append("a contact names the match it is about: matches = [match id from /api/match]")
    until = _until(body.get("until"), today, problems)
    targets = _targets(body.get("datasets"), problems)
    query = body.get("query")
    if query is not None and not isinstance(query, Mapping):
        problems.append("query must be the explorer's Beacon query object (or absent)")
    if problems:
        raise AccessRequestError(
            "the access request cannot be taken: " + "; ".join(problems),
            hint="fix every listed field and send it again; nothing was stored",
        )
    return Draft(
        kind=str(kind),
        title=title,
        abstract=abstract,
        name=name,
        email=email,
        language=Language(str(language)),
        purpose=purpose,
        applicant=applicant,
        granularity=str(granularity),
        team=team,
        until=until,
        targets=targets,
        query=query if isinstance(query, Mapping) else None,
        matches=matches,
    )


def _object(
    body: Mapping[str, object], name: str, problems: list[str], *, required: bool
) -> dict[str, object]:
    value = body.get(name)
    if value is None and not required:
        return {}
    if not isinstance(value, Mapping):
        problems.append(f"{name} must be an object (see docs/access.md)")
        return {}
    return {str(k): v for k, v in value.items()}


def _texts(body: Mapping[str, object], name: str, limit: int, problems: list[str]) -> tuple[str, ...]:
    value = body.get(name, [])
    if not isinstance(value, list) or not all(
        isinstance(v, str) and 0 < len(v.strip()) <= 200 for v in value
    ):
        problems.append(f"{name} must be a list of short texts")
        return ()
    if len(value) > limit:
        problems.append(f"{name} lists {len(value)}; the limit is {limit}")
    return tuple(str(v).strip() for v in value[:limit])


def _until(value: object, today: date, problems: list[str]) -> date:
    if not isinstance(value, str):
        problems.append("until (the end date of the access, YYYY-MM-DD) is required")
        return today
    try:
        until = date.fromisoformat(value)
    except ValueError:
        problems.append(f"until {value!r} is not a date (YYYY-MM-DD)")
        return today
    if until <= today:
        problems.append(f"until {value} is not after today ({today.isoformat()})")
    elif until > today + timedelta(days=365 * MAX_YEARS + 1):
        problems.append(f"until {value} is more than {MAX_YEARS} years ahead; ask for less and extend later")
    return until


def _targets(value: object, problems: list[str]) -> tuple[Target, ...]:
    if not isinstance(value, list) or not value:
        problems.append("datasets must list at least one {node, dataset}")
        return ()
    if len(value) > MAX_DATASETS:
        problems.append(f"datasets lists {len(value)}; the limit is {MAX_DATASETS}")
        return ()
    found: list[Target] = []
    for item in value:
        if not isinstance(item, Mapping) or set(item) != {"node", "dataset"}:
            problems.append("each of datasets is {node, dataset}")
            continue
        node, dataset = item["node"], item["dataset"]
        if not (
            isinstance(node, str) and _ID.match(node) and isinstance(dataset, str) and _ID.match(dataset)
        ):
            problems.append(f"dataset {item!r} has an invalid node or dataset id")
            continue
        target = Target(node, dataset)
        if target not in found:
            found.append(target)
    return tuple(found)
