"""The hub's configuration and registry of nodes (each with its public key), read from TOML and
checked against its settings models."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pmbridge.beacon import PublicApi, parse_public_api
from pmbridge.config import default_of, validated
from pmbridge.errors import ConfigError
from pmbridge.hub._access_parties import NodeDesk, Steward
from pmbridge.hub._access_settings import AccessTable
from pmbridge.hub._consensus_settings import ConsensusTable
from pmbridge.hub._release_settings import HubReleaseSettings, hub_release_settings
from pmbridge.hub._request_limits import RateLimitSettings, parse_rate_limits
from pmbridge.hub._settings import HubFile, HubLearningSettings, HubSettings, NodeEntrySettings
from pmbridge.knowledge import KnowledgeSettings, knowledge_settings
from pmbridge.model import Jurisdiction
from pmbridge.signing import (
    DEFAULT_MAX_SKEW,
    KeyRing,
    VerifyingKey,
    is_loopback,
    parse_public_key,
    parse_supernode_key,
)

AUDIT_LOG_NAME = "audit.jsonl"
DEFAULT_MAX_IN_FLIGHT = default_of(HubSettings, "max_in_flight", int)
DEFAULT_PER_NODE = default_of(HubSettings, "connections_per_node", int)
DEFAULT_HEALTH_CACHE = default_of(HubSettings, "health_cache_seconds", float)
DEFAULT_BREAKER_TIMEOUTS = default_of(HubSettings, "breaker_timeouts", int)
DEFAULT_COOL_DOWN = default_of(HubSettings, "breaker_cool_down_seconds", float)
_PUBLIC_API = {"public_url", "trust_proxy_headers", "cors_origins"}


@dataclass(frozen=True, slots=True)
class NodeEntry:
    """One node as the hub knows it."""

    id: str
    url: str
    jurisdiction: Jurisdiction
    country: str
    name: str = default_of(NodeEntrySettings, "name", str)
    public_key: VerifyingKey | None = None  # None: no reply of this node can verify
    stewards: tuple[Steward, ...] = ()  # who decides its access requests
    committee: str = ""  # its data access committee: the source of its grants' visas
    flower_key: bytes | None = None  # its SuperNode's public key (PEM), registered at the SuperLink

    @property
    def desk(self) -> NodeDesk:
        """The node's side of access requests."""
        return NodeDesk(self.id, self.name or self.id, self.committee or f"{self.url}/dac", self.stewards)


@dataclass(frozen=True, slots=True)
class HubConfig:
    id: str
    name: str
    deadline_seconds: float
    max_reply_bytes: int
    nodes: tuple[NodeEntry, ...]
    state_dir: Path = Path(default_of(HubSettings, "state_dir", str))
    data_dir: Path | None = None
    private_key: Path | None = None
    max_clock_skew_seconds: float = DEFAULT_MAX_SKEW
    knowledge: KnowledgeSettings = field(default_factory=KnowledgeSettings)
    release: HubReleaseSettings = field(default_factory=HubReleaseSettings)
    public_api: PublicApi = field(default_factory=PublicApi)  # public URL, proxy headers, CORS
    rate_limits: RateLimitSettings = field(default_factory=RateLimitSettings)  # sign-in, contact
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT  # requests served at once; more get 503 + Retry-After
    connections_per_node: int = DEFAULT_PER_NODE  # requests sent to one node at once
    health_cache_seconds: float = DEFAULT_HEALTH_CACHE  # how long a node's /health reading is kept
    breaker_timeouts: int = DEFAULT_BREAKER_TIMEOUTS  # timeouts in a row before a health check
    breaker_cool_down_seconds: float = DEFAULT_COOL_DOWN  # how long an open breaker skips its node
    access: AccessTable = field(default_factory=AccessTable)  # deadlines, visas, mail, webhooks
    learning: HubLearningSettings = field(default_factory=HubLearningSettings)  # the SuperLink
    consensus: ConsensusTable = field(default_factory=ConsensusTable)  # Delphi study organisers

    @property
    def audit_log(self) -> Path:
        """The hub's audit log: ``audit.jsonl`` in ``state_dir``."""
        return self.state_dir / AUDIT_LOG_NAME


def load_hub_config(path: Path) -> HubConfig:
    """Read the hub's TOML (``[hub]`` settings and ``[[nodes]]``)."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"hub registry {path} not found", hint="see docs/configuration.md") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"hub registry {path} is not valid TOML: {exc}") from None
    return parse_hub_config(doc, where=str(path), base=path.parent)


def parse_hub_config(doc: Mapping[str, object], *, where: str, base: Path = Path()) -> HubConfig:
    """Check ``doc``; relative paths (``state_dir``, ``data_dir``) are taken from ``base``."""
    settings = validated(HubFile, doc, where=where)
    hub = settings.hub
    entries = tuple(_node(n, where) for n in settings.nodes)
    seen: set[str] = set()
    for entry in entries:
        if entry.id in seen:
            raise ConfigError(
                f"{where}: node id {entry.id!r} is listed twice", hint="give every node its own id"
            )
        seen.add(entry.id)
    KeyRing({e.id: e.public_key for e in entries if e.public_key is not None})  # one key per node
    return HubConfig(
        max_in_flight=hub.max_in_flight,
        connections_per_node=hub.connections_per_node,
        health_cache_seconds=hub.health_cache_seconds,
        breaker_timeouts=hub.breaker_timeouts,
        breaker_cool_down_seconds=hub.breaker_cool_down_seconds,
        id=hub.id,
        name=hub.name,
        deadline_seconds=hub.deadline_seconds,
        max_reply_bytes=hub.max_reply_bytes,
        nodes=entries,
        state_dir=base / hub.state_dir,
        data_dir=None if hub.data_dir is None else base / hub.data_dir,
        private_key=None if hub.private_key is None else base / hub.private_key,
        max_clock_skew_seconds=hub.max_clock_skew_seconds,
        knowledge=knowledge_settings(settings.knowledge, where=where),
        release=hub_release_settings(settings, base=base, where=where),
        public_api=parse_public_api(hub.model_dump(include=_PUBLIC_API), role="hub", where=where),
        rate_limits=parse_rate_limits(hub.model_dump(include={"rate_limits"}), where=where),
        access=settings.access,
        learning=_learning(settings.learning, entries, base=base, where=where),
        consensus=settings.consensus,
    )


def _node(entry: NodeEntrySettings, where: str) -> NodeEntry:
    url = entry.url.rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"{where}: node url {url!r} must start with http:// or https://")
    try:
        jurisdiction = Jurisdiction(entry.jurisdiction.upper())
    except ValueError:
        raise ConfigError(f"{where}: node {entry.id!r} jurisdiction must be 'EU' or 'CN'") from None
    return NodeEntry(
        id=entry.id,
        url=url,
        jurisdiction=jurisdiction,
        country=entry.country.upper(),
        name=entry.name,
        public_key=parse_public_key(entry.public_key, where=f"{where}: nodes[{entry.id!r}].public_key"),
        stewards=tuple(
            Steward(s.id, s.name or s.id, s.email or None, s.language, s.issuer) for s in entry.stewards
        ),
        committee=entry.committee,
        flower_key=parse_supernode_key(entry.flower_key, where=f"{where}: nodes[{entry.id!r}].flower_key")
        if entry.flower_key
        else None,
    )


def _learning(
    settings: HubLearningSettings, entries: tuple[NodeEntry, ...], *, base: Path, where: str
) -> HubLearningSettings:
    """``settings`` with the CA path taken from the config's folder; plain HTTP to a SuperLink on
    another machine is refused (its Control API starts code on the hub and the nodes), and so is a
    remote SuperLink with any node unregistered (its replies could carry any node's name)."""
    keys = [e.flower_key for e in entries if e.flower_key is not None]
    if len(set(keys)) != len(keys):
        raise ConfigError(
            f"{where}: two [[nodes]] entries have the same flower_key",
            hint="each node creates its own SuperNode key (`pmbridge node learn --new-key`)",
        )
    remote = settings.enabled and not is_loopback(settings.control)
    if remote and settings.root_certificates is None:
        raise ConfigError(
            f"{where}: learning.control = {settings.control!r} is not on this machine, and plain HTTP "
            "would let anyone on the path start runs on the nodes",
            hint="serve the SuperLink with TLS and set learning.root_certificates to its CA's PEM",
        )
    unkeyed = [e.id for e in entries if e.flower_key is None]
    if remote and unkeyed:
        raise ConfigError(
            f"{where}: learning.control = {settings.control!r} is not on this machine, and node(s) "
            f"{', '.join(unkeyed)} have no flower_key, so their SuperNodes could not be told apart",
            hint="set each node's flower_key to the line `pmbridge node learn --show-key` prints there",
        )
    if settings.root_certificates is None:
        return settings
    return settings.model_copy(update={"root_certificates": str(base / settings.root_certificates)})
