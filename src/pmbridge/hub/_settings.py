"""The settings of the hub's TOML file, declared once: ``[hub]`` (with ``[hub.rate_limits]``),
``[[nodes]]``, and the tables whose models their own packages declare (``[knowledge]``,
``[privacy]``, ``[passports]``).
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from pmbridge.beacon import cors_origins_setting, public_url_setting, trust_proxy_headers_setting
from pmbridge.config import NonEmpty, SettingsModel
from pmbridge.hub._access_settings import AccessTable, StewardSettings
from pmbridge.hub._consensus_settings import ConsensusTable
from pmbridge.knowledge import KnowledgeTable
from pmbridge.policy import PassportSettings
from pmbridge.privacy import DisclosureSettings
from pmbridge.signing import DEFAULT_MAX_SKEW

__all__ = ["HubFile", "HubSettings", "NodeEntrySettings", "RateLimitTable"]

_OFF = "`0` turns the limit off."


class RateLimitTable(SettingsModel):
    """``[hub.rate_limits]``: token buckets for sign-ins and contact requests."""

    sign_in_burst: int = Field(
        default=10,
        ge=0,
        description="Sign-ins (`POST /api/auth/token`, the portal's sign-in form) one client address "
        "may make as one user at once; past it, `rate_limited` (HTTP 429) with `Retry-After`. "
        f"{_OFF} See [Rate limits](#rate-limits).",
    )
    sign_in_per_minute: float = Field(
        default=5.0,
        ge=0,
        description="How many more sign-ins per minute each address and user name get back after the burst.",
    )
    contact_burst: int = Field(
        default=5,
        ge=0,
        description="Contact requests (`POST /api/match/contact`) one account (passport issuer and "
        f"subject) may send at once; past it, `rate_limited` (HTTP 429) with `Retry-After`. {_OFF}",
    )
    contact_per_minute: float = Field(
        default=1.0,
        ge=0,
        description="How many more contact requests per minute an account gets back after the burst.",
    )
    contact_repeat_seconds: float = Field(
        default=600.0,
        ge=0,
        description="For how long the same contact request (same match, same words) from the same "
        "account is refused as already sent (`duplicate_request`, HTTP 429). `0` turns the check off.",
    )


class HubSettings(SettingsModel):
    """The ``[hub]`` table."""

    id: NonEmpty = Field(
        default="pmbridge-hub", description="Identifier of the hub, used as the network Beacon's id."
    )
    name: NonEmpty = Field(default="PM Bridge network", description="Human-readable name of the network.")
    deadline_seconds: float = Field(
        default=5.0,
        gt=0,
        description="Deadline of a request that asks the nodes, counted from its arrival at the hub "
        "(time it waits inside the hub counts too); nodes that have not replied by then are reported "
        "as `timeout` (the hub stops waiting for them 3 % of it earlier, to merge and release its "
        "reply in time). See [Load and back-pressure](#load-and-back-pressure).",
    )
    max_in_flight: int = Field(
        default=64,
        ge=1,
        description="Requests the hub serves at once; past it, `overloaded` (HTTP 503) with "
        "`Retry-After` at once, rather than a queue that outlives the deadline. `GET /health` says "
        "`overloaded` meanwhile.",
    )
    connections_per_node: int = Field(
        default=8,
        ge=1,
        description="Requests the hub sends one node at once; more wait for a free connection, within "
        "their deadline, so that a frozen or slow node delays only the requests to itself.",
    )
    max_reply_bytes: int = Field(
        default=5_000_000, ge=1, description="Largest reply accepted from a node; larger ones are rejected."
    )
    health_cache_seconds: float = Field(
        default=10.0,
        ge=0,
        allow_inf_nan=False,
        description="How long the hub keeps each node's `/health` reading (`GET /api/nodes`, the "
        "portal's network page, the breakers) before it asks again; however many callers ask at "
        "once, a node gets one health check at a time. `0` keeps none (callers still share a check "
        "under way). See [Many nodes](#many-nodes).",
    )
    breaker_timeouts: int = Field(
        default=3,
        ge=1,
        description="Timeouts in a row (each with at least 90 % of `deadline_seconds` to itself) after "
        "which the hub checks a node's `/health`; when that fails too, the node's breaker opens and "
        "requests skip it (`skipped`) for `breaker_cool_down_seconds`.",
    )
    breaker_cool_down_seconds: float = Field(
        default=30.0,
        gt=0,
        allow_inf_nan=False,
        description="How long an open breaker keeps the hub from asking its node before one trial "
        "request goes through (success closes it, a timeout opens it again); a health check that "
        "succeeds meanwhile lets requests through at once.",
    )
    state_dir: NonEmpty = Field(
        default="hub-state",
        description="Folder of the hub's own state (audit log, ledgers, knowledge base), relative to "
        "the config file.",
    )
    data_dir: NonEmpty | None = Field(
        default=None,
        description="Reference-data directory (HPO release, Chinese labels) for the portal and "
        "ranking; see docs/reference-data.md for the lookup order when unset.",
    )
    private_key: NonEmpty | None = Field(
        default=None,
        description="Path of the hub's Ed25519 private key (PEM, mode 600; `pmbridge keys generate`), "
        "relative to the config file. It signs every request to a node and every entry of the hub's "
        "audit log (`audit.jsonl` in `hub.state_dir`); required to serve.",
        json_schema_extra={"shown": "*(required to serve)*", "hint": 'e.g. "keys/hub.key"'},
    )
    max_clock_skew_seconds: float = Field(
        default=DEFAULT_MAX_SKEW,
        gt=0,
        description="How far a node's signed reply time may be from the hub's clock before the reply "
        "is refused.",
    )
    demo_broker: bool = Field(
        default=False,
        description="Demo mode: the hub is the passport broker of the demo users "
        "(`GET /api/auth/users`, `POST /api/auth/token`), signing with an ES256 key it keeps in "
        "`hub.state_dir` (`broker-es256.pem`; nodes trust `broker-es256.pub.pem`). Never on in a "
        "real network.",
    )
    public_url: str | None = public_url_setting("hub")
    trust_proxy_headers: bool = trust_proxy_headers_setting("hub")
    cors_origins: list[NonEmpty] = cors_origins_setting()
    rate_limits: RateLimitTable = Field(default_factory=RateLimitTable)


class NodeEntrySettings(SettingsModel):
    """One ``[[nodes]]`` entry of the hub's registry."""

    id: NonEmpty = Field(description="Node identifier, as in the node's own config.")
    url: NonEmpty = Field(description="Base URL of the node, e.g. 'http://127.0.0.1:8101'.")
    jurisdiction: NonEmpty = Field(description="The node's legal area: 'EU' or 'CN'.")
    country: NonEmpty = Field(description="ISO 3166-1 alpha-2 country code of the node.")
    name: str = Field(default="", description="Human-readable node name.")
    public_key: NonEmpty = Field(
        description="The node's public key (`ed25519:…`, as `pmbridge keys show NODE.pub` prints it). "
        "Only a reply signed with it counts; any other reply makes the node an `error` outcome.",
        json_schema_extra={
            "hint": 'without it none of its replies could be trusted: add public_key = "ed25519:..." '
            "as `pmbridge keys show NODE.pub` prints it"
        },
    )
    stewards: list[StewardSettings] = Field(
        default_factory=list,
        description="The node's data stewards, who decide its access requests in the portal: "
        "`[{id = 'rome-steward', name = '…', email = '…', language = 'en'}]`.",
    )
    committee: str = Field(
        default="",
        description="The node's data access committee, the `source` of the ControlledAccessGrants visas its "
        "approvals become; empty: the node's URL + '/dac'.",
    )
    flower_key: str = Field(
        default="",
        description="The public key of the node's Flower SuperNode (`ecdsa-sha2-nistp384 AAAA…`, as "
        "`pmbridge node learn --new-key` prints it): the hub registers it at its SuperLink, which admits "
        "only registered SuperNodes; needed for every node when `learning.control` is not on this machine.",
    )


class HubLearningSettings(SettingsModel):
    """The hub's Flower SuperLink, which nodes' SuperNodes connect out to."""

    docs: ClassVar[str] = "docs/learning.md"

    enabled: bool = Field(default=False, description="Offer federated training (`/api/learning/trainings`).")
    control: NonEmpty = Field(
        default="127.0.0.1:9092",
        description="The SuperLink's Control API (host:port; Flower 1.42 serves it on the Fleet API's "
        "port), where the hub registers the nodes' keys and starts runs; keep it on this machine: it "
        "starts code on the hub's host and the nodes (docs/learning.md#running-it).",
    )
    root_certificates: NonEmpty | None = Field(
        default=None,
        description="PEM file of the CA that signed the SuperLink's TLS certificate, relative to the "
        "config file; unset: plain HTTP, accepted only when `control` is a loopback address.",
    )
    round_timeout_seconds: float = Field(
        default=600.0,
        gt=0,
        allow_inf_nan=False,
        description="How long a round waits for the nodes' replies; a node later than that sits the "
        "round out.",
    )


class HubFile(SettingsModel):
    """The hub's whole TOML file (every table optional)."""

    hub: HubSettings = Field(default_factory=HubSettings)
    knowledge: KnowledgeTable = Field(default_factory=KnowledgeTable)
    nodes: list[NodeEntrySettings] = Field(default_factory=list)
    privacy: DisclosureSettings = Field(default_factory=DisclosureSettings)
    passports: PassportSettings | None = None
    access: AccessTable = Field(default_factory=AccessTable)
    learning: HubLearningSettings = Field(default_factory=HubLearningSettings)
    consensus: ConsensusTable = Field(default_factory=ConsensusTable)
