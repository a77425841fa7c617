"""The caller's privacy budget (``GET /api/budget``): ε spent and left per node and dataset this
year, and what the hub itself charged; and the demo users one may sign in as (``GET /api/auth/users``).
"""

from __future__ import annotations

from pydantic import Field

from pmbridge.client._message import Message
from pmbridge.client._network import User

__all__ = ["Budget", "BudgetLine", "DemoUsers", "HubBudget", "NodeBudget"]


class BudgetLine(Message):
    """One dataset's ε this year; ``budget`` and ``remaining`` None at public access (no budget).
    The hub's own lines carry no ``budget``: :class:`HubBudget` has it."""

    dataset: str
    spent: float = 0.0
    remaining: float | None = None
    budget: float | None = None


class NodeBudget(Message):
    """How one node answered, and its lines (none when it did not answer)."""

    node: str
    status: str
    detail: str | None = None
    datasets: list[BudgetLine] = Field(default_factory=list)


class HubBudget(Message):
    """What the hub itself charged for what it re-releases, against one yearly ``budget``."""

    budget: float | None = None
    datasets: list[BudgetLine] = Field(default_factory=list)


class Budget(Message):
    """The caller's budget this ``year`` at ``tier`` (``public`` for the anonymous visitor)."""

    year: int
    tier: str
    researcher: str | None = None
    anonymous: bool = False
    nodes: list[NodeBudget] = Field(default_factory=list)
    missing_nodes: list[str] = Field(default_factory=list)
    hub: HubBudget | None = None


class DemoUsers(Message):
    """The demo users of a hub whose demo broker is on (``demo``); none otherwise."""

    demo: bool = False
    users: list[User] = Field(default_factory=list)
