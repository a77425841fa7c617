"""A Python client for a PM Bridge hub (or a node that answers unsigned requests): sign in, ask Beacon
queries, aggregates, federated analyses, matches, rankings, the knowledge base and access requests, and
get typed answers whose released numbers keep their marks, as Arrow or pandas tables. See docs/client.md.
"""

from pmbridge.client._access import (
    AccessAttachment,
    AccessDetail,
    AccessDraft,
    AccessGrant,
    AccessHistoryEntry,
    AccessMessage,
    AccessRequestList,
    AccessRequestSummary,
    AccessResource,
    AccessSteps,
    DatasetRef,
    GrantList,
    Inbox,
    InboxItem,
    access_request_body,
)
from pmbridge.client._access_precheck import (
    DuoCheck,
    DuoOutcome,
    GranularitySent,
    Precheck,
    PrecheckRule,
    VocabularyReleases,
)
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
from pmbridge.client._trainings import Training, TrainingList, TrainingRound

__all__ = [
    "ANALYSES",
    "BREAKDOWNS",
    "PURPOSE_HEADER",
    "VARIABLE_SOURCES",
    "AccessAttachment",
    "AccessDetail",
    "AccessDraft",
    "AccessGrant",
    "AccessHistoryEntry",
    "AccessMessage",
    "AccessRequestList",
    "AccessRequestSummary",
    "AccessResource",
    "AccessSteps",
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
    "DatasetRef",
    "DemoUsers",
    "DuoCheck",
    "DuoOutcome",
    "Evidence",
    "GrantList",
    "GranularitySent",
    "HubBudget",
    "HubClient",
    "Inbox",
    "InboxItem",
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
    "Precheck",
    "PrecheckRule",
    "PriceRefusal",
    "Quantile",
    "RankedDisease",
    "Ranking",
    "Release",
    "ReleasedNumber",
    "ReleasedSum",
    "SignIn",
    "SurvivalCurve",
    "Training",
    "TrainingList",
    "TrainingRound",
    "VocabularyReleases",
    "access_request_body",
    "aggregates_body",
    "analysis_body",
    "beacon_body",
    "criteria_filters",
    "parse_variable",
    "patient_body",
]
