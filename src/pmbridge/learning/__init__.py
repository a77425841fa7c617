"""Federated learning's pure core: the declarative training request, a node's design matrix, the
models' local steps, node-side differential privacy and its accountant, and disclosure-checked metrics.

No I/O and no Flower here: :mod:`pmbridge.flower` runs these on Flower (docs/learning.md).
"""

from pmbridge.learning._admission import Admission, TrainingRequest, admit_training
from pmbridge.learning._design import Design, design_matrix, stack
from pmbridge.learning._grant import TrainingGrant, issue_grant, sign_grant, verify_grant
from pmbridge.learning._schema import training_schema
from pmbridge.learning._spec import (
    MODEL_OF,
    TASKS,
    Feature,
    TrainingSpec,
    parse_training,
    spec_digest,
    spec_from_wire,
    spec_to_wire,
)

__all__ = [
    "MODEL_OF",
    "TASKS",
    "Admission",
    "Design",
    "Feature",
    "TrainingGrant",
    "TrainingRequest",
    "TrainingSpec",
    "admit_training",
    "design_matrix",
    "issue_grant",
    "parse_training",
    "sign_grant",
    "spec_digest",
    "spec_from_wire",
    "spec_to_wire",
    "stack",
    "training_schema",
    "verify_grant",
]
