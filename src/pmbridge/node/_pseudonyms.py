"""Pseudonymous match ids: HMAC-SHA256 under a secret that never leaves the node's folder.

A released id is per researcher: the same patient has the same id in every answer to one
researcher, and unrelated ids for two researchers (so they cannot pool answers on one patient) and
at two nodes; the node resolves an id by recomputing it for the researcher who quotes it. The
index's own keys (:meth:`MatchIds.of`) never leave the node.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

from pmbridge.errors import ConfigError
from pmbridge.policy import Researcher

SECRET_FILE = "match-id.secret"  # noqa: S105 - the file's name, not a secret
PREFIX = "m-"
ID_HEX = 32  # 128 bits: unguessable, and short enough to read out over the phone


class MatchIds:
    """Maps (dataset, individual id) to match ids under one node's secret.

    >>> ids = MatchIds(b"k" * 32)
    >>> ids.of("rome-rd", "p1") == ids.of("rome-rd", "p1"), ids.of("rome-rd", "p1") != ids.of("x", "p1")
    (True, True)
    >>> len(ids.of("rome-rd", "p1")), MatchIds.looks_valid(ids.of("rome-rd", "p1"))
    (34, True)
    >>> alice, bob = Researcher("alice", issuer="https://broker"), Researcher("bob", issuer="https://broker")
    >>> seen = ids.for_researcher(alice, "rome-rd", "p1")
    >>> seen == ids.for_researcher(alice, "rome-rd", "p1"), seen != ids.for_researcher(bob, "rome-rd", "p1")
    (True, True)
    >>> patients = [("rome-rd", "p2"), ("rome-rd", "p1")]
    >>> ids.resolve(seen, alice, patients), ids.resolve(seen, bob, patients)
    (('rome-rd', 'p1'), None)
    """

    __slots__ = ("_secret",)

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise ConfigError("the match-id secret is shorter than 32 bytes", hint=f"delete {SECRET_FILE}")
        self._secret = secret

    def of(self, dataset: str, individual: str) -> str:
        # A separator that ids cannot contain keeps ("a", "bc") and ("ab", "c") apart.
        message = f"{dataset}\x1f{individual}".encode()
        return PREFIX + hmac.digest(self._secret, message, "sha256").hex()[:ID_HEX]

    def for_researcher(self, researcher: Researcher, dataset: str, individual: str) -> str:
        """The id ``researcher`` (identified by issuer and subject) is given for one patient."""
        # A JSON list keeps the parts apart whatever characters ids contain.
        message = json.dumps(["match", researcher.issuer, researcher.id, dataset, individual]).encode()
        return PREFIX + hmac.digest(self._secret, message, "sha256").hex()[:ID_HEX]

    def resolve(
        self, match_id: str, researcher: Researcher, patients: Iterable[tuple[str, str]]
    ) -> tuple[str, str] | None:
        """The (dataset, individual) among ``patients`` whose id for ``researcher`` is ``match_id``."""
        for dataset, individual in patients:
            if hmac.compare_digest(self.for_researcher(researcher, dataset, individual), match_id):
                return dataset, individual
        return None

    @staticmethod
    def looks_valid(match_id: str) -> bool:
        """Whether ``match_id`` has the shape of a match id (any node's)."""
        body = match_id.removeprefix(PREFIX)
        return (
            match_id.startswith(PREFIX) and len(body) == ID_HEX and all(c in "0123456789abcdef" for c in body)
        )


def load_match_ids(folder: Path) -> MatchIds:
    """The node's match-id secret from ``folder``, created (readable by the owner only) on first use.

    Creation is atomic: two processes starting at once end up with the same secret.
    """
    path = folder / SECRET_FILE
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        draft = folder / f".{SECRET_FILE}.{os.getpid()}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as sink:
            sink.write(secrets.token_bytes(32).hex().encode())
            sink.flush()
            os.fsync(sink.fileno())
        try:
            os.link(draft, path)  # fails if another process got there first; theirs wins
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    try:
        return MatchIds(bytes.fromhex(path.read_text(encoding="ascii").strip()))
    except ValueError:
        raise ConfigError(
            f"{path} is not a hex secret",
            hint="restore it from the node's backup; a new secret changes every match id the node gave out",
        ) from None
