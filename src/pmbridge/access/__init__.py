"""Access requests: the negotiation from a cohort found to data granted.

A request (DUO-coded purpose, project, granularity, team, ethics reference, end date) is
pre-checked by each node (DUO matching and the cross-border rules), negotiated per node and
dataset with that node's stewards, and ends in grants that the hub's broker mints as GA4GH
ControlledAccessGrants visas. This package is the pure core: the state tables, deadlines,
drafts, records, notifications and visas; the hub keeps the store and speaks to nodes.
"""

from pmbridge.access._deadlines import WAITS_ON, Deadlines, Due, due
from pmbridge.access._draft import GRANULARITIES, Draft, Target, parse_draft
from pmbridge.access._notifications import Language, Notification, Recipient
from pmbridge.access._records import AccessRequest, Attachment, Grant, HistoryEntry, Message, Resource, stamp
from pmbridge.access._states import (
    OPEN_RESOURCE,
    REQUEST_STEPS,
    RESOURCE_STEPS,
    Party,
    RequestState,
    ResourceState,
    Role,
    Step,
    find_step,
    is_open,
    open_steps,
)
from pmbridge.access._visas import GrantVisa, entitlement_end, grant_visas

__all__ = [
    "GRANULARITIES",
    "OPEN_RESOURCE",
    "REQUEST_STEPS",
    "RESOURCE_STEPS",
    "WAITS_ON",
    "AccessRequest",
    "Attachment",
    "Deadlines",
    "Draft",
    "Due",
    "Grant",
    "GrantVisa",
    "HistoryEntry",
    "Language",
    "Message",
    "Notification",
    "Party",
    "Recipient",
    "RequestState",
    "Resource",
    "ResourceState",
    "Role",
    "Step",
    "Target",
    "due",
    "entitlement_end",
    "find_step",
    "grant_visas",
    "is_open",
    "open_steps",
    "parse_draft",
    "stamp",
]
