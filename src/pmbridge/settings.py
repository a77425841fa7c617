"""Where the docs show each config table: the settings tables of docs/*.md are rendered from the
settings models (one declaration per setting) and a test keeps the docs equal to the rendering.

Run ``python -m pmbridge.settings`` in the repository to rewrite the tables after changing a model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pmbridge.config import SettingsModel, setting_names, settings_rows
from pmbridge.hub import (
    AccessTable,
    ConsensusTable,
    HubFile,
    HubLearningSettings,
    HubSettings,
    NodeEntrySettings,
)
from pmbridge.knowledge import KnowledgeTable
from pmbridge.node import DatasetSettings, NodeFile, NodeLearningSettings, NodeSettings
from pmbridge.policy import DataUseSettings, PassportSettings, PolicySettings
from pmbridge.privacy import DisclosureSettings

__all__ = ["CONFIG_FILES", "DOC_TABLES", "DocTable", "Section", "documented_settings", "render_doc"]

_BLOCK = re.compile(r"(<!-- settings: (\S+) -->\n)(.*?)(<!-- /settings -->)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Section:
    """A model's rows, each setting named under ``prefix``; ``exclude`` leaves fields to another table."""

    model: type[SettingsModel]
    prefix: str
    exclude: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class DocTable:
    """One generated table: the page, the name of its ``<!-- settings: NAME -->`` block, its rows,
    and an optional extra column (header, ``json_schema_extra`` key)."""

    page: str
    name: str
    sections: tuple[Section, ...]
    extra: tuple[str, str] | None = None

    def render(self) -> str:
        header = ["setting", "default", "what it does"] + ([self.extra[0]] if self.extra else [])
        rows = [
            row
            for s in self.sections
            for row in settings_rows(
                s.model, prefix=s.prefix, exclude=s.exclude, extra=self.extra[1] if self.extra else None
            )
        ]
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header), *rows]
        return "\n".join(lines) + "\n"


CONFIG_FILES: tuple[type[SettingsModel], ...] = (NodeFile, HubFile)
"""The models of whole files: every setting below them must be documented."""

_POLICY = Section(PolicySettings, "policy.")
_PASSPORTS = Section(PassportSettings, "passports.")
DOC_TABLES: tuple[DocTable, ...] = (
    DocTable(
        "configuration.md",
        "node",
        (Section(NodeSettings, "node."), Section(DatasetSettings, "datasets[].", frozenset({"data_use"}))),
    ),
    DocTable(
        "configuration.md",
        "hub",
        (
            Section(HubSettings, "hub."),
            Section(KnowledgeTable, "knowledge."),
            Section(NodeEntrySettings, "nodes[]."),
        ),
    ),
    DocTable("configuration.md", "access", (Section(AccessTable, "access."),)),
    DocTable("configuration.md", "consensus", (Section(ConsensusTable, "consensus."),)),
    DocTable("learning.md", "node-learning", (Section(NodeLearningSettings, "learning."),)),
    DocTable("learning.md", "hub-learning", (Section(HubLearningSettings, "learning."),)),
    DocTable("access.md", "access", (Section(AccessTable, "access."),)),
    DocTable("configuration.md", "policy", (_POLICY,)),
    DocTable("configuration.md", "privacy", (Section(DisclosureSettings, "privacy."),)),
    DocTable("configuration.md", "passports", (_PASSPORTS,)),
    DocTable("policy.md", "policy", (_POLICY,)),
    DocTable("policy.md", "passports", (_PASSPORTS,)),
    DocTable("policy.md", "data_use", (Section(DataUseSettings, "datasets[].data_use."),)),
    DocTable(
        "privacy.md",
        "privacy",
        (Section(DisclosureSettings, "privacy."),),
        extra=("where the figure comes from", "source"),
    ),
)


def render_doc(page: str, text: str) -> str:
    """``text`` of docs/``page`` with each of its settings blocks replaced by the rendered table.

    A block the registry does not know, or a table of the registry the page lacks, is an error.
    """
    tables = {t.name: t for t in DOC_TABLES if t.page == page}
    found: set[str] = set()

    def table(match: re.Match[str]) -> str:
        name = match.group(2)
        if name not in tables:
            raise KeyError(f"docs/{page} has a settings block {name!r} that pmbridge.settings lacks")
        found.add(name)
        return match.group(1) + tables[name].render() + match.group(4)

    rendered = _BLOCK.sub(table, text)
    missing = sorted(set(tables) - found)
    if missing:
        raise KeyError(f"docs/{page} lacks the settings blocks {missing}: add <!-- settings: NAME -->")
    return rendered


def documented_settings() -> set[str]:
    """The settings the docs' tables name."""
    return {
        name
        for t in DOC_TABLES
        for s in t.sections
        for name in setting_names(s.model, prefix=s.prefix)
        if name.removeprefix(s.prefix).split(".")[0].split("[")[0] not in s.exclude
    }


def _rewrite(docs: Path) -> None:
    for page in sorted({t.page for t in DOC_TABLES}):
        path = docs / page
        path.write_text(render_doc(page, path.read_text(encoding="utf-8")), encoding="utf-8")


if __name__ == "__main__":
    _rewrite(Path("docs"))
