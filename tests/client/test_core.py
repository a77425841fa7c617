"""The client's pure core: the headers it sends, and the hub's replies read as typed answers or as
the PM Bridge error their code names (never by reading the prose)."""

from __future__ import annotations

import json

import pytest

from pmbridge.client import _calls
from pmbridge.client._core import auth_headers, read_reply
from pmbridge.errors import (
    BudgetExhausted,
    PassportRejected,
    PMBridgeError,
    PolicyRefused,
    QueryError,
    RateLimited,
    UpstreamError,
)

WHERE = "http://hub/api/individuals"


def reply(doc: object, status: int = 200) -> bytes:
    return json.dumps(doc).encode()


def failure(error: PMBridgeError) -> PMBridgeError:
    with pytest.raises(PMBridgeError) as raised:
        read_reply(
            _calls.nodes(), status=error.status, content=reply({"error": error.to_wire()}), where=WHERE
        )
    return raised.value


def test_passport_and_purpose_are_headers_and_anonymous_sends_neither() -> None:
    assert auth_headers(passport=None, purpose=None) == {"accept": "application/json"}
    sent = auth_headers(passport=" eyJ.a.b\n", purpose="statistics")
    assert sent["authorization"] == "Bearer eyJ.a.b" and sent["PMBridge-Purpose"] == "statistics"


def test_each_coded_error_comes_back_as_its_own_class_with_its_fields() -> None:
    policy = failure(PolicyRefused("X4", "genetic counts stay home"))
    assert isinstance(policy, PolicyRefused) and policy.rule == "X4" and "docs/policy.md" in policy.hint
    passport = failure(PassportRejected("expired", "the passport expired"))
    assert isinstance(passport, PassportRejected) and passport.refusal_rule == "passport:expired"
    spent = BudgetExhausted(
        researcher="r", dataset="rome-rd", year=2026, spent=50.0, budget=50.0, requested=1.0
    )
    budget = failure(spent)
    assert isinstance(budget, BudgetExhausted) and budget.refusal_rule == "budget"
    limited = failure(RateLimited("too many sign-ins", retry_after=7))
    assert isinstance(limited, RateLimited) and limited.retry_after == 7 and limited.status == 429


def test_an_error_without_a_code_is_a_query_or_upstream_error_in_the_hubs_words() -> None:
    said = {"error": {"errorCode": 403, "errorMessage": "refused by rule X1: records stay"}}
    with pytest.raises(QueryError) as raised:
        read_reply(_calls.nodes(), status=403, content=reply(said), where=WHERE)
    assert raised.value.message == "refused by rule X1: records stay"  # no rule guessed from prose
    with pytest.raises(UpstreamError) as upstream:
        read_reply(_calls.nodes(), status=502, content=b"<html>bad gateway</html>", where=WHERE)
    assert upstream.value.message == f"{WHERE} answered HTTP 502"


def test_an_answer_of_another_shape_names_where_it_differs() -> None:
    with pytest.raises(UpstreamError) as raised:
        read_reply(_calls.nodes(), status=200, content=reply({"nodes": [{"id": "a"}]}), where=WHERE)
    assert "nodes.0.status: Field required" in raised.value.message and WHERE in raised.value.message
    with pytest.raises(UpstreamError, match="without JSON"):
        read_reply(_calls.nodes(), status=200, content=b"<html>", where=WHERE)
    with pytest.raises(UpstreamError, match="expected a JSON object"):
        read_reply(_calls.raw("GET", "/api/budget"), status=200, content=b"[1]", where=WHERE)


def test_the_calls_send_the_bodies_the_hub_documents() -> None:
    count = _calls.beacon("individuals", [{"id": "HP:0001250"}], granularity="count")
    assert (count.method, count.path) == ("POST", "/api/individuals")
    assert count.body == {
        "meta": {"apiVersion": "v2.0.1"},
        "query": {
            "filters": [{"id": "HP:0001250"}],
            "requestedGranularity": "count",
            "includeResultsetResponses": "ALL",
        },
    }
    variant = _calls.beacon("g_variants", [], granularity="boolean", variant={"geneId": "FBN1"}, limit=5)
    assert isinstance(variant.body, dict) and variant.body["query"]["requestParameters"] == {"geneId": "FBN1"}
    assert variant.body["query"]["pagination"] == {"skip": 0, "limit": 5}
    search = _calls.knowledge("gdpr", types=["Policy"], jurisdictions=["EU"], lang="en", limit=3, offset=0)
    assert ("type", "Policy") in search.params and ("q", "gdpr") in search.params
    assert _calls.sign_in("eu-researcher").body == {"user": "eu-researcher"}
    assert _calls.match(["HP:1"], excluded=["HP:2"], gene="FBN1", limit=3).body == {
        "phenotypes": ["HP:1"],
        "excluded": ["HP:2"],
        "gene": "FBN1",
        "limit": 3,
    }
