"""What a running node holds: its config, its store (read-only) and the HPO release it answers with."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pmbridge.node._config import NodeConfig
from pmbridge.store import NodeStore
from pmbridge.vocab import Hpo, locate_data_dir

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NodeContext:
    config: NodeConfig
    store: NodeStore
    hpo: Hpo


def open_node(config: NodeConfig) -> NodeContext:
    """Open the store read-only and load the HPO; warn when the two releases differ."""
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
    return NodeContext(config=config, store=store, hpo=hpo)
