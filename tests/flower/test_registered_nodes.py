"""Federated learning's transport identity: a node's SuperNode key, the local CA, the hub's settings
for both, and the hub's rule that a registered SuperNode speaks only under its registered name."""

from __future__ import annotations

import datetime
import json
import ssl
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from flwr.app import ConfigRecord, Message, RecordDict
from flwr.supercore.task_identity import TaskIdentity

from pmbridge.errors import ConfigError, QueryError
from pmbridge.flower import _wire as w
from pmbridge.flower._hub_rounds import _read, wait_for_nodes
from pmbridge.flower._server_app import registered_nodes
from pmbridge.hub import parse_hub_config
from pmbridge.signing import (
    is_loopback,
    local_certificates,
    new_supernode_key,
    parse_supernode_key,
    supernode_public_line,
)
from tests.trust import node_key


@pytest.fixture
def hub_identity() -> Iterator[None]:
    """Flower stamps every Message with the running task's identity, which a ServerApp has."""
    saved = (TaskIdentity._run_id, TaskIdentity._node_id, TaskIdentity._task_id)
    TaskIdentity.run_id, TaskIdentity.node_id, TaskIdentity.task_id = 7, 0, 1
    yield
    TaskIdentity._run_id, TaskIdentity._node_id, TaskIdentity._task_id = saved


def reply_from(node_id: int, name: str) -> Message:
    asked = Message(content=RecordDict(), message_type="train", dst_node_id=node_id)
    return Message(RecordDict({w.NODE: ConfigRecord({"name": name, "status": w.TRAINED})}), reply_to=asked)


@pytest.mark.usefixtures("hub_identity")
def test_a_registered_supernode_cannot_speak_for_another_node() -> None:
    registered = {11: "lyon", 12: "rome"}
    spoofed = _read(reply_from(11, "rome"), {}, registered)
    assert spoofed.status == "error" and spoofed.name == "lyon"
    assert "registered for 'lyon'" in spoofed.reason
    honest = _read(reply_from(12, "rome"), {}, registered)
    assert (honest.status, honest.name) == (w.TRAINED, "rome")


@pytest.mark.usefixtures("hub_identity")
def test_without_registration_a_node_names_itself() -> None:
    assert _read(reply_from(11, "rome"), {}, None).name == "rome"


class Grid:
    def __init__(self, ids: list[int]) -> None:
        self.ids = ids

    def get_node_ids(self) -> list[int]:
        return self.ids


def test_only_registered_supernodes_are_asked() -> None:
    grid = Grid([11, 12, 99])
    assert wait_for_nodes(grid, count=1, seconds=0.1, registered={11: "a", 12: "b"}) == [11, 12]  # type: ignore[arg-type]
    assert wait_for_nodes(grid, count=1, seconds=0.1) == [11, 12, 99]  # type: ignore[arg-type]


def test_the_run_config_names_the_registered_nodes() -> None:
    assert registered_nodes({w.NODE_IDS: json.dumps({"11": "lyon"})}) == {11: "lyon"}
    assert registered_nodes({}) is None
    with pytest.raises(QueryError, match="node-ids"):
        registered_nodes({w.NODE_IDS: "[1, 2]"})


def test_a_supernode_key_is_created_owner_only_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "supernode.key"
    line = new_supernode_key(path)
    assert line.startswith("ecdsa-sha2-nistp384 ")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert supernode_public_line(path) == line
    with pytest.raises(ConfigError, match="never overwritten"):
        new_supernode_key(path)
    assert supernode_public_line(path) == line  # the key that was there is kept
    pem = parse_supernode_key(line, where="flower_key")
    assert (
        serialization.load_pem_public_key(pem)
        .public_bytes(  # the PEM Flower registers
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        )
        .decode()
        == line
    )


def test_keys_that_flower_cannot_use_are_named_with_the_fix(tmp_path: Path) -> None:
    ed = ed25519.Ed25519PrivateKey.generate()
    ssh = ed.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    with pytest.raises(ConfigError, match="not a NIST elliptic-curve key") as refused:
        parse_supernode_key(ssh.decode(), where="nodes['rome'].flower_key")
    assert "nodes['rome'].flower_key" in str(refused.value) and "--new-key" in (refused.value.hint or "")
    with pytest.raises(ConfigError, match="not an OpenSSH public key"):
        parse_supernode_key("ed25519:abc", where="x")
    with pytest.raises(ConfigError, match="not found"):
        supernode_public_line(tmp_path / "missing.key")
    wrong = tmp_path / "ed.key"
    wrong.write_bytes(
        ed.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
        )
    )
    with pytest.raises(ConfigError, match="not an elliptic-curve key"):
        supernode_public_line(wrong)


def test_the_local_ca_signs_a_certificate_for_the_loopback(tmp_path: Path) -> None:
    files = local_certificates(tmp_path / "tls")
    certificate = x509.load_pem_x509_certificate(files.certificate.read_bytes())
    ca = x509.load_pem_x509_certificate(files.ca.read_bytes())
    certificate.verify_directly_issued_by(ca)
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert [str(a) for a in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert stat.S_IMODE(files.key.stat().st_mode) == 0o600
    context = ssl.create_default_context(cafile=str(files.ca))  # what a client trusts
    context.load_cert_chain(str(files.certificate), str(files.key))  # the pair matches
    assert local_certificates(tmp_path / "tls").ca.read_bytes() == files.ca.read_bytes()  # kept


@pytest.mark.parametrize(
    ("address", "loopback"),
    [("127.0.0.1:9092", True), ("localhost:1", True), ("[::1]:9", True), ("10.0.0.2:9092", False),
     ("superlink.example.org:443", False)],
)  # fmt: skip
def test_loopback_addresses(address: str, loopback: bool) -> None:
    assert is_loopback(address) is loopback


def _hub(tmp_path: Path, learning: dict[str, object], flower_key: str = "") -> dict[str, object]:
    node: dict[str, object] = {
        "id": "rome", "url": "http://127.0.0.1:9", "jurisdiction": "EU", "country": "IT",
        "public_key": node_key(tmp_path, "rome").verifying_key.text,
    }  # fmt: skip
    if flower_key:
        node["flower_key"] = flower_key
    return {"hub": {"id": "h"}, "nodes": [node], "learning": learning}


def test_the_hub_reads_its_nodes_supernode_keys_and_its_superlink_ca(tmp_path: Path) -> None:
    line = new_supernode_key(tmp_path / "rome.key")
    doc = _hub(
        tmp_path,
        {"enabled": True, "control": "superlink.example.org:443", "root_certificates": "ca.pem"},
        line,
    )
    config = parse_hub_config(doc, where="hub.toml", base=tmp_path)
    assert config.nodes[0].flower_key == parse_supernode_key(line, where="x")
    assert config.learning.root_certificates == str(tmp_path / "ca.pem")


def test_the_hub_refuses_plain_http_to_a_remote_superlink(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not on this machine") as refused:
        parse_hub_config(_hub(tmp_path, {"enabled": True, "control": "10.1.2.3:9093"}), where="hub.toml")
    assert "root_certificates" in (refused.value.hint or "")
    local = parse_hub_config(_hub(tmp_path, {"enabled": True, "control": "127.0.0.1:9093"}), where="hub.toml")
    assert local.learning.root_certificates is None


def test_the_hub_names_a_bad_flower_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nodes\['rome'\]\.flower_key"):
        parse_hub_config(_hub(tmp_path, {}, "not a key"), where="hub.toml")


def test_a_remote_superlink_needs_every_node_s_key_and_no_key_twice(tmp_path: Path) -> None:
    remote = {"enabled": True, "control": "superlink.example.org:443", "root_certificates": "ca.pem"}
    with pytest.raises(ConfigError, match="rome have no flower_key") as refused:
        parse_hub_config(_hub(tmp_path, remote), where="hub.toml")
    assert "--show-key" in (refused.value.hint or "")
    line = new_supernode_key(tmp_path / "rome.key")
    doc = _hub(tmp_path, {"enabled": True}, line)
    lyon = {**doc["nodes"][0], "id": "lyon", "public_key": node_key(tmp_path, "lyon").verifying_key.text}  # type: ignore[index, dict-item]
    doc["nodes"] = [*doc["nodes"], lyon]  # type: ignore[misc]
    with pytest.raises(ConfigError, match="the same flower_key"):
        parse_hub_config(doc, where="hub.toml")


def test_an_expired_local_certificate_is_made_again(tmp_path: Path) -> None:
    files = local_certificates(tmp_path / "tls")
    old_ca = files.ca.read_bytes()
    key = ec.generate_private_key(ec.SECP384R1())
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "old")])
    past = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    expired = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(past).not_valid_after(past + datetime.timedelta(days=30))
        .sign(key, hashes.SHA384())
    )  # fmt: skip
    files.certificate.write_bytes(expired.public_bytes(serialization.Encoding.PEM))
    again = local_certificates(tmp_path / "tls")
    assert again.ca.read_bytes() != old_ca
    fresh = x509.load_pem_x509_certificate(again.certificate.read_bytes())
    assert fresh.not_valid_after_utc > datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
