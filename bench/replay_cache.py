"""What the persistent nonce cache (nonces.sqlite) costs per signed request, against the in-memory one.

    .venv/bin/python -m bench.replay_cache [--repeat 5000] [--rounds 5]

Times, in this process, a node verifying distinct signed requests (RFC 9421, Ed25519, then the
nonce check) with each cache, and the nonce check alone, in alternating rounds so drift on a
shared machine hits both. Prints CPU µs per request (median of the rounds) and the ratios.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pmbridge.signing import (
    KeyRing,
    PersistentReplayCache,
    ReplayCache,
    ReplayGuard,
    RequestVerifier,
    SigningKey,
    generate_key_pair,
    sign_request,
)

BODY = b'{"query":{"filters":[{"id":"HP:0000707"}],"requestedGranularity":"count"}}'


def per_call(step: Callable[[int], object], repeat: int) -> float:
    """µs of this process's CPU time per call: on a shared machine, waiting for a core is not cost.
    (With ``synchronous=NORMAL`` a commit does not wait for the disk, so CPU time is the cost.)"""
    started = time.process_time()
    for i in range(repeat):
        step(i)
    return (time.process_time() - started) / repeat * 1e6


def one_round(kind: str, folder: Path, *, ring: KeyRing, hub: SigningKey, repeat: int) -> tuple[float, float]:
    """µs per request to verify distinct signed requests, then for the nonce check alone."""
    nonce_file = None if kind == "memory" else folder / "verify.sqlite"
    verifier = RequestVerifier(keys=ring, audience="bench", nonce_file=nonce_file)
    signed = [
        list(
            sign_request(
                method="POST", target="/api/individuals", body=BODY, key=hub, audience="bench"
            ).items()
        )
        for _ in range(repeat)
    ]
    verify = per_call(
        lambda i: verifier.verify(method="POST", target="/api/individuals", headers=signed[i], body=BODY),
        repeat,
    )
    verifier.close()
    cache: ReplayGuard = (
        ReplayCache(window_seconds=30)
        if kind == "memory"
        else PersistentReplayCache(folder / "check.sqlite", window_seconds=30)
    )
    now = time.time()
    nonces = [secrets.token_urlsafe(16) for _ in range(repeat)]  # random, as signers draw them
    check = per_call(lambda i: cache.check_and_remember("hub", nonces[i], created=int(now), now=now), repeat)
    cache.close()
    return verify, check


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    hub = generate_key_pair()
    ring = KeyRing({"hub": hub.verifying_key})
    costs: dict[str, list[float]] = {
        k: [] for k in ("verify memory", "verify file", "check memory", "check file")
    }
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(args.rounds):
            for kind in ("memory", "file"):
                folder = Path(tmp) / f"{kind}-{round_}"
                folder.mkdir()
                verify, check = one_round(kind, folder, ring=ring, hub=hub, repeat=args.repeat)
                costs[f"verify {kind}"].append(verify)
                costs[f"check {kind}"].append(check)
    median = {name: statistics.median(values) for name, values in costs.items()}
    print(f"per signed request, median of {args.rounds} rounds of {args.repeat}:")
    for name, micros in median.items():
        print(f"  {name:14s} {micros:7.1f} µs")
    print(f"  ratio verify file/memory: {median['verify file'] / median['verify memory']:.3f}")
    print(f"  ratio check file/memory:  {median['check file'] / median['check memory']:.3f}")


if __name__ == "__main__":
    main()
