"""What travels between PM Bridge's ServerApp and ClientApp in Flower messages: the record keys,
the run config keys, and the node's status in each reply. Both sides import these names, never
spell them.
"""

from __future__ import annotations

from typing import Final, Literal

# Run config (``[tool.flwr.app.config]`` of the app, overridden per run by the hub).
SPEC: Final = "spec"
"""The vetted request as the JSON ``spec_to_wire`` writes."""
RUN_DIGEST: Final = "run-digest"
"""The hub's id for this training: with the spec digest it keys every node's noise."""
PROGRESS_PATH: Final = "progress-path"
RESULT_PATH: Final = "result-path"
ROUND_TIMEOUT: Final = "round-timeout"
MIN_NODES: Final = "min-nodes"
"""The fewest connected nodes a training starts with (the hub's ``privacy.min_contributing_nodes``)."""
EXPECTED_NODES: Final = "expected-nodes"
"""How many nodes the grant names: the ServerApp waits for all of them, up to ``connect-timeout``."""
CONNECT_TIMEOUT: Final = "connect-timeout"
NODE_IDS: Final = "node-ids"
"""JSON ``{"<Flower node id>": "<node id>"}`` of the SuperNodes the hub registered by key: only they
are asked, each under its registered name (a reply naming another node counts as an error)."""

# Records of a message's RecordDict.
ARRAYS: Final = "arrays"
CONFIG: Final = "config"
NODE: Final = "node"
"""A reply's ConfigRecord: ``name`` (the node's own name) and ``status``, with ``reason`` when it
sat the round out."""

# Config keys the hub sends each round.
ROUND: Final = "server-round"
PHASE: Final = "phase"

# Array keys.
WEIGHTS: Final = "weights"
CENTROIDS: Final = "centroids"
SUMS: Final = "sums"
COUNTS: Final = "counts"
POSITIVES: Final = "positives"
NEGATIVES: Final = "negatives"
PEOPLE: Final = "people"

NodeStatus = Literal["trained", "evaluated", "sat_out"]
TRAINED: Final[NodeStatus] = "trained"
EVALUATED: Final[NodeStatus] = "evaluated"
SAT_OUT: Final[NodeStatus] = "sat_out"

VALIDATION_BINS: Final = 100
"""Score bins of a node's released validation histogram: fine enough that AUROC from the merged,
summed histograms stays close to the exact one (20 bins lost ~0.02 in the benchmark)."""
CALIBRATION_BINS: Final = 10
"""The hub's calibration bins: groups of VALIDATION_BINS summed (a sum of counts that are each 0 or
at least min_count is itself 0 or at least min_count, so no new small count appears)."""
