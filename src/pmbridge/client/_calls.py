"""Every call the client makes, as a :class:`~pmbridge.client._core.Call`: path, body and the
message its answer decodes to. Both clients send these; this is the one list of the hub's routes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import quote

from pmbridge.client._aggregates import Aggregates, CostEstimate
from pmbridge.client._analyses import AnalysisResult
from pmbridge.client._beacon import BeaconAnswer
from pmbridge.client._core import Call, json_object, typed
from pmbridge.client._knowledge import KnowledgeSearch
from pmbridge.client._matching import Matches, Ranking
from pmbridge.client._network import NodeList, SignIn
from pmbridge.client._requests import Granularity, aggregates_body, beacon_body, patient_body

__all__ = [
    "aggregates",
    "analyse",
    "beacon",
    "cost",
    "knowledge",
    "match",
    "nodes",
    "rank",
    "raw",
    "sign_in",
]


def beacon(
    entry: str,
    filters: Sequence[Mapping[str, str]],
    *,
    granularity: Granularity,
    variant: Mapping[str, object] | None = None,
    skip: int = 0,
    limit: int | None = None,
) -> Call[BeaconAnswer]:
    """``POST /api/{entry}`` (``individuals``, ``biosamples``, ``g_variants``, …)."""
    body = beacon_body(filters, granularity=granularity, variant=variant, skip=skip, limit=limit)
    return Call("POST", f"/api/{quote(entry)}", typed(BeaconAnswer), body=body)


def aggregates(filters: Sequence[Mapping[str, str]], *, breakdowns: Sequence[str]) -> Call[Aggregates]:
    return Call(
        "POST", "/api/aggregates", typed(Aggregates), body=aggregates_body(filters, breakdowns=breakdowns)
    )


def analyse(spec: Mapping[str, object]) -> Call[AnalysisResult]:
    """``POST /api/analyses``: ``spec`` as :func:`~pmbridge.client.analysis_body` builds it."""
    return Call("POST", "/api/analyses", typed(AnalysisResult), body=dict(spec))


def cost(filters: Sequence[Mapping[str, str]], *, breakdowns: Sequence[str]) -> Call[CostEstimate]:
    body = aggregates_body(filters, breakdowns=breakdowns)
    return Call("POST", "/api/aggregates/cost", typed(CostEstimate), body=body)


def match(
    phenotypes: Sequence[str], *, excluded: Sequence[str], gene: str | None, limit: int | None
) -> Call[Matches]:
    body = patient_body(phenotypes, excluded=excluded, gene=gene, limit=limit)
    return Call("POST", "/api/match", typed(Matches), body=body)


def rank(
    phenotypes: Sequence[str], *, excluded: Sequence[str], gene: str | None, limit: int | None
) -> Call[Ranking]:
    body = patient_body(phenotypes, excluded=excluded, gene=gene, limit=limit)
    return Call("POST", "/api/rank", typed(Ranking), body=body)


def knowledge(
    words: str, *, types: Sequence[str], jurisdictions: Sequence[str], lang: str, limit: int, offset: int
) -> Call[KnowledgeSearch]:
    params = [("q", words), ("lang", lang), ("limit", str(limit)), ("offset", str(offset))]
    params += [("type", t) for t in types] + [("jurisdiction", j) for j in jurisdictions]
    return Call("GET", "/api/kb/search", typed(KnowledgeSearch), params=tuple(params))


def nodes() -> Call[NodeList]:
    return Call("GET", "/api/nodes", typed(NodeList))


def sign_in(user: str) -> Call[SignIn]:
    """``POST /api/auth/token``: a demo user's passport (demo hubs only)."""
    return Call("POST", "/api/auth/token", typed(SignIn), body={"user": user})


def raw(
    method: str, path: str, *, body: object = None, params: Sequence[tuple[str, str]] = ()
) -> Call[dict[str, object]]:
    """Any other route, answered as the JSON object the hub sent (errors still raised as errors)."""
    return Call(method, path, json_object, body=body, params=tuple(params))
