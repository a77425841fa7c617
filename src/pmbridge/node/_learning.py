"""A node's side of a federated training: the grant checked, the training admitted per dataset, the
node's own rows read, and each round's local update made private before it leaves (docs/learning.md).

This runs in the node's ClientApp process, not in the node's web process: it opens the store read
only and shares the node's ledgers (SQLite, safe across processes), so a training is charged to the
same ε budget and export counters as every other release of the node.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pmbridge.audit import AuditLog
from pmbridge.errors import ConfigError, DisclosureRefused, PMBridgeError
from pmbridge.flower import NodeData
from pmbridge.flower._answers import ANSWERS_FILE, AnswerBook
from pmbridge.learning import (
    Admission,
    Design,
    TrainingGrant,
    TrainingRequest,
    admit_training,
    design_matrix,
    stack,
    verify_grant,
)
from pmbridge.learning._dp import NodePrivacy
from pmbridge.node._analysis import counted_cohort
from pmbridge.node._config import NodeConfig, load_node_config
from pmbridge.node._context import open_store
from pmbridge.node._disclosure import is_genetic
from pmbridge.node._learning_audit import open_learning_audit
from pmbridge.node._release_settings import ReleaseState, open_release_state
from pmbridge.node._trust import HUB_KEY_OWNER
from pmbridge.policy import Caller, crosses_border
from pmbridge.privacy import cohort_digest
from pmbridge.signing import KeyRing
from pmbridge.store import EntryQuery, NodeStore
from pmbridge.vocab import Hpo, locate_data_dir


@dataclass(frozen=True, slots=True)
class LearningNode:
    """What a node's ClientApp holds: its config, store (read only), HPO, ledgers and the hub's key."""

    config: NodeConfig
    store: NodeStore
    hpo: Hpo
    release: ReleaseState
    hubs: KeyRing
    audit: AuditLog | None = None
    """The trainings' own audit chain (``audit-learning.jsonl``); None without a node key."""
    answers: AnswerBook | None = None
    """What the node answered per training and round (``learning.sqlite`` beside its store)."""

    @classmethod
    def open(cls, config_path: Path) -> LearningNode:
        config = load_node_config(config_path)
        if not config.learning.enabled:
            raise ConfigError(
                f"node {config.id} does not take part in federated learning",
                hint="its operator turns it on with [learning] enabled = true (docs/learning.md)",
            )
        if config.trust.hub_public_key is None:
            raise ConfigError(
                f"node {config.id}: node.hub_public_key is not set, so no training grant can be checked",
                hint='set node.hub_public_key = "ed25519:..." (`pmbridge keys show hub.pub`)',
            )
        store = open_store(config)  # its file or its lake, as the node answers from
        release = open_release_state(
            config.release, jurisdiction=config.jurisdiction, country=config.country, store=config.store
        )
        return cls(
            config=config,
            store=store,
            hpo=Hpo.load(locate_data_dir(config.data_dir)),
            release=release,
            hubs=KeyRing({HUB_KEY_OWNER: config.trust.hub_public_key}),
            audit=open_learning_audit(config.trust.audit_log, config.trust.private_key),
            answers=AnswerBook(config.store.parent / ANSWERS_FILE),
        )

    def close(self) -> None:
        self.store.close()
        self.release.close()
        if self.audit is not None:
            self.audit.close()


@dataclass(frozen=True, slots=True)
class NodeTraining:
    """One admitted training at one node: its rows (the admitted datasets', validation marked) and
    what its rounds need; :mod:`pmbridge.flower` answers the rounds from :meth:`data`."""

    grant: TrainingGrant
    design: Design
    privacy: NodePrivacy
    secret: bytes
    admissions: tuple[Admission, ...]

    def data(self, name: str) -> NodeData:
        return NodeData(name, self.design, self.secret, self.privacy, run=self.grant.run_id)


def join_training(node: LearningNode, token: str, *, now: datetime) -> NodeTraining:
    """Check the grant in ``token`` and admit its training on this node's datasets, or raise the
    refusal (SignatureRejected, PolicyRefused, DisclosureRefused, BudgetExhausted) that makes the
    node sit the training out. Admission is idempotent per run: every round may ask again."""
    grant = verify_grant(token, node.hubs, node=node.config.id, now=now)
    spec = grant.spec
    caller = Caller(grant.researcher, grant.purpose)
    if grant.researcher.is_anonymous:
        raise DisclosureRefused("access_level", "trainings are for registered researchers")
    query = counted_cohort(spec.cohort, caller, datasets=node.config.datasets, hpo=node.hpo)
    settings = node.release.disclosure.settings
    cross = crosses_border(node.release.policy.jurisdiction, grant.researcher.country)
    k = settings.min_count_for(cross_border=cross)
    learning = node.config.learning
    privacy = NodePrivacy(
        epsilon=learning.epsilon_per_training if learning.differential_privacy else None,
        delta=learning.delta,
        clip=learning.clip,
        min_count=k,
    )
    genetic = spec.genetic or is_genetic(query)
    # Datasets with fewer than k people to train on take no further part (not even in the
    # differencing guard), so every later refusal reads the same for them as for none.
    designs = {d: x for d, x in _designs(node, grant, query).items() if x.part(validation=False).people >= k}
    _differencing(node, grant, designs, k=k)
    admissions = _admit(node, grant, query, designs, k=k, privacy=privacy, genetic=genetic, now=now)
    design = stack([designs[a.dataset] for a in admissions])
    if design.part(validation=False).people < k:
        raise DisclosureRefused(
            "min_count",
            f"fewer than {k} of this node's people are left to train on once validation holds some out",
            hint="widen the cohort, or lower validation_share",
        )
    return NodeTraining(
        grant=grant,
        design=design,
        privacy=privacy,
        secret=node.release.disclosure.ledger.secret(),
        admissions=admissions,
    )


def _designs(node: LearningNode, grant: TrainingGrant, query: EntryQuery) -> dict[str, Design]:
    """Each dataset's design: a dataset is admitted, charged and left out on its own."""
    spec = grant.spec
    table = node.store.analysis_frame(query, spec.variables)
    datasets = table.column("dataset_id").to_numpy(zero_copy_only=False).astype(str)
    inds = table.column("ind").to_numpy(zero_copy_only=False).astype("int64")
    columns = {
        v.name: table.column(v.name).to_numpy(zero_copy_only=False).astype("float64") for v in spec.variables
    }
    found: dict[str, Design] = {}
    for dataset in sorted(set(datasets.tolist())):
        rows = datasets == dataset
        found[dataset] = design_matrix(
            spec, {name: values[rows] for name, values in columns.items()}, inds[rows]
        )
    return found


def _differencing(node: LearningNode, grant: TrainingGrant, designs: dict[str, Design], *, k: int) -> None:
    """The differencing guard, as for analyses: the people this training would use against those
    of the researcher's other trainings; sets fewer than ``k`` apart are refused (the same people
    again are fine), before anything is charged."""
    settings = node.release.disclosure.settings
    cases = frozenset(int(i) for d in designs.values() for i in d.inds.tolist())
    if not settings.differencing_guard or not cases:
        return
    conflict = node.release.disclosure.ledger.admit_cohort(
        f"{grant.researcher.id}\x1ftraining",
        cases,
        query=cohort_digest(cases),  # the same people under any request: no difference to take
        min_count=k,
        keep=settings.differencing_history,
        remember=True,
    )
    if conflict is not None:
        raise DisclosureRefused(
            "differencing_guard",
            "the people this training would use are too close to those of another training of yours; "
            f"sets of people fewer than {k} apart are refused",
            hint="train on exactly the same people again, or on people at least "
            f"{k} apart; to compare subgroups, choose them by the cohort's filters",
        )


def _admit(
    node: LearningNode,
    grant: TrainingGrant,
    query: EntryQuery,
    designs: dict[str, Design],
    *,
    k: int,
    privacy: NodePrivacy,
    genetic: bool,
    now: datetime,
) -> tuple[Admission, ...]:
    """One admission per dataset with people in the cohort: each dataset's ε budget is its own."""
    request = TrainingRequest(grant.run_id, grant.spec_digest, grant.researcher, grant.purpose)
    settings = node.release.disclosure.settings
    admitted: list[Admission] = []
    refusals: list[PMBridgeError] = []
    for dataset, people in sorted(node.store.people(query).items()):
        try:
            admitted.append(
                admit_training(
                    request,
                    dataset=dataset,
                    genetic=genetic,
                    people=people,
                    rows=designs[dataset].part(validation=False).people if dataset in designs else 0,
                    epsilon=privacy.epsilon,
                    min_count=k,
                    budget=settings.yearly_epsilon_budget,
                    policy=node.release.policy,
                    exports=node.release.exports,
                    ledger=node.release.disclosure.ledger,
                    now=now,
                )
            )
        except PMBridgeError as refusal:
            refusals.append(refusal)
    if not admitted:
        # The same words for no one and for 1..k-1 people: a refusal must not tell them apart.
        ruled = [r for r in refusals if getattr(r, "rule", getattr(r, "reason", "")) != "min_count"]
        raise (
            ruled[0]
            if ruled
            else DisclosureRefused(
                "min_count",
                f"fewer than {k} of this node's people match the training's cohort",
                hint="widen the cohort",
            )
        )
    return tuple(admitted)
