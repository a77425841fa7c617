"""How the hub delivers access-request notifications beyond its inbox: ``[access.smtp]`` (mail)
and ``[access.webhook]`` (a signed POST per event). Secrets stay in the environment, named here."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from pmbridge.access._notifications import NOTIFICATION_KINDS
from pmbridge.config import NonEmpty, SettingsModel, closest_name
from pmbridge.hub._consensus_mail import KINDS as CONSENSUS_MAILS

__all__ = ["SmtpSettings", "WebhookSettings"]

_ENV_NAME = r"^([A-Za-z_][A-Za-z0-9_]*)?$"
_ENV_HINT = (
    "the NAME of an environment variable (letters, digits, _), e.g. {example}, never the secret itself"
)
Stripped = Annotated[str, StringConstraints(strip_whitespace=True)]


_WEBHOOK_KINDS = NOTIFICATION_KINDS | {f"consensus.{kind}" for kind in CONSENSUS_MAILS}


def _known_kind(kind: str) -> str:
    if kind not in _WEBHOOK_KINDS:
        guess = closest_name(kind, sorted(_WEBHOOK_KINDS))
        also = (
            f"; did you mean {guess!r}?" if guess else f"; the kinds are {', '.join(sorted(_WEBHOOK_KINDS))}"
        )
        raise ValueError(f"{kind!r} is no notification kind{also}")
    return kind


class SmtpSettings(SettingsModel):
    """``[access.smtp]``: the mail server notifications go out through; off while ``host`` is empty."""

    host: Stripped = Field(
        default="",
        description="Name or address of the SMTP server (submission). Empty: the hub sends no mail, "
        "and parties see notifications in the portal's inbox only.",
    )
    port: int = Field(
        default=587,
        ge=1,
        le=65535,
        description="TCP port of the SMTP server: 587 for submission with STARTTLS, 25 for a relay "
        "on the same network.",
    )
    sender: NonEmpty = Field(
        default="pm-bridge@localhost",
        description="The `From` address of every mail; one the SMTP server accepts from this hub, "
        'optionally with a name: `"PM Bridge <access@hub.example.org>"`.',
    )
    starttls: bool = Field(
        default=True,
        description="Switch the connection to TLS (STARTTLS) before logging in or sending; turn it "
        "off only for a server on the same host or a trusted network.",
    )
    username: Stripped = Field(
        default="", description="User name to log in to the SMTP server with; empty: send without logging in."
    )
    password_env: Annotated[str, StringConstraints(strip_whitespace=True, pattern=_ENV_NAME)] = Field(
        default="PMBRIDGE_SMTP_PASSWORD",
        description="Name of the environment variable that holds the SMTP password (used when "
        "`username` is set). The password itself never goes into the config file.",
        json_schema_extra={"hint": _ENV_HINT.format(example="PMBRIDGE_SMTP_PASSWORD")},
    )
    timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How long connecting to the server and each exchange with it may take before the "
        "mail counts as failed (and stays in the outbox for another try).",
    )

    @property
    def enabled(self) -> bool:
        """Whether the hub sends mail at all."""
        return bool(self.host)


class WebhookSettings(SettingsModel):
    """``[access.webhook]``: where the hub POSTs each notification, signed per Standard Webhooks;
    off while ``url`` is empty."""

    url: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^(https?://[^\s/]+\S*)?$")] = (
        Field(
            default="",
            description="The `http://` or `https://` address that receives one signed POST per "
            "notification (JSON: `type`, `id`, `timestamp`, `data`). Empty: no webhook.",
            json_schema_extra={"hint": 'an http(s) address, e.g. "https://chat.example.org/hooks/pm-bridge"'},
        )
    )
    secret_env: Annotated[str, StringConstraints(strip_whitespace=True, pattern=_ENV_NAME)] = Field(
        default="PMBRIDGE_WEBHOOK_SECRET",
        description="Name of the environment variable that holds the signing secret (`whsec_` and "
        "base64, as the receiver issued it). The secret itself never goes into the config file.",
        json_schema_extra={"hint": _ENV_HINT.format(example="PMBRIDGE_WEBHOOK_SECRET")},
    )
    kinds: list[Annotated[NonEmpty, AfterValidator(_known_kind)]] = Field(
        default_factory=list,
        description='The notification kinds to send, e.g. `["request.submit", "resource.approve"]`; '
        "empty: all of them.",
    )
    timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        description="How long the receiver may take to answer before the delivery counts as failed "
        "(and stays in the outbox for another try).",
    )

    @property
    def enabled(self) -> bool:
        """Whether the hub posts webhooks at all."""
        return bool(self.url)

    def wants(self, kind: str) -> bool:
        """Whether notifications of ``kind`` go to the webhook."""
        return not self.kinds or kind in self.kinds
