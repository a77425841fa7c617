"""What a running node holds: its config, its store (read-only), the HPO release it answers with,
its signing key, the verifier of the hub's requests and its audit log."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from pmbridge.audit import AuditLog
from pmbridge.node._analysis_frames import AnalysisFrames
from pmbridge.node._config import NodeConfig
from pmbridge.node._release_settings import ReleaseState, open_release_state
from pmbridge.node._trust import open_trust
from pmbridge.signing import RequestVerifier, SigningKey
from pmbridge.store import NodeStore
from pmbridge.vocab import Hpo, locate_data_dir

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
    store = NodeStore.open(config.store, read_only=True)
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
