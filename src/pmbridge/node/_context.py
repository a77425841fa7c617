"""What a running node holds: its config, its store (read-only), the HPO release it answers with,
its signing key, the verifier of the hub's requests and its audit log."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pmbridge.audit import AuditLog
from pmbridge.node._analysis_frames import AnalysisFrames
from pmbridge.node._config import NodeConfig
from pmbridge.node._release_settings import ReleaseState, open_release_state
from pmbridge.node._trust import open_trust
from pmbridge.signing import RequestVerifier, SigningKey
from pmbridge.store import NodeStore, open_lake, open_lake_with
from pmbridge.vocab import Hpo, locate_data_dir

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from pmbridge.store._lake import LakeSnapshot
    from pmbridge.store._spark import SparkEngine

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NodeContext:
    config: NodeConfig
    store: NodeStore
    hpo: Hpo
    key: SigningKey
    verifier: RequestVerifier | None  # None only with node.require_signatures = false
    audit: AuditLog
    release: ReleaseState
    frames: AnalysisFrames = field(default_factory=AnalysisFrames)  # analyses' rows, kept minutes

    def close(self) -> None:
        """Close the store, the audit log (releasing the log's lock) and the nonce file, e.g. when a
        test is done."""
        self.store.close()
        self.audit.close()
        if self.verifier is not None:
            self.verifier.close()


def open_node(config: NodeConfig) -> NodeContext:
    """Open the store read-only and load the HPO (warn when the two releases differ), the node's
    key and its audit log; refuse to serve (``ConfigError``) when a trust setting is missing."""
    trust = open_trust(config.trust, node_id=config.id, state_dir=config.store.parent)
    hpo = Hpo.load(locate_data_dir(config.data_dir))
    store = open_store(config)
    if store.hpo_release != hpo.release:
        log.warning(
            "node %s: store closure built from HPO %s but HPO %s is loaded; "
            "re-run `pmbridge ingest` to rebuild the closure",
            config.id,
            store.hpo_release,
            hpo.release,
        )
    release = open_release_state(
        config.release, jurisdiction=config.jurisdiction, country=config.country, store=config.store
    )
    return NodeContext(
        config=config,
        store=store,
        hpo=hpo,
        key=trust.key,
        verifier=trust.verifier,
        audit=trust.audit,
        release=release,
    )


def open_store(config: NodeConfig) -> NodeStore:
    """The store a node answers from, read-only: its DuckDB file, or the lake ``[node.lake]`` names,
    read by DuckDB in this process or by Spark."""
    lake = config.lake
    if lake is None:
        return NodeStore.open(config.store, read_only=True)
    if lake.engine == "duckdb":
        return open_lake(Path(lake.path))
    return _spark_lake(Path(lake.path), master=lake.spark_master)


def data_stamp_path(config: NodeConfig) -> Path:
    """The file whose size and modification time change when the node's data does: the store file,
    or the lake's snapshot (caches built from the data, like the match index, watch it)."""
    if config.lake is None:
        return config.store
    return Path(config.lake.path) / "_snapshot.json"


def _spark_lake(path: Path, *, master: str) -> NodeStore:
    """The lake read by Spark: each snapshot's tables as temporary views of a session of its own,
    so a query never mixes two snapshots' tables."""
    from pmbridge.store._spark import SparkEngine, SparkSettings, spark_session

    session = spark_session(SparkSettings(master=master))

    def build(snapshot: LakeSnapshot) -> SparkEngine:
        tables = {name: snapshot.files(name) for name in snapshot.tables}
        return SparkEngine(_own_session(session), tables)

    return open_lake_with(path, build, on_close=session.stop)


def _own_session(session: SparkSession) -> SparkSession:
    """A session sharing ``session``'s cluster and cache, with temporary views of its own; Spark
    Connect clients that cannot make one share the session (views then swap one by one)."""
    try:
        return session.newSession()
    except (AttributeError, NotImplementedError):  # pragma: no cover - depends on the Spark client
        return session
