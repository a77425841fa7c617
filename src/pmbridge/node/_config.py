"""A node's configuration, read from TOML and checked against its settings models."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pmbridge.beacon import PublicApi, parse_public_api
from pmbridge.config import default_of, validated
from pmbridge.errors import ConfigError
from pmbridge.model import AccessLevel, Dataset, Jurisdiction
from pmbridge.node._miabis_catalogue import DescribedCollection, load_miabis_descriptions
from pmbridge.node._release_settings import ReleaseSettings, release_settings
from pmbridge.node._settings import (
    DatasetSettings,
    LakeSettings,
    NodeFile,
    NodeLearningSettings,
    NodeSettings,
)
from pmbridge.node._trust import TrustSettings, parse_trust_settings
from pmbridge.policy import DataUseConditions, data_use_conditions

DEFAULT_MATCH_INDEX_WAIT = default_of(NodeSettings, "match_index_wait_seconds", float)
"""Seconds a match waits for the matching index being built (``node.match_index_wait_seconds``)."""
DEFAULT_MAX_IN_FLIGHT = default_of(NodeSettings, "max_in_flight", int)
"""Requests a node serves at once (``node.max_in_flight``); more get 503 with Retry-After."""
_TRUST = {"private_key", "hub_public_key", "require_signatures", "max_clock_skew_seconds", "audit_log"}
_PUBLIC_API = {"public_url", "trust_proxy_headers", "cors_origins"}


@dataclass(frozen=True, slots=True)
class NodeConfig:
    """Everything a node process needs to start (paths resolved against the config's folder)."""

    id: str
    name: str
    jurisdiction: Jurisdiction
    country: str
    store: Path
    datasets: tuple[Dataset, ...]
    data_dir: Path | None = None
    trust: TrustSettings = field(default_factory=TrustSettings)
    release: ReleaseSettings = field(default_factory=ReleaseSettings)
    match_index_wait_seconds: float = DEFAULT_MATCH_INDEX_WAIT
    public_api: PublicApi = field(default_factory=PublicApi)  # public URL, proxy headers, CORS
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT  # requests served at once; more get 503 + Retry-After
    data_use: Mapping[str, DataUseConditions] = field(
        default_factory=dict
    )  # per dataset id: DUO + qualifiers
    miabis: Mapping[str, DescribedCollection] = field(
        default_factory=dict
    )  # per dataset id that names a MIABIS collection: that collection and its biobank
    learning: NodeLearningSettings = field(default_factory=NodeLearningSettings)
    """Federated learning: whether the node takes part and its privacy (file paths resolved)."""
    lake: LakeSettings | None = None
    """Serve from this lake instead of the store file (its path resolved); None: the file."""


def load_node_config(path: Path) -> NodeConfig:
    """Read and check ``path``; every problem is named with the setting and the fix."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"node config {path} not found", hint="create one; docs/configuration.md has an example"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"node config {path} is not valid TOML: {exc}") from None
    return parse_node_config(doc, base=path.parent, where=str(path))


def parse_node_config(doc: Mapping[str, object], *, base: Path, where: str) -> NodeConfig:
    """Check a parsed node TOML file; relative paths are taken from ``base``, ``where`` names it."""
    settings = validated(NodeFile, doc, where=where)
    node = settings.node
    jurisdiction = _jurisdiction(node.jurisdiction, where)
    return NodeConfig(
        id=node.id,
        name=node.name,
        jurisdiction=jurisdiction,
        country=node.country.upper(),
        store=base / node.store,
        datasets=tuple(_dataset(d, jurisdiction=jurisdiction) for d in settings.datasets),
        data_use={d.id: data_use_conditions(tuple(d.duo), d.data_use) for d in settings.datasets},
        data_dir=None if node.data_dir is None else base / node.data_dir,
        trust=parse_trust_settings(node.model_dump(include=_TRUST), base=base, where=where),
        release=release_settings(settings, base=base, where=where),
        match_index_wait_seconds=node.match_index_wait_seconds,
        public_api=parse_public_api(node.model_dump(include=_PUBLIC_API), role="node", where=where),
        max_in_flight=node.max_in_flight,
        miabis=load_miabis_descriptions(settings.datasets, base=base, where=where),
        learning=_learning(settings.learning, base=base),
        lake=None if node.lake is None else node.lake.model_copy(update={"path": str(base / node.lake.path)}),
    )


def _dataset(settings: DatasetSettings, *, jurisdiction: Jurisdiction) -> Dataset:
    caps = settings.release
    return Dataset(
        id=settings.id,
        name=settings.name,
        description=settings.description,
        duo_codes=tuple(settings.duo),
        jurisdiction=jurisdiction,
        release_caps={
            AccessLevel.PUBLIC: caps.public,
            AccessLevel.REGISTERED: caps.registered,
            AccessLevel.CONTROLLED: caps.controlled,
        },
    )


def _jurisdiction(value: str, where: str) -> Jurisdiction:
    try:
        return Jurisdiction(value.upper())
    except ValueError:
        raise ConfigError(
            f"{where}: node.jurisdiction = {value!r} must be 'EU' or 'CN'", hint="use 'EU' or 'CN'"
        ) from None


def _learning(settings: NodeLearningSettings, *, base: Path) -> NodeLearningSettings:
    """``settings`` with its certificate and key paths taken from the config's folder."""
    paths = {
        name: str(base / value)
        for name in ("root_certificates", "supernode_key")
        if (value := getattr(settings, name)) is not None
    }
    return settings.model_copy(update=paths)
