"""A Python client for a PM Bridge hub (or a node that answers unsigned requests): sign in, ask Beacon
queries, aggregates, federated analyses, matches, rankings and the knowledge base, and get typed answers whose
released numbers keep their marks, as Arrow or pandas tables. See docs/client.md.
"""

from pmbridge.client._aggregates import (
    Aggregates,
    Breakdown,
    CostEstimate,
    DatasetAggregates,
    DatasetPrice,
    NodeState,
    PriceRefusal,
)
from pmbridge.client._analyses import AnalysisResult, Coefficient, LogRank, Quantile, Release, SurvivalCurve
from pmbridge.client._analysis_spec import ANALYSES, VARIABLE_SOURCES, analysis_body, parse_variable
from pmbridge.client._async import AsyncHubClient
from pmbridge.client._beacon import BeaconAnswer, DatasetAnswer, NodeOutcome
from pmbridge.client._budget import Budget, BudgetLine, DemoUsers, HubBudget, NodeBudget
from pmbridge.client._core import PURPOSE_HEADER, Call
from pmbridge.client._knowledge import KnowledgeHit, KnowledgeSearch
from pmbridge.client._marks import ReleasedNumber, ReleasedSum
from pmbridge.client._matching import (
    Band,
    BandCounts,
    Evidence,
    Labels,
    Match,
    Matches,
    MatchNode,
    RankedDisease,
    Ranking,
)
from pmbridge.client._network import NodeHealth, NodeList, SignIn
from pmbridge.client._requests import aggregates_body, beacon_body, criteria_filters, patient_body
from pmbridge.client._sync import BREAKDOWNS, HubClient

__all__ = [
    "ANALYSES",
    "BREAKDOWNS",
    "PURPOSE_HEADER",
    "VARIABLE_SOURCES",
    "Aggregates",
    "AnalysisResult",
    "AsyncHubClient",
    "Band",
    "BandCounts",
    "BeaconAnswer",
    "Breakdown",
    "Budget",
    "BudgetLine",
    "Call",
    "Coefficient",
    "CostEstimate",
    "DatasetAggregates",
    "DatasetAnswer",
    "DatasetPrice",
    "DemoUsers",
    "Evidence",
    "HubBudget",
    "HubClient",
    "KnowledgeHit",
    "KnowledgeSearch",
    "Labels",
    "LogRank",
    "Match",
    "MatchNode",
    "Matches",
    "NodeBudget",
    "NodeHealth",
    "NodeList",
    "NodeOutcome",
    "NodeState",
    "PriceRefusal",
    "Quantile",
    "RankedDisease",
    "Ranking",
    "Release",
    "ReleasedNumber",
    "ReleasedSum",
    "SignIn",
    "SurvivalCurve",
    "aggregates_body",
    "analysis_body",
    "beacon_body",
    "criteria_filters",
    "parse_variable",
    "patient_body",
]
