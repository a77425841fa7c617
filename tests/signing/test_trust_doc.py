"""docs/trust.md stays true: its example request, reply and audit entry verify with the RFC test key,
and its table of what each signature covers is what the hub and a node sign."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from pmbridge.audit import verify_audit_log
from pmbridge.signing import (
    AUDIENCE_HEADER,
    KeyRing,
    Message,
    ReplayCache,
    SignedRequests,
    generate_key_pair,
    parse_public_key,
    sign_response,
    verify_request,
    verify_response,
)
from pmbridge.signing._structured import InnerList, parse_dictionary, serialize_item

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


def covered_table() -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """The rows of "What each signature covers": direction -> [(components, when)]."""
    section = DOC.read_text().split("### What each signature covers", 1)[1].split("\n\n|", 1)[1]
    rows: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for line in ("|" + section).split("\n\n", 1)[0].splitlines()[2:]:
        direction, components, when = (cell.strip() for cell in line.strip("|").split("|"))
        rows.setdefault(direction.split()[0], []).append((tuple(re.findall(r"`([^`]+)`", components)), when))
    return rows


def signed_components(headers: dict[str, str]) -> tuple[str, ...]:
    spec = parse_dictionary({k.lower(): v for k, v in headers.items()}["signature-input"])["pmbridge"]
    assert isinstance(spec, InnerList)
    return tuple(serialize_item(item) for item in spec.items)


def hub_signed(extra: dict[str, str]) -> dict[str, str]:
    """Headers of a request as the hub's client signs it for node eu-rome: ``SignedRequests`` with
    no fixed audience, as ``create_hub_app`` installs it."""
    request = httpx.Request(
        "POST",
        "http://node/api/individuals?skip=0",
        content=b"{}",
        headers={AUDIENCE_HEADER: "eu-rome", "content-type": "application/json", **extra},
    )
    signed = next(SignedRequests(generate_key_pair()).auth_flow(request))
    return dict(signed.headers)


def test_the_covered_components_table_is_what_the_hub_and_a_node_sign() -> None:
    table = covered_table()
    always, audience, caller = (components for components, _ in table["request"])
    reply_always, reply_to_signed = (components for components, _ in table["reply"])
    passport = {"Authorization": "Bearer x.y.z", "PMBridge-Purpose": "research"}
    assert signed_components(hub_signed({})) == always + audience
    assert signed_components(hub_signed(passport)) == always + audience + caller
    assert signed_components(hub_signed({"PMBridge-Purpose": "research"})) == (
        *always,
        *audience,
        '"pmbridge-purpose"',
    )
    # A forwarded header outside the table is never covered.
    assert signed_components(hub_signed({"X-Forwarded-For": "10.0.0.1"})) == always + audience
    node = generate_key_pair()
    asked = Message.request("POST", "/api/individuals", hub_signed(passport).items())
    assert signed_components(sign_response(status=200, body=b"{}", key=node, request=asked)) == (
        reply_always + reply_to_signed
    )
    public = Message.request("GET", "/api/info", {})
    assert signed_components(sign_response(status=200, body=b"{}", key=node, request=public)) == reply_always


def test_the_docs_never_say_the_passport_or_purpose_go_unsigned() -> None:
    """docs/release.md once said the hub's signature did not cover them; it does."""
    for page in ("trust.md", "release.md"):
        text = " ".join((DOC.parent / page).read_text().split())
        assert "not covered by the hub's request signature" not in text, page
        assert "the signature does not cover them" not in text, page
