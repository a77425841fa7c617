"""The ``[knowledge]`` table of the hub's TOML: who may change the roadmap, and whether to seed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import Field

from pmbridge.config import NonEmpty, SettingsModel, default_of, validated
from pmbridge.errors import ConfigError

__all__ = [
    "DATABASE_NAME",
    "KnowledgeSettings",
    "KnowledgeTable",
    "Steward",
    "StewardEntry",
    "knowledge_settings",
    "parse_knowledge_settings",
]

DATABASE_NAME = "knowledge.sqlite"  # in the hub's state_dir
_MIN_TOKEN = 16


class StewardEntry(SettingsModel):
    """One ``[[knowledge.stewards]]`` entry."""

    issuer: NonEmpty = Field(
        description="A knowledge-base steward who signs in to the portal: the issuer (`iss`) of their "
        "GA4GH passport, one of the hub's trusted issuers (`[passports]`, or the demo broker "
        "`https://broker.pmbridge.example`). Status changes are recorded under the passport's "
        "identity. See [knowledge](knowledge.md#roadmap-and-stewards).",
        json_schema_extra={"shown": "*(required in each entry)*"},
    )
    subject: NonEmpty = Field(
        description="The steward's passport subject (`sub`), unique within its issuer, e.g. "
        "`kb-steward` for the demo broker's knowledge-base steward.",
        json_schema_extra={"shown": "*(required in each entry)*"},
    )


class KnowledgeTable(SettingsModel):
    """The ``[knowledge]`` table of the hub's TOML."""

    steward_token: str = Field(
        default="",
        description="Bearer token of knowledge-base stewards who use the API, who may change a "
        "roadmap action's status (`POST /api/kb/actions/{id}/status`); at least 16 characters. "
        "Empty: only the stewards in `knowledge.stewards` may (none listed either: status changes "
        "are off). Keep the file readable by the hub's operator only. See [knowledge](knowledge.md).",
        json_schema_extra={
            "hint": "generate one: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        },
    )
    stewards: list[StewardEntry] = Field(
        default_factory=list,
        json_schema_extra={
            "hint": 'e.g. [[knowledge.stewards]] issuer = "https://broker.example" subject = "kb-steward"'
        },
    )
    seed: bool = Field(
        default=True,
        description="Load the knowledge-base seed shipped with PM Bridge into a new hub's knowledge "
        "base (`knowledge.sqlite` in `hub.state_dir`), once; later imports and status changes are "
        "never overwritten by it.",
    )


@dataclass(frozen=True, slots=True)
class Steward:
    """A knowledge-base steward, named as their passport names them: its issuer and its subject.

    A subject is unique only within its issuer, so both are needed.

    >>> Steward("https://broker.example", "kb-steward").label
    'kb-steward (https://broker.example)'
    """

    issuer: str
    subject: str

    @property
    def label(self) -> str:
        """How the roadmap history names this steward."""
        return f"{self.subject} ({self.issuer})"


@dataclass(frozen=True, slots=True)
class KnowledgeSettings:
    """``steward_token``: the bearer token of knowledge-base stewards who use the API ("" turns it off);
    ``stewards``: the passports (issuer, subject) of stewards who sign in; ``seed``: load the shipped
    seed into a new knowledge base."""

    steward_token: str = default_of(KnowledgeTable, "steward_token", str)
    seed: bool = default_of(KnowledgeTable, "seed", bool)
    stewards: tuple[Steward, ...] = ()

    def database(self, state_dir: Path) -> Path:
        return state_dir / DATABASE_NAME

    @property
    def changes_allowed(self) -> bool:
        """Whether anyone at all may change an action's status on this hub."""
        return bool(self.steward_token or self.stewards)

    def steward(self, issuer: str | None, subject: str) -> Steward | None:
        """The listed steward whose passport has this issuer and subject, or None.

        >>> s = KnowledgeSettings(stewards=(Steward("https://a.example", "kim"),))
        >>> s.steward("https://a.example", "kim") is not None, s.steward("https://b.example", "kim")
        (True, None)
        """
        wanted = Steward(issuer or "", subject)
        return wanted if wanted in self.stewards else None


def parse_knowledge_settings(table: object, *, where: str) -> KnowledgeSettings:
    """Check the ``[knowledge]`` table (absent: defaults)."""
    return knowledge_settings(validated(KnowledgeTable, table, where=where, at=("knowledge",)), where=where)


def knowledge_settings(table: KnowledgeTable, *, where: str) -> KnowledgeSettings:
    """The settings a checked ``[knowledge]`` table gives."""
    token = table.steward_token.strip()
    if token and len(token) < _MIN_TOKEN:
        raise ConfigError(
            f"{where}: knowledge.steward_token must be a string of at least {_MIN_TOKEN} characters",
            hint="generate one: python -c 'import secrets; print(secrets.token_urlsafe(32))'",
        )
    return KnowledgeSettings(
        steward_token=token,
        seed=table.seed,
        stewards=tuple(Steward(entry.issuer, entry.subject) for entry in table.stewards),
    )
