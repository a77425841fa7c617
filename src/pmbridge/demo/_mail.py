"""The demo's mail server: a real SMTP server on 127.0.0.1 that keeps every mail the hub sends,
as ``<folder>/mail/NNNN.eml`` to open in a mail reader and in memory for the tests."""

from __future__ import annotations

import asyncio
import threading
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from types import TracebackType

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from pmbridge.errors import ConfigError

__all__ = ["LocalMailServer"]

DEMO_MAIL_HOST = "127.0.0.1"


class LocalMailServer:
    """An SMTP server on an ephemeral port of 127.0.0.1 (``port`` once started); it accepts every
    mail, without login or TLS, so it must never listen on anything but the loopback address."""

    def __init__(self, folder: Path, *, ready_timeout: float = 5.0) -> None:
        self.mailbox = folder / "mail"
        self._ready_timeout = ready_timeout
        self._lock = threading.Lock()
        self._messages: list[EmailMessage] = []
        self._controller: _EphemeralController | None = None

    @property
    def port(self) -> int:
        """The port the server listens on; only known once started."""
        if self._controller is None:
            raise ConfigError("the demo mail server is not running", hint="call start() first")
        return self._controller.port

    def start(self) -> None:
        """Listen, ready to accept mail when this returns (or raise within ``ready_timeout``)."""
        if self._controller is not None:
            return
        self.mailbox.mkdir(parents=True, exist_ok=True)
        controller = _EphemeralController(
            _MailboxHandler(self),
            hostname=DEMO_MAIL_HOST,
            port=0,
            ready_timeout=self._ready_timeout,
            # a fixed name: the default asks the resolver for this host's FQDN, which can hang
            server_hostname="pm-bridge-demo.localhost",
            enable_SMTPUTF8=True,
        )
        try:
            controller.start()
        except (OSError, TimeoutError) as error:
            controller.stop(no_assert=True)
            raise ConfigError(
                f"the demo mail server could not listen on {DEMO_MAIL_HOST}: {error}",
                hint="check that the loopback interface is up and that this process may open ports",
            ) from error
        self._controller = controller

    def stop(self) -> None:
        """Stop listening; the mails received stay in ``mailbox`` and in :meth:`messages`."""
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def messages(self) -> list[EmailMessage]:
        """Every mail received so far, oldest first."""
        with self._lock:
            return list(self._messages)

    def _keep(self, raw: bytes) -> None:
        # the wire's CRLF would otherwise stay in the decoded text
        message = BytesParser(policy=policy.default).parsebytes(raw.replace(b"\r\n", b"\n"))
        with self._lock:
            number = 1 + max((int(p.stem) for p in self.mailbox.glob("*.eml") if p.stem.isdigit()), default=0)
            path = self.mailbox / f"{number:04d}.eml"
            partial = path.with_suffix(".eml.partial")
            partial.write_bytes(raw)
            partial.replace(path)
            self._messages.append(message)

    def __enter__(self) -> LocalMailServer:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


class _MailboxHandler:
    """aiosmtpd's handler protocol: called once per mail, after the client's DATA."""

    def __init__(self, server: LocalMailServer) -> None:
        self._server = server

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.original_content or envelope.content
        raw = content.encode() if isinstance(content, str) else bytes(content or b"")
        self._server._keep(raw)
        return "250 Message accepted for delivery"


class _EphemeralController(Controller):
    """aiosmtpd's threaded controller, able to listen on port 0: it checks that the server answers
    by connecting to ``self.port``, which for port 0 must first become the port the system chose."""

    def _trigger_server(self) -> None:
        if self.port == 0 and isinstance(self.server, asyncio.Server):
            self.port = int(self.server.sockets[0].getsockname()[1])
        super()._trigger_server()  # type: ignore[no-untyped-call]  # aiosmtpd leaves it unannotated
