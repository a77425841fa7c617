"""docs/trust.md stays true: its example request, reply and audit entry verify with the RFC test key."""

from __future__ import annotations

import re
from pathlib import Path

from pmbridge.audit import verify_audit_log
from pmbridge.signing import KeyRing, Message, ReplayCache, parse_public_key, verify_request, verify_response

DOC = Path(__file__).resolve().parents[2] / "docs" / "trust.md"
# RFC 9421 appendix B.1.4 "test-key-ed25519", the published key the examples are signed with.
RFC_TEST_KEY = parse_public_key("ed25519:JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs")


def blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", DOC.read_text(), flags=re.S)


def parse_http(block: str) -> tuple[str, dict[str, str], bytes]:
    head, _, body = block.partition("\n\n")
    start, *lines = head.splitlines()
    headers = dict(line.split(": ", 1) for line in lines)
    return start, headers, body.strip().encode()


def test_the_example_request_and_reply_verify() -> None:
    request_block, reply_block = blocks("http")
    start, headers, body = parse_http(request_block)
    method, target, _ = start.split()
    ring = KeyRing({"hub": RFC_TEST_KEY})
    verified = verify_request(
        method=method,
        target=target,
        headers=headers,
        body=body,
        keys=ring,
        replay=ReplayCache(window_seconds=30),
        audience="eu-rome",
        now=1_750_000_000,
    )
    assert verified.key_id == "poqkLGiymh_W0uP6"
    status_line, reply_headers, reply_body = parse_http(reply_block)
    verify_response(
        status=int(status_line.split()[1]),
        headers=reply_headers,
        body=reply_body,
        request=Message.request(method, target, headers),
        keys=ring,
        now=1_750_000_001,
    )


def test_the_example_audit_entry_verifies(tmp_path: Path) -> None:
    (line,) = [b for b in blocks("json") if '"prev_hash"' in b]
    path = tmp_path / "audit.jsonl"
    path.write_text(line)
    report = verify_audit_log(path, keys=[RFC_TEST_KEY])
    assert report.ok, report.problem
