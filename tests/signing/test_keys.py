"""Key pairs: files with the right modes, load round trips, public text formats, key ids."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest

from pmbridge.errors import ConfigError
from pmbridge.signing import (
    KeyRing,
    generate_key_pair,
    load_signing_key,
    load_verifying_key,
    parse_public_key,
    save_key_pair,
)


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    key = generate_key_pair()
    files = save_key_pair(key, directory=tmp_path / "keys", name="hub")
    assert files.private.name == "hub.key" and files.public.name == "hub.pub"
    assert stat.S_IMODE(files.private.stat().st_mode) == 0o600
    assert stat.S_IMODE(files.public.stat().st_mode) == 0o644
    assert files.private.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    loaded = load_signing_key(files.private)
    assert loaded.key_id == key.key_id == files.key_id
    assert load_verifying_key(files.public) == key.verifying_key
    assert loaded.verifying_key.verify(key.sign(b"hello"), b"hello")
    assert not [p.name for p in files.private.parent.iterdir() if p.suffix == ".tmp"]


def test_existing_pair_is_not_replaced_without_overwrite(tmp_path: Path) -> None:
    first = save_key_pair(generate_key_pair(), directory=tmp_path, name="node")
    with pytest.raises(ConfigError, match="already exists"):
        save_key_pair(generate_key_pair(), directory=tmp_path, name="node")
    second = save_key_pair(generate_key_pair(), directory=tmp_path, name="node", overwrite=True)
    assert second.key_id != first.key_id
    assert load_signing_key(second.private).key_id == second.key_id


@pytest.mark.parametrize("name", ["", "../x", ".hidden", "a/b"])
def test_key_names_are_plain_file_names(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError):
        save_key_pair(generate_key_pair(), directory=tmp_path, name=name)


def test_private_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    files = save_key_pair(generate_key_pair(), directory=tmp_path, name="hub")
    os.chmod(files.private, 0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_signing_key(files.private)


def test_missing_and_wrong_files_say_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="pmbridge keys generate"):
        load_signing_key(tmp_path / "nope.key")
    files = save_key_pair(generate_key_pair(), directory=tmp_path, name="hub")
    junk = tmp_path / "junk.key"
    junk.write_text("not a key")
    junk.chmod(0o600)
    with pytest.raises(ConfigError, match="PEM"):
        load_signing_key(junk)
    public_as_private = tmp_path / "public-as-private.key"
    public_as_private.write_bytes(files.public.read_bytes())
    public_as_private.chmod(0o600)
    with pytest.raises(ConfigError, match="PEM"):
        load_signing_key(public_as_private)


def test_public_key_text_formats_all_name_the_same_key() -> None:
    public = generate_key_pair().verifying_key
    forms = [
        public.text,
        public.text.removeprefix("ed25519:"),
        public.pem().decode(),
        json.dumps(public.jwk()),
        "ed25519:" + base64.b64encode(public.raw).decode(),  # standard base64 too
    ]
    assert {parse_public_key(f).key_id for f in forms} == {public.key_id}
    assert len(public.key_id) == 16
    assert public.thumbprint().startswith(public.key_id)


@pytest.mark.parametrize(
    "text", ["ed25519:AAAA", "hello", '{"kty":"EC"}', "-----BEGIN PUBLIC KEY-----\nxx\n"]
)
def test_bad_public_key_text_is_a_config_error(text: str) -> None:
    with pytest.raises(ConfigError, match="Ed25519"):
        parse_public_key(text)


def test_repr_never_shows_the_secret() -> None:
    key = generate_key_pair()
    assert repr(key) == f"SigningKey({key.key_id})"
    assert "PRIVATE" not in repr(key)


def test_a_ring_refuses_one_key_under_two_names() -> None:
    public = generate_key_pair().verifying_key
    with pytest.raises(ConfigError, match="same key id"):
        KeyRing({"eu-rome": public, "cn-shanghai": public})
