"""A node's configuration, read from TOML and checked against the declared settings."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pmbridge.beacon import PublicApi, parse_public_api
from pmbridge.errors import ConfigError
from pmbridge.model import AccessLevel, Dataset, Granularity, Jurisdiction
from pmbridge.node._release_settings import ReleaseSettings, parse_release_settings
from pmbridge.node._trust import TrustSettings, parse_trust_settings

DEFAULT_MATCH_INDEX_WAIT = 30.0
"""Seconds a match waits for the matching index being built (``node.match_index_wait_seconds``)."""
DEFAULT_MAX_IN_FLIGHT = 32
"""Requests a node serves at once (``node.max_in_flight``); more get 503 with Retry-After."""


@dataclass(frozen=True, slots=True)
class NodeConfig:
    """Everything a node process needs to start."""

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
    node = _table(doc, "node", where)
    datasets = doc.get("datasets", [])
    if not isinstance(datasets, list) or not datasets:
        raise ConfigError(
            f"{where}: no [[datasets]] declared", hint="declare at least one [[datasets]] with id and name"
        )
    data_dir = node.get("data_dir")
    return NodeConfig(
        id=_text(node, "node.id", where),
        name=_text(node, "node.name", where),
        jurisdiction=_jurisdiction(node.get("jurisdiction"), where),
        country=_text(node, "node.country", where).upper(),
        store=base / str(node.get("store", "store.duckdb")),
        datasets=tuple(
            _dataset(d, jurisdiction=_jurisdiction(node.get("jurisdiction"), where), where=where)
            for d in datasets
        ),
        data_dir=None if data_dir is None else base / str(data_dir),
        trust=parse_trust_settings(node, base=base, where=where),
        release=parse_release_settings(doc, base=base, where=where),
        match_index_wait_seconds=_positive(
            node, "node.match_index_wait_seconds", DEFAULT_MATCH_INDEX_WAIT, where
        ),
        public_api=parse_public_api(node, role="node", where=where),
        max_in_flight=_count(node, "node.max_in_flight", DEFAULT_MAX_IN_FLIGHT, where),
    )


def _dataset(doc: object, *, jurisdiction: Jurisdiction, where: str) -> Dataset:
    if not isinstance(doc, Mapping):
        raise ConfigError(f"{where}: each [[datasets]] entry must be a table")
    release = doc.get("release", {})
    if not isinstance(release, Mapping):
        raise ConfigError(f"{where}: datasets[].release must be a table")
    duo = doc.get("duo", ["DUO:0000042"])
    if not isinstance(duo, list) or not all(isinstance(code, str) for code in duo):
        raise ConfigError(
            f"{where}: datasets[].duo must be a list of DUO ids", hint='e.g. duo = ["DUO:0000042"]'
        )
    defaults = {
        AccessLevel.PUBLIC: "boolean",
        AccessLevel.REGISTERED: "count",
        AccessLevel.CONTROLLED: "record",
    }
    caps: dict[AccessLevel, Granularity] = {}
    for level, default in defaults.items():
        value = release.get(level.value, default)
        try:
            caps[level] = Granularity(str(value))
        except ValueError:
            raise ConfigError(
                f"{where}: datasets[].release.{level.value} = {value!r} is not a granularity",
                hint="use boolean, count or record",
            ) from None
    return Dataset(
        id=_text(doc, "datasets[].id", where),
        name=_text(doc, "datasets[].name", where),
        description=str(doc.get("description", "")),
        duo_codes=tuple(duo),
        jurisdiction=jurisdiction,
        release_caps=caps,
    )


def _table(doc: Mapping[str, object], key: str, where: str) -> Mapping[str, object]:
    value = doc.get(key)
    if not isinstance(value, Mapping):
        raise ConfigError(
            f"{where}: missing [{key}] table", hint=f"add a [{key}] section; see docs/configuration.md"
        )
    return value


def _text(doc: Mapping[str, object], name: str, where: str) -> str:
    value = doc.get(name.rsplit(".", 1)[-1])
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(
            f"{where}: setting {name} is missing or empty", hint=f"set {name} to a non-empty string"
        )
    return value.strip()


def _positive(doc: Mapping[str, object], name: str, default: float, where: str) -> float:
    value = doc.get(name.rsplit(".", 1)[-1], default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"{where}: {name} must be a positive number", hint=f"the default is {default:g}")
    return float(value)


def _count(doc: Mapping[str, object], name: str, default: int, where: str) -> int:
    value = doc.get(name.rsplit(".", 1)[-1], default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{where}: {name} must be a positive integer", hint=f"the default is {default}")
    return value


def _jurisdiction(value: object, where: str) -> Jurisdiction:
    try:
        return Jurisdiction(str(value).upper())
    except ValueError:
        raise ConfigError(f"{where}: node.jurisdiction = {value!r} must be 'EU' or 'CN'") from None
