"""What the Learning pages show of a federated training: its request in words, a table of rounds by
node (each node's status, the rule it sat out under, the figures it released), and once finished
the model and its disclosure-checked validation, or why the hub withheld them (docs/learning.md)."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from pmbridge.client import Training, TrainingRound
from pmbridge.portal._i18n import N_
from pmbridge.portal._refusals import Refusal, refusal_of_rule

EXAMPLE_REQUEST: Final = """{
  "task": "binary",
  "features": ["male", "age", "tat", "sirolimus"],
  "label": "favourable",
  "variables": {
    "tat": {"gene": "TAT"},
    "sirolimus": {"treatment": "CHEBI:9168"},
    "favourable": {"response": "CHEBI:9168"}
  },
  "rounds": 20,
  "strategy": "fedavg"
}"""
"""The request of docs/learning.md#the-request, which the start form is prefilled with."""

STATES: Final = {
    "started": N_("started"),
    "running": N_("running"),
    "finished": N_("finished"),
    "failed": N_("failed"),
}
TASKS: Final = {
    "binary": N_("binary outcome (logistic regression)"),
    "multiclass": N_("several classes (softmax regression)"),
    "survival": N_("survival (discrete-time hazard)"),
    "clustering": N_("clusters (k-means)"),
}
MLP_TASKS: Final = {
    "binary": N_("binary outcome (neural network)"),
    "multiclass": N_("several classes (neural network)"),
}
"""The task in words when the request names ``"model": "mlp"`` (only these tasks may)."""
STAGES: Final = {"train": N_("training"), "evaluate": N_("validation")}
STATUSES: Final = {"ok": N_("took part"), "refused": N_("sat out"), "failed": N_("failed")}
SENTENCES: Final = {
    "X4": N_(
        "%(node)s keeps genetic data at home for a researcher abroad (China's human genetic "
        "resources rules): drop the genetic features, such as genes, to include it."
    ),
    "min_count": N_(
        "%(node)s holds too few people with every value the training uses: widen the cohort or "
        "choose features fewer people miss."
    ),
    "budget": N_(
        "Your yearly privacy budget at %(node)s is spent: each training is charged once per node. "
        "Ask the data steward."
    ),
}
"""The training's own words for the rules a node sits a training out under; other rules keep the
portal's sentences (docs/learning.md#what-leaves-a-node)."""
FEWER_THAN_MINIMUM: Final = N_("fewer than the minimum count")
INTERCEPT: Final = N_("intercept")
HIDDEN_FIGURES: Final = frozenset({"rule", "reason"})
"""A refused row's metrics that the refusal explains, rather than the figures table."""
WITHHELD_REASONS: Final = (
    (
        re.compile(r"fewer than (\d+) nodes contributed to every round"),
        N_("Fewer than %(n)s nodes contributed to every round."),
    ),
    (
        re.compile(r"fewer than (\d+) nodes released a validation"),
        N_("Fewer than %(n)s nodes released a validation."),
    ),
)
"""The hub's reasons for withholding the network's figures (``metrics["withheld"]``, written by
flower/_hub_rounds.py), each as the portal's sentence; any other reason shows in the hub's words."""


@dataclass(frozen=True, slots=True)
class Cell:
    """One node's part of one round: ``status`` (empty: no word from it yet), the rule it sat out
    under, and the figures it released as (name, text)."""

    status: str = ""
    rule: str = ""
    figures: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class RoundLine:
    round: int
    stage: str
    cells: tuple[Cell, ...]
    """One per column of :attr:`TrainingView.columns`."""


@dataclass(frozen=True, slots=True)
class SatOut:
    """A node that sat the training out: the refusal in the portal's words and the node's own."""

    node: str
    refusal: Refusal
    reason: str


@dataclass(frozen=True, slots=True)
class Row:
    """A labelled row of numbers written out (a coefficient's term, a centroid's cluster)."""

    label: str
    values: tuple[str, ...]
    size: int | None = None


@dataclass(frozen=True, slots=True)
class Calibration:
    """One score bin of the validation: mean predicted risk, observed rate, people (all released)."""

    predicted: str
    observed: str
    people: int
    x: float
    y: float
    r: float


@dataclass(frozen=True, slots=True)
class Withheld:
    """Network figures the hub withheld: ``what`` is ``model`` (the model, and so its validation) or
    ``validation``; why is a catalogue ``sentence`` with its number ``n``, or else the hub's ``raw``
    words (English)."""

    what: str
    sentence: str = ""
    n: int = 0
    raw: str = ""


@dataclass(frozen=True, slots=True)
class PartAuroc:
    """The AUROC of one class (against the rest) or one interval of follow-up; ``auroc`` is empty
    where no node released it, never a number. ``end``: an interval's last day."""

    label: str
    auroc: str
    end: str = ""


@dataclass(frozen=True, slots=True)
class TrainingView:
    training: Training
    task: str
    features: tuple[str, ...]
    labels: tuple[str, ...]
    rounds: int
    strategy: str
    done: int
    """Training rounds that some node reported (``round done of rounds``)."""
    columns: tuple[str, ...]
    """Node ids in the order of the grant, then ``""``: the network's merged figures."""
    lines: tuple[RoundLine, ...]
    sat_out: tuple[SatOut, ...]
    model_kind: str = ""
    model_columns: tuple[str, ...] = ()
    model_rows: tuple[Row, ...] = ()
    min_count: int | None = None
    auroc: str = ""
    validation_people: int | None = None
    calibration: tuple[Calibration, ...] = ()
    model_name: str = ""
    """What the request trains: ``logistic``, ``mlp`` or ``kmeans``."""
    hidden_units: int = 0
    weight_count: int = 0
    """An MLP's weights, biases included: the length of its flat vector."""
    secure: bool = False
    """The request's ``secure_aggregation``: the hub learned only sums of the nodes' updates."""
    withheld: Withheld | None = None
    per_class: tuple[PartAuroc, ...] = ()
    per_interval: tuple[PartAuroc, ...] = ()

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.done / self.rounds)) if self.rounds else 0

    @property
    def task_label(self) -> str:
        """The task in words (a catalogue message), naming the model the request trains."""
        words = MLP_TASKS if self.model_name == "mlp" else TASKS
        return words.get(self.task, "")


def training_view(training: Training) -> TrainingView:
    """The page's view of ``training`` as the hub answered it."""
    spec = training.spec
    model, metrics = training.model or {}, training.metrics or {}
    task = str(spec.get("task", ""))
    features = tuple(_name(f) for f in _list(spec.get("features")))
    labels = tuple(_name(v) for v in _list(spec.get("labels")))
    extra = [r.node for r in training.rounds if r.node and r.node not in training.nodes]
    columns = (*training.nodes, *dict.fromkeys(extra), "")
    model_name = str(spec.get("model") or model.get("kind") or "")
    parts: dict[str, Any] = {}
    if model.get("kind") == "mlp" or (model and model_name == "mlp" and "kind" not in model):
        parts = {"model_kind": "mlp", "weight_count": _count(model.get("array", model.get("weights")))}
    elif model.get("kind") == "kmeans":
        sizes = model.get("sizes", metrics.get("cluster_sizes"))  # the ServerApp's validation names it so
        parts = {"model_kind": "kmeans", **_clusters(model, features, _list(sizes))}
    elif model.get("kind") == "logistic" or "weights" in model:
        terms = (*features, *interval_terms(spec.get("intervals"))) if task == "survival" else features
        parts = {"model_kind": "logistic", **_coefficients(model, terms, labels, task)}
    return TrainingView(
        training=training,
        task=task,
        features=features,
        labels=labels,
        rounds=_int(spec.get("rounds")) or 0,
        strategy=_strategy(spec),
        done=max((r.round for r in training.rounds if r.stage == "train"), default=0),
        columns=columns,
        lines=_lines(training.rounds, columns),
        sat_out=sat_out(training.rounds),
        min_count=_int(metrics.get("min_count", model.get("min_count"))),
        auroc=_auroc(metrics.get("auroc")),
        validation_people=_int(metrics.get("validation_people")),
        calibration=calibration(metrics.get("calibration")),
        model_name=model_name,
        hidden_units=_int(spec.get("hidden_units")) or 0,
        secure=spec.get("secure_aggregation") is True,
        withheld=withheld(model, metrics),
        per_class=per_class(metrics, labels),
        per_interval=per_interval(metrics),
        **parts,
    )


def withheld(model: Mapping[str, Any], metrics: Mapping[str, Any]) -> Withheld | None:
    """Why the hub withheld the network's figures, if it did: with no model, the model and its
    validation; with one, the validation only.

    >>> withheld({}, {"withheld": "fewer than 3 nodes contributed to every round"})
    Withheld(what='model', sentence='Fewer than %(n)s nodes contributed to every round.', n=3, raw='')
    >>> withheld({"kind": "mlp"}, {"withheld": "the moon"})
    Withheld(what='validation', sentence='', n=0, raw='the moon')
    """
    reason = metrics.get("withheld")
    if not reason:
        return None
    text, what = str(reason).strip(), "validation" if model else "model"
    for pattern, sentence in WITHHELD_REASONS:
        if found := pattern.fullmatch(text):
            return Withheld(what, sentence, int(found.group(1)))
    return Withheld(what, raw=text)


def per_class(metrics: Mapping[str, Any], labels: Sequence[str]) -> tuple[PartAuroc, ...]:
    """Multiclass: each class's AUROC against the rest, labelled by its label variable.

    >>> [(p.label, p.auroc) for p in per_class({"auroc_per_class": [0.5, None]}, ["mild", "severe"])]
    [('mild', '0.500'), ('severe', '')]
    """
    found = _list(metrics.get("auroc_per_class"))
    named = len(labels) == len(found)
    return tuple(PartAuroc(labels[i] if named else str(i + 1), _auroc(a)) for i, a in enumerate(found))


def per_interval(metrics: Mapping[str, Any]) -> tuple[PartAuroc, ...]:
    """Survival: each interval's AUROC (labelled by its number) and its last day.

    >>> [(p.label, p.end, p.auroc) for p in per_interval(
    ...     {"auroc_per_interval": [0.71234, None], "interval_ends": [365.0, 730.5]})]
    [('1', '365', '0.712'), ('2', '730.5', '')]
    """
    ends = _list(metrics.get("interval_ends"))
    return tuple(
        PartAuroc(str(i + 1), _auroc(a), _day(ends[i]) if i < len(ends) else "")
        for i, a in enumerate(_list(metrics.get("auroc_per_interval")))
    )


def sat_out(rounds: Sequence[TrainingRound]) -> tuple[SatOut, ...]:
    """Each node that refused, once, with the rule of its first refusal."""
    found: dict[str, SatOut] = {}
    for row in rounds:
        if row.node and row.status == "refused" and row.node not in found:
            rule = str(row.metrics.get("rule") or "refused")
            reason = str(row.metrics.get("reason") or "")
            found[row.node] = SatOut(row.node, rule_refusal(rule, reason), reason)
    return tuple(found.values())


def rule_refusal(rule: str, detail: str = "") -> Refusal:
    """A node's refusal of a training, in the training's words where the rule is one of theirs."""
    return (
        Refusal(rule, SENTENCES[rule], detail) if rule in SENTENCES else refusal_of_rule(rule, detail=detail)
    )


def _lines(rounds: Sequence[TrainingRound], columns: Sequence[str]) -> tuple[RoundLine, ...]:
    by_key: dict[tuple[int, str], dict[str, Cell]] = {}
    for row in rounds:
        figures = tuple(
            (name, figure(value)) for name, value in sorted(row.metrics.items()) if name not in HIDDEN_FIGURES
        )
        rule = str(row.metrics.get("rule") or "") if row.status == "refused" else ""
        by_key.setdefault((row.round, row.stage), {})[row.node or ""] = Cell(row.status, rule, figures)
    order = {"train": 0, "evaluate": 1}
    keys = sorted(by_key, key=lambda k: (order.get(k[1], 2), k[0]))
    return tuple(
        RoundLine(r, stage, tuple(by_key[r, stage].get(c, Cell()) for c in columns)) for r, stage in keys
    )


def figure(value: object) -> str:
    """A released figure as text: whole numbers as they are, others to 3 decimals, ``—`` when absent.

    >>> figure(412), figure(0.71234), figure(-0.5), figure(None), figure("X4")
    ('412', '0.712', '−0.500', '—', 'X4')
    """
    if value is None or isinstance(value, bool):
        return "—" if value is None else str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _fixed(value, 3)
    if isinstance(value, list):
        return ", ".join(figure(v) for v in value)
    return str(value)


def calibration(found: object) -> tuple[Calibration, ...]:
    """The calibration bins as rows and as points of a small chart (x, y in [0, 1]; r by people).

    >>> [(c.predicted, c.observed, c.people) for c in calibration([[0.25, 0.1, 40], [0.75, 0.8, 10]])]
    [('0.250', '0.100', 40), ('0.750', '0.800', 10)]
    """
    bins = [b for b in _list(found) if isinstance(b, list) and len(b) == 3]
    most = max((_int(b[2]) or 0 for b in bins), default=0)
    rows = []
    for centre, observed, people in bins:
        if not all(isinstance(v, int | float) for v in (centre, observed, people)):
            continue
        r = 3 + 5 * math.sqrt(people / most) if most else 3
        rows.append(Calibration(_fixed(centre, 3), _fixed(observed, 3), int(people), centre, observed, r))
    return tuple(rows)


def _clusters(model: Mapping[str, Any], features: Sequence[str], sizes: Sequence[object]) -> dict[str, Any]:
    # ``array``: the ServerApp's result line names the model's array so (flower/_server_app.py)
    centroids = [c for c in _list(model.get("centroids", model.get("array"))) if isinstance(c, list)]
    width = max((len(c) for c in centroids), default=0)
    columns = tuple(features[i] if i < len(features) else f"x{i + 1}" for i in range(width))
    rows = tuple(
        Row(str(i + 1), tuple(figure(v) for v in c), _int(sizes[i]) if i < len(sizes) else None)
        for i, c in enumerate(centroids)
    )
    return {"model_columns": columns, "model_rows": rows}


def _coefficients(
    model: Mapping[str, Any], features: Sequence[str], labels: Sequence[str], task: str
) -> dict[str, Any]:
    """Terms by classes; the weights may come as (terms, classes), the model's own shape, or as
    (classes, terms): whichever matches the terms is read."""
    named = [str(f) for f in _list(model.get("features"))] or list(features)
    weights = [w if isinstance(w, list) else [w] for w in _list(model.get("weights", model.get("array")))]
    if weights and len(weights) != len(named) + 1 and len(weights[0]) == len(named) + 1:
        weights = [list(column) for column in zip(*weights, strict=True)]
    terms = [INTERCEPT, *named] if len(weights) == len(named) + 1 else named
    terms += [f"x{i + 1}" for i in range(len(terms), len(weights))]
    width = max((len(w) for w in weights), default=0)
    columns = tuple(labels) if task == "multiclass" and len(labels) == width else ()
    rows = tuple(Row(term, tuple(figure(v) for v in w)) for term, w in zip(terms, weights, strict=False))
    return {"model_columns": columns, "model_rows": rows}


def interval_terms(ends: object) -> tuple[str, ...]:
    """Survival's terms after the features: an indicator per interval after the first, named as
    learning/_design.py names them.

    >>> interval_terms([365.0, 730.0, 1825.0])
    ('interval_365_730d', 'interval_730_1825d')
    """
    days = [int(e) for e in _list(ends) if _day(e)]
    return tuple(f"interval_{a}_{b}d" for a, b in itertools.pairwise(days))


def _auroc(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return ""
    return f"{value:.3f}"


def _day(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _count(values: object) -> int:
    """Numbers in a (nested) list: an MLP's flat vector, or one the record wrote as rows."""
    return sum(_count(v) for v in values) if isinstance(values, list) else int(values is not None)


def _strategy(spec: Mapping[str, Any]) -> str:
    if spec.get("strategy") == "fedprox":
        return f"FedProx (μ = {figure(spec.get('proximal_mu'))})"
    return "FedAvg" if spec.get("strategy", "fedavg") == "fedavg" else str(spec.get("strategy"))


def _name(item: object) -> str:
    return str(item.get("name", "")) if isinstance(item, Mapping) else str(item)


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _fixed(value: float, digits: int) -> str:
    if not math.isfinite(value):
        return "—"
    return f"{value:.{digits}f}".replace("-", "\N{MINUS SIGN}")
