"""The hub's registry of nodes (each with its public key), read from TOML."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pmbridge.beacon import PublicApi, parse_public_api
from pmbridge.errors import ConfigError
from pmbridge.hub._release_settings import HubReleaseSettings, parse_hub_release
from pmbridge.hub._request_limits import RateLimitSettings, parse_rate_limits
from pmbridge.knowledge import KnowledgeSettings, parse_knowledge_settings
from pmbridge.model import Jurisdiction
from pmbridge.signing import DEFAULT_MAX_SKEW, KeyRing, VerifyingKey, parse_public_key

AUDIT_LOG_NAME = "audit.jsonl"
DEFAULT_MAX_IN_FLIGHT = 64
DEFAULT_PER_NODE = 8


@dataclass(frozen=True, slots=True)
class NodeEntry:
    """One node as the hub knows it."""

    id: str
    url: str
    jurisdiction: Jurisdiction
    country: str
    name: str = ""
    public_key: VerifyingKey | None = None  # None: no reply of this node can verify


@dataclass(frozen=True, slots=True)
class HubConfig:
    id: str
    name: str
    deadline_seconds: float
    max_reply_bytes: int
    nodes: tuple[NodeEntry, ...]
    state_dir: Path = Path("hub-state")
    data_dir: Path | None = None
    private_key: Path | None = None
    max_clock_skew_seconds: float = DEFAULT_MAX_SKEW
    knowledge: KnowledgeSettings = field(default_factory=KnowledgeSettings)
    release: HubReleaseSettings = field(default_factory=HubReleaseSettings)
    public_api: PublicApi = field(default_factory=PublicApi)  # public URL, proxy headers, CORS
    rate_limits: RateLimitSettings = field(default_factory=RateLimitSettings)  # sign-in, contact
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT  # requests served at once; more get 503 + Retry-After
    connections_per_node: int = DEFAULT_PER_NODE  # requests sent to one node at once

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
    hub = doc.get("hub", {})
    if not isinstance(hub, Mapping):
        raise ConfigError(f"{where}: [hub] must be a table")
    nodes = doc.get("nodes", [])
    if not isinstance(nodes, list):
        raise ConfigError(f"{where}: nodes must be an array of tables ([[nodes]])")
    entries = tuple(_node(n, where) for n in nodes)
    seen: set[str] = set()
    for entry in entries:
        if entry.id in seen:
            raise ConfigError(
                f"{where}: node id {entry.id!r} is listed twice", hint="give every node its own id"
            )
        seen.add(entry.id)
    KeyRing({e.id: e.public_key for e in entries if e.public_key is not None})  # one key per node
    deadline = hub.get("deadline_seconds", 5.0)
    max_bytes = hub.get("max_reply_bytes", 5_000_000)
    if not isinstance(deadline, int | float) or deadline <= 0:
        raise ConfigError(f"{where}: hub.deadline_seconds must be a positive number")
    if not isinstance(max_bytes, int) or max_bytes <= 0:
        raise ConfigError(f"{where}: hub.max_reply_bytes must be a positive integer")
    private_key, skew = hub.get("private_key"), hub.get("max_clock_skew_seconds", DEFAULT_MAX_SKEW)
    if private_key is not None and (not isinstance(private_key, str) or not private_key.strip()):
        raise ConfigError(f"{where}: hub.private_key must be a file path", hint='e.g. "keys/hub.key"')
    if isinstance(skew, bool) or not isinstance(skew, int | float) or skew <= 0:
        raise ConfigError(f"{where}: hub.max_clock_skew_seconds must be a positive number")
    return HubConfig(
        max_in_flight=_positive_int(hub, "max_in_flight", DEFAULT_MAX_IN_FLIGHT, where),
        connections_per_node=_positive_int(hub, "connections_per_node", DEFAULT_PER_NODE, where),
        id=str(hub.get("id", "pmbridge-hub")),
        name=str(hub.get("name", "PM Bridge network")),
        deadline_seconds=float(deadline),
        max_reply_bytes=max_bytes,
        nodes=entries,
        state_dir=base / str(hub.get("state_dir", "hub-state")),
        data_dir=None if hub.get("data_dir") is None else base / str(hub.get("data_dir")),
        private_key=None if private_key is None else base / private_key,
        max_clock_skew_seconds=float(skew),
        knowledge=parse_knowledge_settings(doc.get("knowledge", {}), where=where),
        release=parse_hub_release(doc, base=base, where=where),
        public_api=parse_public_api(hub, role="hub", where=where),
        rate_limits=parse_rate_limits(hub, where=where),
    )


def _positive_int(table: Mapping[str, object], name: str, default: int, where: str) -> int:
    value = table.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{where}: hub.{name} must be a positive integer", hint=f"e.g. {name} = {default}")
    return value


def _node(doc: object, where: str) -> NodeEntry:
    if not isinstance(doc, Mapping):
        raise ConfigError(f"{where}: each [[nodes]] entry must be a table")
    missing = [k for k in ("id", "url", "jurisdiction", "country") if not str(doc.get(k, "")).strip()]
    if missing:
        raise ConfigError(
            f"{where}: a [[nodes]] entry lacks {', '.join(missing)}",
            hint="each node needs id, url, jurisdiction and country",
        )
    url = str(doc["url"]).rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"{where}: node url {url!r} must start with http:// or https://")
    try:
        jurisdiction = Jurisdiction(str(doc["jurisdiction"]).upper())
    except ValueError:
        raise ConfigError(f"{where}: node {doc['id']!r} jurisdiction must be 'EU' or 'CN'") from None
    return NodeEntry(
        id=str(doc["id"]),
        url=url,
        jurisdiction=jurisdiction,
        country=str(doc["country"]).upper(),
        name=str(doc.get("name", "")),
        public_key=_public_key(doc, where),
    )


def _public_key(doc: Mapping[str, object], where: str) -> VerifyingKey:
    text = doc.get("public_key")
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(
            f"{where}: node {doc['id']!r} has no public_key, so none of its replies could be trusted",
            hint='add public_key = "ed25519:..." as `pmbridge keys show NODE.pub` prints it',
        )
    return parse_public_key(text, where=f"{where}: nodes[{doc['id']!r}].public_key")
