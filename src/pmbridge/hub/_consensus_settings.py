"""The ``[consensus]`` table of the hub: who organises Delphi studies, and when reminders go out.

Organisers are listed by passport (issuer and subject), as ``knowledge.stewards`` are; their mail and
the panellists' goes through ``[access.smtp]``.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, Strict

from pmbridge.access import Language
from pmbridge.config import NonEmpty, SettingsModel

__all__ = ["ConsensusTable", "OrganiserEntry"]


class OrganiserEntry(SettingsModel):
    """One ``[[consensus.organisers]]`` entry."""

    id: NonEmpty = Field(
        description="The organiser's passport subject (`sub`), e.g. `eu-researcher` for the demo broker's "
        "Giulia Rossi.",
        json_schema_extra={"shown": "*(required in each entry)*"},
    )
    issuer: NonEmpty = Field(
        description="The issuer (`iss`) of the organiser's passport, one of the hub's trusted issuers: a "
        "subject counts only with its issuer. See [consensus studies](consensus.md).",
        json_schema_extra={"shown": "*(required in each entry)*"},
    )
    name: str = Field(default="", description="The organiser's name as studies show it; empty: the id.")
    email: str = Field(default="", description="The organiser's mail address; empty: none given.")
    language: Annotated[Language, Strict(False)] = Field(
        default=Language.EN, description="The organiser's language: 'en' or 'zh'."
    )


class ConsensusTable(SettingsModel):
    """``[consensus]``: Delphi expert-consensus studies (`/api/consensus`)."""

    organisers: list[OrganiserEntry] = Field(
        default_factory=list,
        description="Who may create and run consensus studies (`/api/consensus/studies`): "
        "`[{id = 'eu-researcher', issuer = 'https://broker.pmbridge.example', name = '…'}]`. None "
        "listed: studies are off. Invitations need `[access.smtp]`.",
        json_schema_extra={
            "hint": 'e.g. [[consensus.organisers]] id = "eu-researcher" issuer = "https://broker.example"'
        },
    )
    reminder_days: list[int] = Field(
        default=[3, 1],
        description="Days before a round closes on which its non-responders get a reminder (one per entry).",
    )
