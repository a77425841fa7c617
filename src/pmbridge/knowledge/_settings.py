"""The ``[knowledge]`` table of the hub's TOML: who may change the roadmap, and whether to seed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pmbridge.errors import ConfigError

__all__ = ["DATABASE_NAME", "KnowledgeSettings", "parse_knowledge_settings"]

DATABASE_NAME = "knowledge.sqlite"  # in the hub's state_dir
_MIN_TOKEN = 16


@dataclass(frozen=True, slots=True)
class KnowledgeSettings:
    """``steward_token``: the bearer token of knowledge-base stewards ("" turns changes off);
    ``seed``: load the shipped seed into a new knowledge base."""

    steward_token: str = ""
    seed: bool = True

    def database(self, state_dir: Path) -> Path:
        return state_dir / DATABASE_NAME


def parse_knowledge_settings(table: object, *, where: str) -> KnowledgeSettings:
    """Check the ``[knowledge]`` table (absent: defaults)."""
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where}: [knowledge] must be a table")
    unknown = sorted(set(table) - {"steward_token", "seed"})
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
    return KnowledgeSettings(steward_token=token.strip(), seed=seed)
