"""The replay cache: remembers nonces for the window, stays bounded, and never opens a gap."""

from __future__ import annotations

import threading

import pytest

from pmbridge.errors import ConfigError, SignatureRejected
from pmbridge.signing import ReplayCache


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
