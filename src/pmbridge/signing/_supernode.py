"""The keys and certificates of federated learning's transport (docs/learning.md, Transport):

- a node's **SuperNode key**, an elliptic-curve P-384 key in OpenSSH format (what Flower's
  SuperNode reads), whose public half the hub registers at its SuperLink, so that only registered
  nodes connect and the hub knows which node each Flower node id is;
- a **local certificate authority** and a server certificate for a SuperLink on this machine (the
  demo and the tests); a real SuperLink uses a certificate from the institution's own CA.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pmbridge.errors import ConfigError

CURVE: Final = ec.SECP384R1()
LOCAL_HOSTS: Final = ("localhost", "127.0.0.1")
CERTIFICATE_DAYS: Final = 30


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to a new owner-only file (never over an existing key)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ConfigError(
            f"{path} already exists; a key is never overwritten",
            hint="use the key that is there, or move it away first if you mean to replace it",
        ) from None
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def new_supernode_key(path: Path) -> str:
    """Create a SuperNode key at ``path`` (owner-only, never overwriting one) and return its public
    half as one OpenSSH line (``ecdsa-sha2-nistp384 AAAA…``), for the hub's ``[[nodes]] flower_key``."""
    key = ec.generate_private_key(CURVE)
    _write_private(
        path,
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
        ),
    )
    return _ssh_line(key.public_key())


def supernode_public_line(path: Path) -> str:
    """The public half of the SuperNode key at ``path``, as the OpenSSH line the hub registers."""
    try:
        key = serialization.load_ssh_private_key(path.read_bytes(), None)
    except FileNotFoundError:
        raise ConfigError(
            f"SuperNode key {path} not found", hint="create one with `pmbridge node learn --new-key`"
        ) from None
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ConfigError(
            f"{path} is not an OpenSSH elliptic-curve private key ({exc})",
            hint="create one with `pmbridge node learn --new-key`",
        ) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ConfigError(
            f"{path} is not an elliptic-curve key; Flower's SuperNode authentication needs one",
            hint="create one with `pmbridge node learn --new-key`",
        )
    return _ssh_line(key.public_key())


def _ssh_line(key: ec.EllipticCurvePublicKey) -> str:
    return key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def parse_supernode_key(text: str, *, where: str) -> bytes:
    """A node's SuperNode public key (the OpenSSH line) as the PEM bytes Flower's SuperLink
    registers; a ConfigError naming ``where`` for anything else."""
    try:
        key = serialization.load_ssh_public_key(text.strip().encode())
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ConfigError(
            f"{where} is not an OpenSSH public key ({exc})",
            hint="paste the line `pmbridge node learn --new-key` (or `--show-key`) printed at the node",
        ) from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name not in {
        "secp256r1",
        "secp384r1",
        "secp521r1",
    }:
        raise ConfigError(
            f"{where} is not a NIST elliptic-curve key, which Flower's SuperNode authentication needs",
            hint="create the node's key with `pmbridge node learn --new-key`",
        )
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


@dataclass(frozen=True, slots=True)
class ServerCertificate:
    """A CA's certificate and a server's certificate and key, as PEM files."""

    ca: Path
    certificate: Path
    key: Path


def local_certificates(directory: Path, *, hosts: tuple[str, ...] = LOCAL_HOSTS) -> ServerCertificate:
    """A fresh CA and a server certificate it signed for ``hosts`` (names or IP addresses), valid
    for CERTIFICATE_DAYS, written under ``directory`` (the keys owner-only): for a SuperLink on this
    machine. Files that are there already are kept while valid for another day (a restarted demo
    reuses its CA); expired or unreadable ones are made again.

    The CA signs this one certificate and its key is never written: nothing else can be signed.
    """
    files = ServerCertificate(directory / "ca.pem", directory / "superlink.pem", directory / "superlink.key")
    now = datetime.datetime.now(datetime.UTC)
    if _still_good(files, now):
        return files
    ca_key = ec.generate_private_key(CURVE)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "PM Bridge local CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=CERTIFICATE_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(ca_key, hashes.SHA384())
    )
    server_key = ec.generate_private_key(CURVE)
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=CERTIFICATE_DAYS))
        .add_extension(x509.SubjectAlternativeName([_general_name(h) for h in hosts]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA384())
    )
    directory.mkdir(parents=True, exist_ok=True)
    for path in (files.ca, files.certificate, files.key):
        path.unlink(missing_ok=True)  # a half-written set from an interrupted start
    files.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files.certificate.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    _write_private(
        files.key,
        server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )
    return files


def _still_good(files: ServerCertificate, now: datetime.datetime) -> bool:
    """All three files there, and the certificates valid for at least another day."""
    try:
        for path in (files.ca, files.certificate):
            certificate = x509.load_pem_x509_certificate(path.read_bytes())
            if certificate.not_valid_after_utc < now + datetime.timedelta(days=1):
                return False
        return files.key.exists()
    except (OSError, ValueError):
        return False


def _general_name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def is_loopback(address: str) -> bool:
    """Whether ``host:port`` names this machine (``localhost`` or a loopback IP)."""
    host = address.rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
