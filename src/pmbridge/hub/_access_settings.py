"""The ``[access]`` table of the hub (deadlines, visas, mail, webhooks) and a node's stewards.

Every default is declared here once; docs/configuration.md shows them (rendered from these models).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import Field, Strict

from pmbridge.access import Deadlines, Language
from pmbridge.config import NonEmpty, SettingsModel
from pmbridge.hub._access_desk import AccessSettings
from pmbridge.hub._delivery_settings import SmtpSettings, WebhookSettings

__all__ = ["AccessTable", "StewardSettings", "access_settings"]


class StewardSettings(SettingsModel):
    """One steward of a node, in ``[[nodes]] stewards = [{ ... }]``."""

    id: NonEmpty = Field(description="The steward's passport subject (`sub`), e.g. 'rome-steward'.")
    issuer: NonEmpty = Field(
        description="The issuer (`iss`) of the steward's passport: a subject counts only with its issuer."
    )
    name: str = Field(default="", description="The name researchers see on the steward's messages.")
    email: str = Field(
        default="", description="Where the steward's notifications are mailed; empty: inbox only."
    )
    language: Annotated[Language, Strict(False)] = Field(
        default=Language.EN, description="The language of the steward's mail: 'en' or 'zh'."
    )


class AccessTable(SettingsModel):
    """``[access]``: the negotiation's deadlines, the lifetime of grant visas, mail and webhooks."""

    reminder_days: list[int] = Field(
        default=[7, 14],
        description="Days without a post or a status change after which the party whose move it is "
        "gets a reminder (one per entry).",
    )
    abandon_days: int = Field(
        default=60, ge=1, description="Days without activity after which a sub-negotiation is abandoned."
    )
    visa_lifetime_seconds: float = Field(
        default=240.0,
        gt=0,
        le=240,
        description="How long one ControlledAccessGrants visa lives; the broker mints it again while the "
        "grant lasts. A revocation or an expiry reaches every node within this time plus the nodes' "
        "`passports.leeway_seconds` (60 by default): at most 5 minutes.",
    )
    sweep_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How often the hub checks deadlines and sends pending mail and webhooks.",
    )
    smtp: SmtpSettings | None = Field(
        default=None, description="`[access.smtp]`: notification mail; absent: inbox only."
    )
    webhooks: list[WebhookSettings] = Field(
        default_factory=list,
        description="`[[access.webhooks]]`: Standard-Webhooks-signed events for institutional systems.",
    )


def access_settings(table: AccessTable) -> AccessSettings:
    """The desk's settings from the ``[access]`` table."""
    return AccessSettings(
        deadlines=Deadlines(tuple(sorted(table.reminder_days)), table.abandon_days),
        visa_lifetime=timedelta(seconds=table.visa_lifetime_seconds),
        sweep_seconds=table.sweep_seconds,
    )
