"""The ClientApp a PM Bridge node runs for every training: pinned in the app's bundle by this module's
name, loaded from the node's own installation by its runner, never from a bundle.

Each message is answered only after the hub's signed grant in the run config verifies with the hub
key the node trusts and the node admits the training (policy, minimum count, one ε debit per
training); a refusal sits the round out under its rule. The SuperNode's node config names the node's
own TOML (``pmbridge-config``), from which everything else (store, ledgers, privacy) is read.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from flwr.app import Context

from pmbridge.errors import ConfigError, PMBridgeError, SignatureRejected
from pmbridge.flower import NodeData, make_client_app
from pmbridge.flower._answers import AnswerBook
from pmbridge.learning import TrainingGrant, TrainingSpec, spec_digest, verify_grant
from pmbridge.node._learning import LearningNode, NodeTraining, join_training
from pmbridge.node._learning_audit import audit_admitted, audit_refused

CONFIG_KEY: Final = "pmbridge-config"
"""The SuperNode's node-config key holding the path of the node's TOML."""
GRANT_KEY: Final = "grant"
_OPEN: dict[Path, LearningNode] = {}
_JOINED: dict[str, NodeTraining] = {}
"""Each admitted training by its grant: rounds after the first reuse its rows instead of reading
the store and settling the ledgers again (the grant is still checked on every message)."""


def _node(context: Context) -> LearningNode:
    """The node this process serves, opened once (the runner answers many messages)."""
    value = context.node_config.get(CONFIG_KEY)
    if not isinstance(value, str) or not value:
        raise ConfigError(
            f"the SuperNode's node config has no {CONFIG_KEY!r}",
            hint="start it with `pmbridge node learn --config NODE.toml`, which sets it",
        )
    path = Path(value)
    if path not in _OPEN:
        _OPEN[path] = LearningNode.open(path)
    return _OPEN[path]


def grant_loader(context: Context, spec: TrainingSpec) -> NodeData:
    """The node's data for this run, once its grant verifies and the node admits it."""
    node = _node(context)
    token = context.run_config.get(GRANT_KEY)
    if not isinstance(token, str) or not token:
        raise SignatureRejected("unsigned", "the run carries no training grant")
    now = datetime.now(UTC)
    training = _JOINED.get(token)
    if training is None:
        training = _JOINED[token] = _join(node, token, now=now)
    else:
        verify_grant(token, node.hubs, node=node.config.id, now=now)  # expiry still ends a training
    if spec_digest(training.grant.spec) != spec_digest(spec):
        raise SignatureRejected("digest_mismatch", "the run's request is not the one its grant signs")
    return training.data(node.config.id)


def _join(node: LearningNode, token: str, *, now: datetime) -> NodeTraining:
    """Admit the training, or refuse it; either way once in the node's training audit, however
    often a round asks again or the runner restarts (the node's answer book remembers)."""
    try:
        training = join_training(node, token, now=now)
    except PMBridgeError as exc:
        if node.audit is not None and _first(node, f"refused:{hashlib.sha256(token.encode()).hexdigest()}"):
            grant = _verified(node, token, now)
            audit_refused(node.audit, grant, exc, run=grant.run_id if grant else "unverified")
        raise
    if node.audit is not None and _first(node, f"admitted:{training.grant.run_id}"):
        audit_admitted(node.audit, training.grant, training.admissions)
    return training


def _first(node: LearningNode, entry: str) -> bool:
    return node.answers is None or node.answers.first_time(entry)


def _verified(node: LearningNode, token: str, now: datetime) -> TrainingGrant | None:
    try:
        return verify_grant(token, node.hubs, node=node.config.id, now=now)
    except PMBridgeError:
        return None


def answer_book(context: Context) -> AnswerBook:
    """The node's on-disk record of what it answered."""
    book = _node(context).answers
    if book is None:  # pragma: no cover - LearningNode.open always sets it
        raise ConfigError("the node keeps no record of its answers", hint="open it with LearningNode.open")
    return book


app = make_client_app(grant_loader, answers=answer_book)
