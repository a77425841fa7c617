"""The replay caches: remember nonces for the window, stay bounded, never open a gap, and (the
persistent one) survive a restart."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from pmbridge.errors import ConfigError, SignatureRejected, StoreError
from pmbridge.signing import (
    KeyRing,
    PersistentReplayCache,
    ReplayCache,
    RequestVerifier,
    generate_key_pair,
    sign_request,
)


def test_nonces_expire_after_the_window() -> None:
    cache = ReplayCache(window_seconds=30)
    cache.check_and_remember("k", "a", created=100, now=100)
    with pytest.raises(SignatureRejected):
        cache.check_and_remember("k", "a", created=100, now=130)
    cache.check_and_remember("k", "b", created=200, now=200)  # expiry runs on every call
    assert len(cache) == 1


def test_same_nonce_from_two_keys_is_two_entries() -> None:
    cache = ReplayCache(window_seconds=30)
    cache.check_and_remember("hub", "a", created=100, now=100)
    cache.check_and_remember("other", "a", created=100, now=100)
    assert len(cache) == 2


def test_full_cache_refuses_what_it_can_no_longer_prove_new() -> None:
    cache = ReplayCache(window_seconds=30, max_entries=3)
    for i, created in enumerate((100, 101, 102, 103)):
        cache.check_and_remember("k", f"n{i}", created=created, now=103)
    assert len(cache) == 3
    with pytest.raises(SignatureRejected, match="floor"):  # n0 was forgotten: its replay must still fail
        cache.check_and_remember("k", "n0", created=100, now=104)
    cache.check_and_remember("k", "n9", created=104, now=104)


def test_threads_never_accept_one_nonce_twice() -> None:
    cache = ReplayCache(window_seconds=30)
    accepted: list[str] = []
    lock = threading.Lock()

    def worker(name: str) -> None:
        for i in range(200):
            try:
                cache.check_and_remember("k", f"n{i}", created=100, now=100)
            except SignatureRejected:
                continue
            with lock:
                accepted.append(f"n{i}")

    threads = [threading.Thread(target=worker, args=(str(t),)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(accepted) == sorted(f"n{i}" for i in range(200))


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ConfigError, match="positive"):
        ReplayCache(window_seconds=0)


# The persistent cache: what a serving node uses (nonces.sqlite beside its store).


def test_a_persistent_cache_remembers_across_reopening(tmp_path: Path) -> None:
    path = tmp_path / "nonces.sqlite"
    first = PersistentReplayCache(path, window_seconds=30)
    first.check_and_remember("k", "a", created=100, now=100)
    first.close()
    again = PersistentReplayCache(path, window_seconds=30)
    with pytest.raises(SignatureRejected, match="replayed"):
        again.check_and_remember("k", "a", created=100, now=110)
    again.check_and_remember("other", "a", created=100, now=110)  # per key, as in memory
    assert len(again) == 2
    again.close()


def test_a_persistent_cache_forgets_only_what_is_stale_anyway(tmp_path: Path) -> None:
    cache = PersistentReplayCache(tmp_path / "nonces.sqlite", window_seconds=30)
    cache.check_and_remember("k", "old", created=100, now=100)
    cache.check_and_remember("k", "future", created=160, now=100)  # a sender's clock ahead of ours
    cache.check_and_remember("k", "new", created=131, now=131)  # 131 - 100 > 30: "old" is pruned
    assert len(cache) == 2
    with pytest.raises(SignatureRejected, match="replayed"):
        cache.check_and_remember("k", "future", created=160, now=131)
    cache.close()


def test_two_processes_worth_of_connections_never_accept_one_nonce_twice(tmp_path: Path) -> None:
    """Several caches on one file (as several worker processes of one node would hold), in threads."""
    path = tmp_path / "nonces.sqlite"
    caches = [PersistentReplayCache(path, window_seconds=30) for _ in range(4)]
    accepted: list[str] = []
    lock = threading.Lock()

    def worker(cache: PersistentReplayCache) -> None:
        for i in range(100):
            try:
                cache.check_and_remember("k", f"n{i}", created=100, now=100)
            except SignatureRejected:
                continue
            with lock:
                accepted.append(f"n{i}")

    threads = [threading.Thread(target=worker, args=(cache,)) for cache in caches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(accepted) == sorted(f"n{i}" for i in range(100))
    for cache in caches:
        cache.close()


def test_a_damaged_nonce_file_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "nonces.sqlite"
    path.write_bytes(b"not a database" * 100)
    with pytest.raises(StoreError, match="replay ledger") as caught:
        PersistentReplayCache(path, window_seconds=30)
    assert "delete it" in caught.value.hint


def test_a_verifier_with_a_nonce_file_refuses_a_replay_after_a_restart(tmp_path: Path) -> None:
    """The in-process core of tests/e2e/test_replay_restart.py: one verifier per process lifetime."""
    hub = generate_key_pair()
    ring = KeyRing({"hub": hub.verifying_key})
    headers = sign_request(method="POST", target="/api/x", body=b"{}", key=hub, audience="eu-a")

    def verify(verifier: RequestVerifier) -> None:
        verifier.verify(method="POST", target="/api/x", headers=list(headers.items()), body=b"{}")

    before = RequestVerifier(keys=ring, audience="eu-a", nonce_file=tmp_path / "nonces.sqlite")
    verify(before)
    before.close()
    after = RequestVerifier(keys=ring, audience="eu-a", nonce_file=tmp_path / "nonces.sqlite")
    with pytest.raises(SignatureRejected, match="replayed"):
        verify(after)
    after.close()
