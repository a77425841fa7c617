"""A node's audit of its federated trainings: one signed, hash-chained entry per training it admits
(who, which purpose, which request, which datasets, the ε charged) or refuses (the rule), in its own
file beside the node's audit log (``audit-learning.jsonl`` beside ``audit.jsonl``).

The ClientApp runs in the runner's process while the node's web process holds ``audit.jsonl``, and
an audit log has exactly one writer, so trainings have a chain of their own, signed with the same
node key and verified the same way (``pmbridge audit verify``).
"""

from __future__ import annotations

from pathlib import Path

from pmbridge.audit import AuditLog
from pmbridge.audit._entry import AuditEvent, Scalar
from pmbridge.errors import PMBridgeError
from pmbridge.learning import TrainingGrant
from pmbridge.learning._admission import Admission
from pmbridge.signing import load_signing_key

SUFFIX = "-learning"


def learning_audit_path(audit_log: Path) -> Path:
    """``audit-learning.jsonl`` beside the node's ``audit.jsonl``."""
    return audit_log.with_name(f"{audit_log.stem}{SUFFIX}{audit_log.suffix}")


def open_learning_audit(audit_log: Path, private_key: Path | None) -> AuditLog | None:
    """The trainings' audit log, signed with the node's key (None for a node without one)."""
    if private_key is None:
        return None
    return AuditLog(learning_audit_path(audit_log), key=load_signing_key(private_key))


def _query(grant: TrainingGrant) -> str:
    return f"training {grant.run_id} request {grant.spec_digest[:16]}"


def audit_admitted(log: AuditLog, grant: TrainingGrant, admissions: tuple[Admission, ...]) -> None:
    """The node took part: per dataset, the people admitted and the ε charged (0 for a repeat)."""
    released: dict[str, Scalar] = {
        "kind": "training",
        "purpose": grant.purpose,
        "task": grant.spec.task,
        "model": grant.spec.model,
        "rounds": grant.spec.rounds,
        "datasets": ",".join(a.dataset for a in admissions),
        "epsilon_charged": sum(a.epsilon_charged for a in admissions),
    }
    for a in admissions:
        released[f"people:{a.dataset}"] = a.people
    log.append(
        AuditEvent(actor=grant.researcher.id, action="release", query=_query(grant), released=released)
    )


def audit_refused(log: AuditLog, grant: TrainingGrant | None, error: PMBridgeError, *, run: str) -> None:
    """The node sat the training out, under ``error``'s rule (a grant that did not verify: no grant)."""
    rule = str(getattr(error, "rule", None) or getattr(error, "reason", None) or error.code)
    actor = grant.researcher.id if grant is not None else "unverified grant"
    query = _query(grant) if grant is not None else f"training run {run}"
    log.append(
        AuditEvent(
            actor=actor,
            action="refusal",
            query=query,
            rule=rule,
            released={"kind": "training", "why": str(error)[:400]},
        )
    )
