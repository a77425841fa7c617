"""Who is asking, as a node understands it after checking their passport."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pmbridge.model import AccessLevel, Jurisdiction

ANONYMOUS = "anonymous"
"""The id every caller without a passport shares."""


@dataclass(frozen=True, slots=True)
class Researcher:
    """A requester: access level overall and per dataset, where they work, why visas were ignored.

    ``controlled`` holds dataset ids exactly as the ControlledAccessGrants visas name them
    (case-sensitive, full string). ``country`` is None when unknown, and rules X1–X4 then treat
    the requester as abroad.

    >>> Researcher.anonymous().access("rome-rd")
    <AccessLevel.PUBLIC: 'public'>
    >>> r = Researcher("u1", level=AccessLevel.REGISTERED, controlled=frozenset({"rome-rd"}))
    >>> r.access("rome-rd"), r.access("Rome-RD")
    (<AccessLevel.CONTROLLED: 'controlled'>, <AccessLevel.REGISTERED: 'registered'>)
    """

    id: str
    level: AccessLevel = AccessLevel.PUBLIC
    issuer: str | None = None
    affiliation: str | None = None
    role: str | None = None
    country: str | None = None
    jurisdiction: Jurisdiction | None = None
    controlled: frozenset[str] = frozenset()
    expires: datetime | None = None
    ignored_visas: tuple[str, ...] = field(default=())

    @classmethod
    def anonymous(cls) -> Researcher:
        """The requester without a passport: public access only, location unknown."""
        return cls(ANONYMOUS)

    @property
    def is_anonymous(self) -> bool:
        return self.issuer is None

    def access(self, dataset_id: str) -> AccessLevel:
        """The access level for one dataset: controlled where a grant names it exactly."""
        return AccessLevel.CONTROLLED if dataset_id in self.controlled else self.level
