"""The ``[learning]`` tables: a node's (does it take part, and its privacy for every training, which no
request can change) and the hub's (where its Flower SuperLink listens). docs/learning.md lists them."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from pmbridge.config import NonEmpty, SettingsModel


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


class HubLearningSettings(SettingsModel):
    """The hub's Flower SuperLink, which nodes' SuperNodes connect out to."""

    docs: ClassVar[str] = "docs/learning.md"

    enabled: bool = Field(default=False, description="Offer federated training (`/api/learning/trainings`).")
    control: NonEmpty = Field(
        default="127.0.0.1:9093",
        description="The SuperLink's Control API (host:port), where the hub starts runs; keep it on "
        "loopback or a private network: it starts code on the nodes.",
    )
    round_timeout_seconds: float = Field(
        default=600.0,
        gt=0,
        allow_inf_nan=False,
        description="How long a round waits for the nodes' replies; a node later than that sits the "
        "round out.",
    )
