"""The training request: the declarative JSON a researcher sends instead of code, parsed into a typed
:class:`TrainingSpec` with every problem named, and its canonical digest (docs/learning.md#the-request).

A request says *what* to learn (task, features, label, model, rounds, strategy); it never says how
much privacy to spend: ε, δ and clipping are each node's own settings.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Final, Literal

from pmbridge.analytics import declared_variables
from pmbridge.errors import QueryError
from pmbridge.model import BUILT_INS, Source, Variable, built_in

Task = Literal["binary", "multiclass", "survival", "clustering"]
Model = Literal["logistic", "mlp", "kmeans"]
Strategy = Literal["fedavg", "fedprox"]

TASKS: Final[tuple[Task, ...]] = ("binary", "multiclass", "survival", "clustering")
MODEL_OF: Final[dict[Task, Model]] = {
    "binary": "logistic",
    "multiclass": "logistic",
    "survival": "logistic",
    "clustering": "kmeans",
}
"""The model family each task trains by default: logistic (softmax for several classes; a
discrete-time hazard for survival) or k-means."""
MODELS_OF: Final[dict[Task, tuple[Model, ...]]] = {
    "binary": ("logistic", "mlp"),
    "multiclass": ("logistic", "mlp"),
    "survival": ("logistic",),
    "clustering": ("kmeans",),
}
"""The models a request may name for each task (``model``); the first is the default."""
MAX_HIDDEN_UNITS: Final = 64
DEFAULT_HIDDEN_UNITS: Final = 16
MAX_ROUNDS: Final = 200
MAX_LOCAL_STEPS: Final = 50
MAX_FEATURES: Final = 50
MAX_CLUSTERS: Final = 20
MAX_INTERVALS: Final = 20
DEFAULT_RANGES: Final[dict[Source, tuple[float, float]]] = {Source.AGE: (0.0, 100.0)}
"""Ranges a continuous feature takes when the request gives none; binary features are [0, 1]."""
_KEYS: Final = frozenset(
    {
        "task", "cohort", "variables", "features", "label", "labels", "model", "rounds", "strategy",
        "proximal_mu", "local_steps", "learning_rate", "clusters", "intervals", "validation_share", "seed",
        "hidden_units", "secure_aggregation",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Feature:
    """One model input: a variable and the range [low, high] it is scaled from (to [0, 1], clipped).

    A declared range bounds each person's influence, which node-side privacy needs, and gives every
    node the same scale without any node releasing its own minimum or maximum.
    """

    variable: Variable
    low: float = 0.0
    high: float = 1.0

    @property
    def name(self) -> str:
        return self.variable.name


@dataclass(frozen=True, slots=True)
class TrainingSpec:
    task: Task
    model: Model
    features: tuple[Feature, ...]
    labels: tuple[Variable, ...]
    """binary: the one 0/1 label; multiclass: one 0/1 variable per class (exactly one holds);
    survival: (time, event); clustering: none."""
    cohort: Mapping[str, Any]
    rounds: int = 20
    strategy: Strategy = "fedavg"
    proximal_mu: float = 0.0
    local_steps: int = 1
    learning_rate: float = 1.0
    clusters: int = 0
    intervals: tuple[float, ...] = ()
    """survival: the edges (days) of the discrete-time hazard's intervals."""
    validation_share: float = 0.2
    seed: int = 0
    hidden_units: int = 0
    """mlp: the hidden layer's tanh units; 0 for the other models."""
    secure_aggregation: bool = False
    """The hub learns only the sum of the nodes' training releases (Flower's SecAgg+), never one
    node's; needs at least 3 nodes (docs/learning.md#secure-aggregation)."""

    @property
    def variables(self) -> tuple[Variable, ...]:
        """Every variable a node reads for this training, features first, each once."""
        seen: dict[str, Variable] = {}
        for variable in (*(f.variable for f in self.features), *self.labels):
            seen.setdefault(variable.name, variable)
        return tuple(seen.values())

    @property
    def genetic(self) -> bool:
        """True when any variable is derived from genetic data (policy rule X4 applies)."""
        return any(v.genetic for v in self.variables)

    @property
    def classes(self) -> int:
        """Outputs of the linear model: 1 for binary and survival, one per class for multiclass."""
        return len(self.labels) if self.task == "multiclass" else 1


def _refuse(message: str, hint: str) -> QueryError:
    return QueryError(f"training request: {message}", hint=hint)


class _Reader:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.declared = declared_variables(doc.get("variables"), request="training request")

    def variable(self, key: str, name: object) -> Variable:
        if not isinstance(name, str):
            raise _refuse(f"'{key}' must name a variable", "declare it under 'variables' or use a built-in")
        found = self.declared.get(name) or built_in(name)
        if found is None:
            raise _refuse(
                f"'{key}' names {name!r}, which is neither declared nor built in",
                "declare it under 'variables'; built-ins are " + ", ".join(BUILT_INS),
            )
        return found

    def binary(self, key: str, name: object) -> Variable:
        found = self.variable(key, name)
        if not found.binary:
            raise _refuse(
                f"'{key}' needs a 0/1 variable, and {found.name!r} is a {found.source.value} value",
                "use a phenotype, gene, disease, treatment, response, male or event variable",
            )
        return found

    def number(self, key: str, default: float, *, low: float, high: float) -> float:
        value = self.doc.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            raise _refuse(
                f"'{key}' must be a number from {low:g} to {high:g}, got {value!r}", f"e.g. {default}"
            )
        return float(value)

    def integer(self, key: str, default: int, *, low: int, high: int) -> int:
        value = self.doc.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _refuse(
                f"'{key}' must be a whole number from {low} to {high}, got {value!r}", f"e.g. {default}"
            )
        return value

    def feature(self, item: object) -> Feature:
        name, written = (item, None) if isinstance(item, str) else _named_range(item)
        variable = self.variable("features", name)
        if variable.source in (Source.TIME, Source.LOG_TIME, Source.EVENT):
            raise _refuse(
                f"{variable.name!r} ({variable.source.value}) is an outcome, not a feature",
                "train on it as a survival task's label instead",
            )
        if variable.binary:
            if written is not None and written != (0.0, 1.0):
                raise _refuse(f"feature {variable.name!r} is 0/1; it takes no range", "leave 'range' out")
            return Feature(variable)
        low, high = written or DEFAULT_RANGES.get(variable.source) or (math.nan, math.nan)
        if math.isnan(low):
            raise _refuse(
                f"feature {variable.name!r} ({variable.source.value}) needs a range",
                f'write it as {{"name": "{variable.name}", "range": [low, high]}} in the units the node '
                "stores; values outside are clipped",
            )
        return Feature(variable, low, high)


def _named_range(item: object) -> tuple[object, tuple[float, float] | None]:
    if not isinstance(item, dict) or set(item) - {"name", "range"} or "name" not in item:
        raise _refuse(
            f"a feature must be a variable's name or {{name, range}}, got {item!r}",
            'e.g. "age" or {"name": "ldl", "range": [0, 300]}',
        )
    span = item.get("range")
    if span is None:
        return item["name"], None
    if (
        not isinstance(span, list)
        or len(span) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in span)
        or not span[0] < span[1]
    ):
        raise _refuse(f"the range of {item['name']!r} must be [low, high] with low < high", "e.g. [0, 300]")
    return item["name"], (float(span[0]), float(span[1]))


def parse_training(doc: object) -> TrainingSpec:
    """The typed spec of a JSON training request, or a QueryError naming what is wrong.

    >>> spec = parse_training({"task": "binary", "features": ["male", "age", "tat"], "label": "good",
    ...     "variables": {"tat": {"gene": "TAT"}, "good": {"response": "CHEBI:9168"}}})
    >>> [f.name for f in spec.features], spec.labels[0].name, spec.model, spec.genetic
    (['male', 'age', 'tat'], 'good', 'logistic', True)
    """
    if not isinstance(doc, dict):
        raise _refuse("the request must be a JSON object", 'e.g. {"task": "binary", "features": [...]}')
    unknown = sorted(str(k) for k in set(doc) - _KEYS)
    if unknown:
        raise _refuse(f"unknown key(s): {', '.join(unknown)}", f"a training takes {', '.join(sorted(_KEYS))}")
    task = doc.get("task")
    if task not in TASKS:
        raise _refuse(f"'task' must be one of {', '.join(TASKS)}, got {task!r}", "say what to learn")
    model = doc.get("model", MODEL_OF[task])
    if model not in MODELS_OF[task]:
        others = "".join(f" or an {m}" for m in MODELS_OF[task][1:])
        raise _refuse(
            f"a {task} task trains a {MODEL_OF[task]} model{others}, not {model!r}",
            f"leave 'model' out or write {' or '.join(repr(m) for m in MODELS_OF[task])}",
        )
    if "hidden_units" in doc and model != "mlp":
        raise _refuse("'hidden_units' applies to the mlp model only", 'write "model": "mlp" or drop it')
    cohort = doc.get("cohort", {})
    if not isinstance(cohort, dict):
        raise _refuse("'cohort' must be a Beacon query object", 'e.g. {"filters": [...]}, or leave it out')
    read = _Reader(doc)
    raw_features = doc.get("features")
    if not isinstance(raw_features, list) or not 1 <= len(raw_features) <= MAX_FEATURES:
        raise _refuse(f"'features' must list 1 to {MAX_FEATURES} variables", 'e.g. ["male", "age"]')
    features = tuple(read.feature(item) for item in raw_features)
    names = [f.name for f in features]
    if len(set(names)) != len(names):
        raise _refuse("a feature is listed twice", "list each variable once")
    labels = _labels(task, doc, read)
    if overlap := {v.name for v in labels} & set(names):
        raise _refuse(
            f"{', '.join(sorted(overlap))} is both a feature and the label", "drop it from 'features'"
        )
    strategy = doc.get("strategy", "fedavg")
    if strategy not in ("fedavg", "fedprox"):
        raise _refuse(f"'strategy' must be fedavg or fedprox, got {strategy!r}", "e.g. 'fedavg'")
    proximal_mu = read.number("proximal_mu", 0.1 if strategy == "fedprox" else 0.0, low=0.0, high=10.0)
    if strategy == "fedavg" and proximal_mu:
        raise _refuse("'proximal_mu' applies to fedprox only", 'write "strategy": "fedprox" or drop it')
    return TrainingSpec(
        task=task,
        model=model,
        features=features,
        labels=labels,
        cohort=json.loads(json.dumps(cohort)),  # a private copy, and proof that it is JSON
        rounds=read.integer("rounds", 20, low=1, high=MAX_ROUNDS),
        strategy=strategy,
        proximal_mu=proximal_mu,
        local_steps=read.integer("local_steps", 1, low=1, high=MAX_LOCAL_STEPS),
        learning_rate=read.number("learning_rate", 1.0, low=1e-6, high=100.0),
        clusters=read.integer("clusters", 3, low=2, high=MAX_CLUSTERS) if task == "clustering" else 0,
        intervals=_intervals(doc.get("intervals")) if task == "survival" else (),
        validation_share=read.number("validation_share", 0.2, low=0.0, high=0.5),
        seed=read.integer("seed", 0, low=0, high=2**31 - 1),
        hidden_units=(
            read.integer("hidden_units", DEFAULT_HIDDEN_UNITS, low=1, high=MAX_HIDDEN_UNITS)
            if model == "mlp"
            else 0
        ),
        secure_aggregation=_flag(doc, "secure_aggregation"),
    )


def _flag(doc: dict[str, Any], key: str) -> bool:
    value = doc.get(key, False)
    if not isinstance(value, bool):
        raise _refuse(f"'{key}' must be true or false, got {value!r}", f'e.g. "{key}": true')
    return value


def _labels(task: Task, doc: dict[str, Any], read: _Reader) -> tuple[Variable, ...]:
    if task == "clustering":
        if "label" in doc or "labels" in doc:
            raise _refuse("clustering learns without a label", "leave 'label' and 'labels' out")
        return ()
    if task == "survival":
        if "label" in doc or "labels" in doc:
            raise _refuse("a survival task's label is follow-up time and event", "leave 'label' out")
        return (read.variable("label", "time"), read.variable("label", "event"))
    if task == "binary":
        return (read.binary("label", doc.get("label")),)
    raw = doc.get("labels")
    if not isinstance(raw, list) or not 2 <= len(raw) <= MAX_CLUSTERS or len(set(map(str, raw))) != len(raw):
        raise _refuse(
            f"a multiclass task needs 'labels': 2 to {MAX_CLUSTERS} different 0/1 variables, one per class",
            'e.g. ["dravet", "lgs", "other"]; a person with none or several of them is left out',
        )
    return tuple(read.binary("labels", name) for name in raw)


def _intervals(raw: object) -> tuple[float, ...]:
    if raw is None:
        return (365.0, 730.0, 1095.0, 1825.0, 3650.0)
    if (
        not isinstance(raw, list)
        or not 1 <= len(raw) <= MAX_INTERVALS
        or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v > 0 for v in raw
        )
        or any(b <= a for a, b in itertools.pairwise(raw))
    ):
        raise _refuse(
            f"'intervals' must be 1 to {MAX_INTERVALS} increasing positive day counts (interval ends)",
            "e.g. [365, 730, 1825]",
        )
    return tuple(float(v) for v in raw)


def spec_to_wire(spec: TrainingSpec) -> dict[str, Any]:
    """The spec as JSON, every default written out: what nodes receive and what the digest hashes."""
    wire = asdict(spec)
    wire["features"] = [
        {"name": f.name, "source": f.variable.source.value, "code": f.variable.code, "range": [f.low, f.high]}
        for f in spec.features
    ]
    wire["labels"] = [{"name": v.name, "source": v.source.value, "code": v.code} for v in spec.labels]
    wire["intervals"] = list(spec.intervals)
    return wire


def spec_from_wire(wire: Mapping[str, Any]) -> TrainingSpec:
    """The spec :func:`spec_to_wire` wrote (a node reads what the hub vetted, not the raw request)."""
    try:
        features = tuple(
            Feature(
                Variable(f["name"], Source(f["source"]), f["code"]),
                float(f["range"][0]),
                float(f["range"][1]),
            )
            for f in wire["features"]
        )
        labels = tuple(Variable(v["name"], Source(v["source"]), v["code"]) for v in wire["labels"])
        fields = {k: v for k, v in wire.items() if k not in ("features", "labels", "intervals")}
        return TrainingSpec(features=features, labels=labels, intervals=tuple(wire["intervals"]), **fields)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise _refuse(f"malformed wire spec ({exc})", "send what spec_to_wire wrote") from exc


def spec_digest(spec: TrainingSpec) -> str:
    """A stable sha256 of the canonical wire form: equal specs, equal digests (keys the noise)."""
    canonical = json.dumps(spec_to_wire(spec), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
