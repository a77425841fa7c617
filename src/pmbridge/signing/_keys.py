"""Ed25519 key pairs of nodes and the hub: generate, save (private key 0600), load, and name them.

A key is named by its ``key_id``: the first 16 characters of its RFC 7638 JWK thumbprint, short
enough for a log line and a registry, stable however the key is written down.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from pmbridge.errors import ConfigError

PUBLIC_TEXT_PREFIX = "ed25519:"
KEY_ID_LENGTH = 16


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(padded.replace("+", "-").replace("/", "_"))


@dataclass(frozen=True, slots=True, eq=False)
class VerifyingKey:
    """The public half: what a registry lists and what checks signatures. Its ``key_id`` is the
    first 16 characters of the RFC 7638 thumbprint (the RFC 8037 A.3 key below).

    >>> parse_public_key("ed25519:11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo").key_id
    'kPrK_qmxVWaYVA9w'
    """

    public: Ed25519PublicKey
    raw: bytes = field(
        init=False, repr=False
    )  # worked out once: every signature and audit entry names the key
    key_id: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        raw = self.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        object.__setattr__(self, "raw", raw)
        object.__setattr__(self, "key_id", self.thumbprint()[:KEY_ID_LENGTH])

    def thumbprint(self) -> str:
        """The full RFC 7638 JWK thumbprint (SHA-256, base64url)."""
        canonical = json.dumps(self.jwk(), sort_keys=True, separators=(",", ":"))
        return _b64url(hashlib.sha256(canonical.encode("ascii")).digest())

    def jwk(self) -> dict[str, str]:
        """The key as an RFC 8037 JWK, for registries that speak JOSE."""
        return {"crv": "Ed25519", "kty": "OKP", "x": _b64url(self.raw)}

    @property
    def text(self) -> str:
        """One line for a TOML registry: ``ed25519:`` and the raw key in base64url.

        >>> parse_public_key("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo").text
        'ed25519:11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo'
        """
        return PUBLIC_TEXT_PREFIX + _b64url(self.raw)

    def pem(self) -> bytes:
        return self.public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def verify(self, signature: bytes, data: bytes) -> bool:
        """Whether ``signature`` is this key's Ed25519 signature of ``data``."""
        try:
            self.public.verify(signature, data)
        except InvalidSignature:
            return False
        return True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, VerifyingKey) and other.raw == self.raw

    def __hash__(self) -> int:
        return hash(self.raw)

    def __repr__(self) -> str:
        return f"VerifyingKey({self.key_id})"


@dataclass(frozen=True, slots=True, eq=False)
class SigningKey:
    """The private half, held by one process; its repr never shows the secret."""

    private: Ed25519PrivateKey
    verifying_key: VerifyingKey = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "verifying_key", VerifyingKey(self.private.public_key()))

    @property
    def key_id(self) -> str:
        return self.verifying_key.key_id

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data)

    def pem(self) -> bytes:
        return self.private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def __repr__(self) -> str:
        return f"SigningKey({self.key_id})"


@dataclass(frozen=True, slots=True)
class KeyFiles:
    """Where ``save_key_pair`` wrote a pair."""

    private: Path
    public: Path
    key_id: str


def generate_key_pair() -> SigningKey:
    """A fresh Ed25519 key pair from the operating system's random source."""
    return SigningKey(Ed25519PrivateKey.generate())


def save_key_pair(key: SigningKey, *, directory: Path, name: str, overwrite: bool = False) -> KeyFiles:
    """Write ``NAME.key`` (PKCS#8 PEM, mode 0600) and ``NAME.pub`` (PEM) into ``directory``.

    Existing files are kept unless ``overwrite``: replacing a key silently would lock a node out.
    """
    if not name or "/" in name or name.startswith("."):
        raise ConfigError(f"key name {name!r} is not a plain file name", hint="use e.g. --name hub")
    directory.mkdir(parents=True, exist_ok=True)
    private, public = directory / f"{name}.key", directory / f"{name}.pub"
    if not overwrite and (private.exists() or public.exists()):
        raise ConfigError(
            f"{private} or {public} already exists", hint="choose another --name or remove the old pair"
        )
    _write(private, key.pem(), mode=0o600)
    _write(public, key.verifying_key.pem(), mode=0o644)
    return KeyFiles(private=private, public=public, key_id=key.key_id)


def _write(path: Path, content: bytes, *, mode: int) -> None:
    # Created with its final mode, so the secret is never readable by others, not even briefly.
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.write(fd, content)
        os.fchmod(fd, mode)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def load_signing_key(path: Path) -> SigningKey:
    """Read a private key written by ``save_key_pair``; refuse one that others can read."""
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"private key {path} not found", hint="create one with `pmbridge keys generate`"
        ) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"private key {path} is readable by other users", hint=f"chmod 600 {path}")
    try:
        private = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{path} is not an unencrypted PEM private key: {exc}") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise ConfigError(f"{path} is not an Ed25519 key", hint="create one with `pmbridge keys generate`")
    return SigningKey(private)


def load_verifying_key(path: Path) -> VerifyingKey:
    """Read a public key file: PEM, or one line of the text ``parse_public_key`` accepts."""
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise ConfigError(f"public key {path} not found") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not a text public key file") from None
    return parse_public_key(text, where=str(path))


def parse_public_key(text: str, *, where: str = "public key") -> VerifyingKey:
    """Read a public key as a registry writes it: ``ed25519:B64URL``, bare base64, PEM or a JWK.

    >>> parse_public_key('{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}')
    VerifyingKey(kPrK_qmxVWaYVA9w)
    """
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            public = serialization.load_pem_public_key(text.encode("ascii"))
            if not isinstance(public, Ed25519PublicKey):
                raise ConfigError(f"{where} is not an Ed25519 public key")
            return VerifyingKey(public)
        if text.startswith("{"):
            jwk = json.loads(text)
            if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
                raise ConfigError(f"{where} is not an Ed25519 JWK (kty OKP, crv Ed25519)")
            text = str(jwk.get("x", ""))
        raw = _unb64(text.removeprefix(PUBLIC_TEXT_PREFIX))
        return VerifyingKey(Ed25519PublicKey.from_public_bytes(raw))
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise ConfigError(
            f"{where} is not an Ed25519 public key: {exc}",
            hint="use the text `pmbridge keys show NAME.pub` prints (ed25519:...)",
        ) from None
