"""Fixtures of the signing tests: a hub key, a node key, and the rings each side trusts."""

from __future__ import annotations

import pytest

from pmbridge.signing import KeyRing, SigningKey, generate_key_pair


@pytest.fixture(scope="module")
def hub_key() -> SigningKey:
    return generate_key_pair()


@pytest.fixture(scope="module")
def node_key() -> SigningKey:
    return generate_key_pair()


@pytest.fixture(scope="module")
def hub_ring(hub_key: SigningKey) -> KeyRing:
    """What a node trusts: the hub's public key."""
    return KeyRing({"hub": hub_key.verifying_key})


@pytest.fixture(scope="module")
def node_ring(node_key: SigningKey) -> KeyRing:
    """What the hub trusts for the node it asked."""
    return KeyRing({"eu-rome": node_key.verifying_key})
