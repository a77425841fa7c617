"""The ``[knowledge]`` table of the hub's TOML: who may change the roadmap, and whether to seed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pmbridge.errors import ConfigError

__all__ = ["DATABASE_NAME", "KnowledgeSettings", "Steward", "parse_knowledge_settings"]

DATABASE_NAME = "knowledge.sqlite"  # in the hub's state_dir
_MIN_TOKEN = 16


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

    steward_token: str = ""
    seed: bool = True
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
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where}: [knowledge] must be a table")
    unknown = sorted(set(table) - {"steward_token", "seed", "stewards"})
    if unknown:
        raise ConfigError(
            f"{where}: unknown knowledge setting {', '.join(unknown)}", hint="see docs/configuration.md"
        )
    token, seed = table.get("steward_token", ""), table.get("seed", True)
    if not isinstance(token, str) or (token and len(token.strip()) < _MIN_TOKEN):
        raise ConfigError(
            f"{where}: knowledge.steward_token must be a string of at least {_MIN_TOKEN} characters",
            hint="generate one: python -c 'import secrets; print(secrets.token_urlsafe(32))'",
        )
    if not isinstance(seed, bool):
        raise ConfigError(f"{where}: knowledge.seed must be true or false")
    return KnowledgeSettings(
        steward_token=token.strip(), seed=seed, stewards=_stewards(table.get("stewards", []), where)
    )


def _stewards(value: object, where: str) -> tuple[Steward, ...]:
    hint = 'e.g. [[knowledge.stewards]] issuer = "https://broker.example" subject = "kb-steward"'
    if not isinstance(value, list):
        raise ConfigError(f"{where}: knowledge.stewards must be a list of tables", hint=hint)
    found = []
    for number, entry in enumerate(value, start=1):
        if not isinstance(entry, Mapping) or set(entry) != {"issuer", "subject"}:
            raise ConfigError(
                f"{where}: knowledge.stewards entry {number} must have exactly issuer and subject", hint=hint
            )
        issuer, subject = entry["issuer"], entry["subject"]
        if (
            not isinstance(issuer, str)
            or not isinstance(subject, str)
            or not issuer.strip()
            or not subject.strip()
        ):
            raise ConfigError(
                f"{where}: knowledge.stewards entry {number}: issuer and subject must be non-empty strings",
                hint=hint,
            )
        found.append(Steward(issuer.strip(), subject.strip()))
    return tuple(found)
