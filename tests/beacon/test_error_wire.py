"""Every error crosses the wire as a schema-valid Beacon error that carries its code, hint and the
rule or reason that decided, and comes back as the same error (docs/errors.md, "On the wire")."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import jsonschema
import pytest

from pmbridge import errors
from pmbridge.beacon import BeaconRequest, error_response
from pmbridge.beacon._openapi import ERROR_SCHEMA
from pmbridge.errors import PMBridgeError, QueryError, UpstreamError, error_classes, error_from_wire
from tests.beacon_schemas import ERROR
from tests.beacon_schemas import errors as schema_errors

DOCS = Path(__file__).resolve().parents[2] / "docs"

SAMPLES: dict[str, PMBridgeError] = {
    "unknown_term": errors.UnknownTerm("HP:99999999"),
    "ledger_busy": errors.LedgerBusy("privacy ledger", timeout=5),
    "worker_failed": errors.WorkerFailed("generate", "killed by signal 9"),
    "worker_stalled": errors.WorkerStalled("generate", seconds=120, workers=4),
    "overloaded": errors.Overloaded(32, 2),
    "match_index_not_ready": errors.MatchIndexNotReady(5),
    "rate_limited": errors.RateLimited("too many sign-ins", retry_after=30),
    "duplicate_request": errors.DuplicateRequest("sent a moment ago", retry_after=7.5),
    "signature_rejected": errors.SignatureRejected("stale", "signed 400 s ago"),
    "disclosure_refused": errors.DisclosureRefused("differencing_guard", "too close to an earlier question"),
    "budget_exhausted": errors.BudgetExhausted(
        researcher="r", dataset="rome-rd", year=2026, spent=10, budget=10, requested=0.5
    ),
    "passport_rejected": errors.PassportRejected("expired", "exp is in the past"),
    "policy_refused": errors.PolicyRefused("X4", "genetic counts stay in China"),
    "kb_import_rejected": errors.KnowledgeImportRejected(["entry a: no title"]),
    "kb_unknown_entry": errors.UnknownEntry("policy:nothing"),
    "kb_not_a_steward": errors.NotASteward("researcher-1"),
}
"""One error of each class whose constructor is not the base one (message, hint)."""


def sample(cls: type[PMBridgeError]) -> PMBridgeError:
    return SAMPLES.get(cls.code) or cls(f"something about {cls.code}", hint=f"do what {cls.code} needs")


def test_every_class_has_its_own_code_and_a_sample() -> None:
    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, PMBridgeError)]
    assert sorted(error_classes()) == sorted(c.code for c in classes)  # no two classes share a code
    for code, cls in error_classes().items():
        assert type(sample(cls)) is cls, code


@pytest.mark.parametrize("code", sorted(error_classes()))
def test_an_error_comes_back_from_the_wire_as_itself(code: str) -> None:
    sent = sample(error_classes()[code])
    wire = sent.to_wire()
    assert (wire["errorCode"], wire["code"], wire["errorMessage"], wire["hint"]) == (
        sent.status,
        code,
        sent.message,
        sent.hint,
    )
    back = error_from_wire(wire, status=sent.status, fallback="unused")
    assert type(back) is type(sent)
    assert (back.message, back.hint, str(back)) == (sent.message, sent.hint, str(sent))
    for _, attribute in sent.wire_fields:
        assert getattr(back, attribute) == getattr(sent, attribute)
    assert back.refusal_rule == sent.refusal_rule


@pytest.mark.parametrize("code", sorted(error_classes()))
def test_every_error_body_is_a_valid_beacon_error_response(code: str) -> None:
    error = sample(error_classes()[code])
    body = error_response(beacon_id="org.example.node", request=BeaconRequest(), error=error)
    assert schema_errors(body, ERROR) == []
    jsonschema.validate(body, ERROR_SCHEMA)  # and the shape our OpenAPI documents say


def test_refusals_carry_their_rule_and_checks_their_reason() -> None:
    assert SAMPLES["policy_refused"].to_wire()["rule"] == "X4"
    assert SAMPLES["disclosure_refused"].to_wire()["rule"] == "differencing_guard"
    assert SAMPLES["budget_exhausted"].to_wire()["rule"] == "budget"
    assert SAMPLES["passport_rejected"].to_wire()["reason"] == "expired"
    assert SAMPLES["passport_rejected"].refusal_rule == "passport:expired"
    assert SAMPLES["rate_limited"].to_wire()["retryAfter"] == 30
    assert "rule" not in errors.QueryError("bad").to_wire()


@pytest.mark.parametrize(
    ("error", "status", "expected", "message"),
    [
        ({"errorCode": 404, "errorMessage": "no such page"}, 404, QueryError, "no such page"),
        ({"errorCode": 418, "code": "no_such_code"}, 418, QueryError, "fallback"),
        (None, 502, UpstreamError, "fallback"),
        ({"errorCode": 503, "errorMessage": 7}, 503, UpstreamError, "fallback"),
        ({"code": "policy_refused", "errorMessage": "refused by rule X1: x"}, 403, errors.PolicyRefused, ""),
    ],
)
def test_a_reply_without_a_known_code_is_a_query_or_upstream_error(
    error: dict[str, object] | None, status: int, expected: type[PMBridgeError], message: str
) -> None:
    back = error_from_wire(error, status=status, fallback="fallback")
    assert type(back) is expected
    assert back.message == (message or "refused by rule X1: x")
    if isinstance(back, errors.PolicyRefused):
        assert back.rule == "" and back.refusal_rule is None  # no rule sent: none invented


def test_the_wire_fields_are_documented() -> None:
    text = (DOCS / "errors.md").read_text(encoding="utf-8")
    section = text[text.index("## On the wire") : text.index("## Portal pages")]
    documented = set(re.findall(r"^\| `(\w+)` \|", section, re.M))
    sent = {"errorCode", "errorMessage", "code", "hint"} | {
        name for cls in error_classes().values() for name, _ in cls.wire_fields
    }
    assert documented == sent


@pytest.mark.parametrize(
    "sent",
    [
        {"rule": 7},
        {"rule": True},
        {"rule": "X5 <script>alert(1)</script>"},
        {"rule": "X" * 65},
        {"rule": ["X4"]},
    ],
)
def test_a_hostile_rule_from_another_server_is_dropped_not_passed_on(sent: dict[str, object]) -> None:
    """A node (buggy or hostile) cannot make the hub or the portal show, or crash on, its own rule text."""
    rebuilt = error_from_wire(
        {"errorMessage": "refused", "code": "policy_refused", **sent}, status=403, fallback=""
    )
    assert isinstance(rebuilt, errors.PolicyRefused)
    assert rebuilt.rule == ""


@pytest.mark.parametrize(("sent", "kept"), [(30, 30), (0, 1), (10**12, 86_400), (True, 1), ("5\r\nX: y", 1)])
def test_retry_after_from_the_wire_is_a_bounded_whole_number(sent: object, kept: int) -> None:
    rebuilt = error_from_wire({"code": "rate_limited", "retryAfter": sent}, status=429, fallback="slow down")
    assert isinstance(rebuilt, errors.RateLimited)
    assert rebuilt.retry_after == kept
