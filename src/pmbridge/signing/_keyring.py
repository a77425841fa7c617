"""The public keys a process trusts, each under the name of who holds it (``hub``, a node id)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from pmbridge.errors import ConfigError
from pmbridge.signing._keys import VerifyingKey


@dataclass(frozen=True, slots=True)
class TrustedKey:
    owner: str
    key: VerifyingKey


class KeyRing:
    """Look a signature's ``keyid`` up; the answer says whose key it is, so logs can name the sender.

    >>> from pmbridge.signing import parse_public_key
    >>> ring = KeyRing({"hub": parse_public_key("ed25519:11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")})
    >>> ring.get("kPrK_qmxVWaYVA9w").owner, ring.get("nope")
    ('hub', None)
    """

    __slots__ = ("_by_id",)

    def __init__(self, keys: Mapping[str, VerifyingKey]) -> None:
        by_id: dict[str, TrustedKey] = {}
        for owner, key in keys.items():
            if key.key_id in by_id:
                raise ConfigError(
                    f"{owner!r} and {by_id[key.key_id].owner!r} have the same key id {key.key_id}",
                    hint="every node and the hub need their own key pair",
                )
            by_id[key.key_id] = TrustedKey(owner, key)
        self._by_id = by_id

    def get(self, key_id: str) -> TrustedKey | None:
        return self._by_id.get(key_id)

    def __iter__(self) -> Iterator[TrustedKey]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __repr__(self) -> str:
        return "KeyRing(" + ", ".join(f"{t.owner}={t.key.key_id}" for t in self) + ")"
