"""The settings of a node's TOML file, declared once: ``[node]``, ``[[datasets]]`` and the release
tables (``[policy]``, ``[privacy]``, ``[passports]``) whose models their own packages declare.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field, Strict

from pmbridge.beacon import cors_origins_setting, public_url_setting, trust_proxy_headers_setting
from pmbridge.config import NonEmpty, SettingsModel
from pmbridge.model import Granularity
from pmbridge.policy import DEFAULT_DUO, DataUseSettings, PassportSettings, PolicySettings
from pmbridge.privacy import DisclosureSettings
from pmbridge.signing import DEFAULT_MAX_SKEW

__all__ = [
    "DatasetSettings",
    "LakeSettings",
    "NodeFile",
    "NodeLearningSettings",
    "NodeSettings",
    "ReleaseCaps",
]

Cap = Annotated[Granularity, Strict(False)]


class LakeEngine(StrEnum):
    """What runs a node's queries over its lake."""

    DUCKDB = "duckdb"
    SPARK = "spark"


class LakeSettings(SettingsModel):
    """The ``[node.lake]`` table: serve the node's records from a lake instead of its DuckDB file."""

    path: NonEmpty = Field(
        description="The lake directory `pmbridge store publish` writes (one Delta table per store "
        "table and `_snapshot.json`), relative to the config file. Set: the node answers from the lake "
        "and `node.store` is only the file that ingest writes and publish reads.",
        json_schema_extra={"hint": 'e.g. "lake"'},
    )
    engine: Annotated[LakeEngine, Strict(False)] = Field(
        default=LakeEngine.DUCKDB,
        description="What runs the queries over the lake: `duckdb` in the node's process (one "
        "machine), or `spark` (`pmbridge[spark]`; see docs/scale.md). Either follows each new "
        "snapshot between queries.",
    )
    spark_master: NonEmpty = Field(
        default="local[2]",
        description='With `engine = "spark"`: `local[N]` (a JVM in the node\'s process), a cluster '
        "master (`spark://host:7077`, `yarn`, `k8s://…`) or a Spark Connect server (`sc://host:15002`).",
    )


class NodeSettings(SettingsModel):
    """The ``[node]`` table."""

    id: NonEmpty = Field(description="Stable identifier of the node in the network, e.g. 'eu-rome'.")
    name: NonEmpty = Field(description="Human-readable name of the institution or biobank.")
    jurisdiction: NonEmpty = Field(description="Legal area of the node's data: 'EU' or 'CN'.")
    country: NonEmpty = Field(description="ISO 3166-1 alpha-2 country code of the node, e.g. 'IT'.")
    store: NonEmpty = Field(
        default="store.duckdb", description="Path of the node's DuckDB file, relative to the config file."
    )
    lake: LakeSettings | None = Field(
        default=None,
        description="Serve from a lake (see the `node.lake.*` settings and docs/scale.md).",
    )
    data_dir: NonEmpty | None = Field(
        default=None,
        description="Reference-data directory (HPO release, Chinese labels); see "
        "docs/reference-data.md for the lookup order when unset.",
    )
    private_key: NonEmpty | None = Field(
        default=None,
        description="Path of the node's Ed25519 private key (PEM, mode 600; `pmbridge keys generate`), "
        "relative to the config file. It signs every reply and every audit entry; required to serve.",
        json_schema_extra={"shown": "*(required to serve)*", "hint": 'e.g. "keys/eu-rome.key"'},
    )
    hub_public_key: str | None = Field(
        default=None,
        description="The hub's public key as `pmbridge keys show hub.pub` prints it (`ed25519:…`). "
        "Every request under `/api` must be signed with it; required unless "
        "`node.require_signatures = false`.",
        json_schema_extra={
            "shown": "*(required to serve)*",
            "hint": 'use the text `pmbridge keys show hub.pub` prints: "ed25519:..."',
        },
    )
    require_signatures: bool = Field(
        default=True,
        description="Refuse requests under `/api` that the hub did not sign (HTTP 401). Set `false` "
        "only for local development: the node then answers anyone and checks no signatures at all.",
    )
    max_clock_skew_seconds: float = Field(
        default=DEFAULT_MAX_SKEW,
        gt=0,
        description="How far a signed request's time may be from the node's clock, either way; older "
        "requests are refused as stale, and nonces are remembered this long to refuse replays.",
    )
    audit_log: NonEmpty = Field(
        default="audit.jsonl",
        description="The node's hash-chained, signed audit log (JSON lines), relative to the config "
        "file; one entry per request under `/api` and per release. Check it with "
        "`pmbridge audit verify`.",
    )
    match_index_wait_seconds: float = Field(
        default=30.0,
        gt=0,
        description="How long a patient match waits for the node's matching index, which the node "
        "builds in the background when it starts (and after its store changes); past it the match is "
        "refused with `match_index_not_ready` (HTTP 503).",
    )
    max_in_flight: int = Field(
        default=32,
        ge=1,
        description="Requests the node serves at once; past it, `overloaded` (HTTP 503) with "
        "`Retry-After` at once, signed and audited like every reply. `GET /health` says `overloaded` "
        "meanwhile.",
    )
    public_url: str | None = public_url_setting("node")
    trust_proxy_headers: bool = trust_proxy_headers_setting("node")
    cors_origins: list[NonEmpty] = cors_origins_setting()


class ReleaseCaps(SettingsModel):
    """A dataset's ``release`` table: the most each access level gets."""

    public: Cap = Field(default=Granularity.BOOLEAN, description="Most a public (anonymous) requester gets.")
    registered: Cap = Field(default=Granularity.COUNT, description="Most a registered researcher gets.")
    controlled: Cap = Field(
        default=Granularity.RECORD, description="Most a researcher with a controlled-access grant gets."
    )


class DatasetSettings(SettingsModel):
    """One ``[[datasets]]`` entry."""

    id: NonEmpty = Field(description="Dataset identifier; records are ingested into a dataset.")
    name: NonEmpty = Field(description="Dataset name shown in catalogues.")
    description: str = Field(default="", description="Free-text description of the dataset.")
    duo: list[NonEmpty] = Field(
        default_factory=lambda: [DEFAULT_DUO],
        description="Data-use conditions as GA4GH DUO term ids (see "
        "[policy](policy.md#data-use-conditions-duo)).",
    )
    miabis: NonEmpty | None = Field(
        default=None,
        description="MIABIS Core 3.0 metadata of the dataset's collection: a JSON file or a folder of "
        "CSV sheets, relative to the config file (see [MIABIS Core 3.0](#miabis-core-30)). Checked "
        "when the node starts; `GET /api/catalogue`, the Beacon `/datasets` and `/cohorts` records "
        "and the portal's datasets page then show the collection's sample types, storage "
        "temperatures, age range, sex, diseases, access conditions and biobank.",
        json_schema_extra={"hint": 'e.g. "collections/rome.json"'},
    )
    miabis_collection: NonEmpty | None = Field(
        default=None,
        description="The MIABIS collection `ID` in `miabis` that this dataset is; required with `miabis`.",
        json_schema_extra={"hint": 'e.g. "bbmri-eric:ID:IT_ROME:collection:RD"'},
    )
    release: ReleaseCaps = Field(default_factory=ReleaseCaps)
    data_use: DataUseSettings = Field(default_factory=DataUseSettings)


class NodeLearningSettings(SettingsModel):
    """A node's part in federated learning; its privacy settings bind every training it joins."""

    docs: ClassVar[str] = "docs/learning.md"

    enabled: bool = Field(
        default=False,
        description="Take part in federated trainings: the node's SuperNode connects out to the hub's "
        "SuperLink and runs PM Bridge's own Flower app (never a caller's code).",
    )
    superlink: NonEmpty = Field(
        default="127.0.0.1:9092",
        description="The hub's SuperLink Fleet API (host:port) the node's SuperNode connects out to.",
    )
    root_certificates: NonEmpty | None = Field(
        default=None,
        description="PEM file of the CA that signed the SuperLink's TLS certificate, relative to the "
        "config file; unset: plain gRPC, accepted only on a loopback address (the local demo).",
    )
    supernode_key: NonEmpty | None = Field(
        default=None,
        description="The node's SuperNode key (OpenSSH, elliptic curve), relative to the config file; "
        "`pmbridge node learn --config … --new-key` creates it and prints the public line the hub's "
        "operator registers (`flower_key` of the node's `[[nodes]]` entry). Needed with TLS.",
    )
    differential_privacy: bool = Field(
        default=True,
        description="Clip each person's contribution and add Gaussian noise to everything a training "
        "releases, charging `epsilon_per_training` to the researcher's yearly budget "
        "(`privacy.yearly_epsilon_budget`); false trains without noise (aggregates still pass the "
        "minimum count).",
    )
    epsilon_per_training: float = Field(
        default=1.0,
        gt=0,
        le=10,
        allow_inf_nan=False,
        description="ε of one whole training at this node (all its rounds and metrics together), "
        "accounted by zero-concentrated DP.",
    )
    delta: float = Field(
        default=1e-5,
        gt=0,
        lt=1e-2,
        allow_inf_nan=False,
        description="δ of one training: well below one over the node's number of people.",
    )
    clip: float = Field(
        default=1.0,
        gt=0,
        allow_inf_nan=False,
        description="The L2 bound of one person's contribution to a model update (features lie in [0, 1]).",
    )
    allowed_apps: list[NonEmpty] = Field(
        default_factory=list,
        description="sha256 hashes of further Flower apps (FABs) this node runs besides the one its own "
        "pmbridge ships, e.g. the next release's while the network upgrades.",
    )


class NodeFile(SettingsModel):
    """A node's whole TOML file."""

    node: NodeSettings
    datasets: list[DatasetSettings] = Field(
        min_length=1, json_schema_extra={"hint": "declare at least one [[datasets]] with id and name"}
    )
    policy: PolicySettings = Field(default_factory=PolicySettings)
    privacy: DisclosureSettings = Field(default_factory=DisclosureSettings)
    passports: PassportSettings | None = None
    learning: NodeLearningSettings = Field(default_factory=NodeLearningSettings)
