"""Sending one notification mail through the SMTP server of ``[access.smtp]``: UTF-8 plain text,
marked with its language, sent from a worker thread so the hub's event loop never waits on it."""

from __future__ import annotations

import asyncio
import os
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from pmbridge.access._notifications import Language
from pmbridge.errors import ConfigError, UpstreamError
from pmbridge.hub._delivery_settings import SmtpSettings

__all__ = ["compose_mail", "send_mail"]

_CONTENT_LANGUAGE = {Language.EN: "en", Language.ZH: "zh-Hans"}
_TRANSFER_ENCODING = {Language.EN: "quoted-printable", Language.ZH: "base64"}


async def send_mail(
    settings: SmtpSettings, *, to: str, to_name: str, subject: str, body: str, language: Language
) -> None:
    """Send one mail; raise :class:`UpstreamError` naming the server when it cannot be delivered
    to it (the outbox then keeps the notification for another try)."""
    if not settings.enabled:
        raise ConfigError(
            "mail is off: [access.smtp] host is empty",
            hint="set [access.smtp] host (and port, sender) to send notification mail",
        )
    password = _password(settings)
    message = compose_mail(settings, to=to, to_name=to_name, subject=subject, body=body, language=language)
    try:
        await asyncio.to_thread(_deliver, settings, message, password)
    except (smtplib.SMTPException, OSError) as error:
        raise UpstreamError(
            f"the SMTP server {settings.host}:{settings.port} did not take the mail: "
            f"{type(error).__name__}: {error}",
            hint="check [access.smtp] (host, port, starttls, username, password_env) and that the "
            "hub can reach that server",
        ) from error


def compose_mail(
    settings: SmtpSettings, *, to: str, to_name: str, subject: str, body: str, language: Language
) -> EmailMessage:
    """The mail as sent: ``From`` per settings, ``To`` with the recipient's name, a fresh
    ``Message-ID`` and ``Date``, and the body as UTF-8 plain text."""
    message = EmailMessage()
    message["Subject"] = _one_line(subject)
    message["From"] = settings.sender
    message["To"] = Address(display_name=_one_line(to_name), addr_spec=to.strip())
    message["Date"] = formatdate(usegmt=True)
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    # 8-bit text would need a server that speaks 8BITMIME; these encodings pass any relay
    message.set_content(body, charset="utf-8", cte=_TRANSFER_ENCODING[language])
    message["Content-Language"] = _CONTENT_LANGUAGE[language]  # after: set_content drops Content-*
    return message


def _deliver(settings: SmtpSettings, message: EmailMessage, password: str | None) -> None:
    with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds) as smtp:
        if settings.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.username:
            smtp.login(settings.username, password or "")
        smtp.send_message(message)


def _password(settings: SmtpSettings) -> str | None:
    if not settings.username:
        return None
    password = os.environ.get(settings.password_env) if settings.password_env else None
    if not password:
        raise ConfigError(
            f"[access.smtp] username is set but the environment variable {settings.password_env or '(none)'} "
            "that should hold the SMTP password is not",
            hint="export the password in the variable that [access.smtp] password_env names, or leave "
            "username empty to send without logging in",
        )
    return password


def _one_line(text: str) -> str:
    """``text`` with its line breaks as spaces: a header ends at a line break."""
    return " ".join(text.split())
