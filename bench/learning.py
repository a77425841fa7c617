"""Federated learning on Flower's simulation runtime: 20 rounds over 5 nodes, non-IID.

    .venv/bin/python -m bench.learning [--store PATH] [--nodes 5] [--rounds 20] [--alpha 0.5] [--seed 0]

Logistic regression: the generator's outcome (response to sirolimus, arm B) on sex, age, TAT carrier
and four labs, the complete cases of one synthetic store (``--store``, default the analytics
benchmark's first store, copied and migrated) split over ``--nodes`` nodes by Dirichlet(α) on the
label. The baseline, in the same process: the pooled non-private maximum-likelihood fit. Each is
scored by the exact AUROC on the same held-out people; the federated run is also scored by the
AUROC the network computes from the nodes' released histograms. Runs without DP and at ε = 1 per
training (each node), and the DP run twice to show that the same seed gives the same model.

k-means: three separable clusters, split the same way; ARI of the federated clustering against
pooled k-means (Lloyd's algorithm from the same start) on every point.

MLP (one tanh hidden layer of 16): the logistic task again, against the same pooled fit; and XOR-like
data (four blobs, the label whether a blob's coordinates differ), where the pooled logistic fit is
the baseline a linear model cannot beat. ``--only mlp`` runs this part alone.

Prints wall seconds per simulation (ray start included) and the issue's targets: AUROC within 0.01
of pooled without DP, within 0.05 at ε = 1, ARI >= 0.9, and a 20-round 5-node run under 2 minutes.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from flwr.app import Context
from flwr.simulation import run_simulation
from scipy import optimize  # type: ignore[import-untyped]

from bench._common import CACHE
from pmbridge.flower._client_app import make_client_app
from pmbridge.flower._node_round import NodeData
from pmbridge.flower._progress import read_lines
from pmbridge.flower._server_app import make_server_app
from pmbridge.learning import (
    Design,
    TrainingSpec,
    design_matrix,
    parse_training,
    spec_from_wire,
    spec_to_wire,
)
from pmbridge.learning._dp import FloatArray, NodePrivacy
from pmbridge.learning._kmeans import assign, init_centroids, kmeans_update
from pmbridge.learning._linear import LinearModel, predict_proba
from pmbridge.learning._metrics import adjusted_rand_index, auroc_exact
from pmbridge.learning._mlp import mlp_predict_proba, mlp_shape
from pmbridge.learning._partition import dirichlet_split
from pmbridge.model import Variable
from pmbridge.store import EntryQuery, NodeStore
from pmbridge.synth import LABS, OUTCOME_MODEL

DEFAULT_STORE = CACHE / "analytics" / "node-0-eu-south-100000.duckdb"
SECRET = b"bench-node-secret-0123456789"
RANGES = ((0.0, 300.0), (3.0, 10.0), (0.0, 3.0), (5.0, 20.0))
TARGET_SECONDS = 120.0


def linear_spec(rounds: int, seed: int) -> TrainingSpec:
    labs = {f"lab{i}": {"measurement": lab.loinc} for i, lab in enumerate(LABS)}
    features: list[Any] = ["male", {"name": "age", "range": [0, 100]}, "tat"]
    features += [{"name": name, "range": list(r)} for name, r in zip(labs, RANGES, strict=True)]
    return parse_training(
        {
            "task": "binary",
            "features": features,
            "label": "responded",
            "variables": {
                "responded": {"response": OUTCOME_MODEL.arm_b.id},
                "tat": {"gene": OUTCOME_MODEL.gene},
                **labs,
            },
            "rounds": rounds,
            "local_steps": 5,
            "learning_rate": 4.0,
            "seed": seed,
        }
    )


def mlp_spec(rounds: int, seed: int) -> TrainingSpec:
    wire = spec_to_wire(linear_spec(rounds, seed))
    return spec_from_wire({**wire, "model": "mlp", "hidden_units": 16})


def xor_spec(rounds: int, seed: int) -> TrainingSpec:
    return parse_training(
        {
            "task": "binary",
            "model": "mlp",
            "hidden_units": 16,
            "features": [{"name": "f1", "range": [0, 1]}, {"name": "f2", "range": [0, 1]}],
            "label": "odd",
            "variables": {
                "f1": {"measurement": "LOINC:0000-1"},
                "f2": {"measurement": "LOINC:0000-2"},
                "odd": {"phenotype": "HP:0000001"},
            },
            "rounds": rounds,
            "local_steps": 5,
            "learning_rate": 4.0,
            "seed": seed,
        }
    )


def cluster_spec(rounds: int, seed: int) -> TrainingSpec:
    return parse_training(
        {
            "task": "clustering",
            "features": [{"name": "f1", "range": [0, 1]}, {"name": "f2", "range": [0, 1]}],
            "variables": {"f1": {"measurement": "LOINC:0000-1"}, "f2": {"measurement": "LOINC:0000-2"}},
            "clusters": 3,
            "rounds": rounds,
            "seed": seed,
        }
    )


# -- data ----------------------------------------------------------------------------------


def readable_store(source: Path, work: Path) -> Path:
    """``source`` itself when it opens read-only, else a migrated copy in ``work``."""
    try:
        NodeStore.open(source, read_only=True).close()
        return source
    except Exception:  # an older schema: migrate a copy, never the shared benchmark file
        copy = work / source.name
        shutil.copy(source, copy)
        NodeStore.open(copy).close()
        return copy


def pooled_design(store: Path, spec: TrainingSpec) -> Design:
    variables: Sequence[Variable] = spec.variables
    with NodeStore.open(store, read_only=True) as opened:
        frame = opened.analysis_frame(EntryQuery("individuals", limit=0), variables)
    columns = {
        v.name: np.asarray(frame.column(v.name).to_numpy(zero_copy_only=False), dtype=np.float64)
        for v in variables
    }
    inds = np.asarray(frame.column("ind").to_numpy(zero_copy_only=False), dtype=np.int64)
    return design_matrix(spec, columns, inds)


def blobs(spec: TrainingSpec, n: int, seed: int) -> tuple[Design, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = np.array([[0.2, 0.2], [0.8, 0.3], [0.5, 0.85]])
    truth = rng.integers(0, 3, n)
    points = np.clip(centres[truth] + rng.normal(0.0, 0.05, (n, 2)), 0.0, 1.0)
    design = design_matrix(spec, {"f1": points[:, 0], "f2": points[:, 1]}, np.arange(n, dtype=np.int64))
    return design, truth


def xor_points(spec: TrainingSpec, n: int, seed: int) -> Design:
    rng = np.random.default_rng(seed)
    corner = rng.integers(0, 2, (n, 2)).astype(np.float64)
    points = np.clip(corner * 0.6 + 0.2 + rng.normal(0.0, 0.08, (n, 2)), 0.0, 1.0)
    odd = (corner[:, 0] != corner[:, 1]).astype(np.float64)
    columns = {"f1": points[:, 0], "f2": points[:, 1], "odd": odd}
    return design_matrix(spec, columns, np.arange(n, dtype=np.int64))


def rows(design: Design, index: np.ndarray) -> Design:
    """A node's part of a one-row-per-person design."""
    return Design(
        x=design.x[index],
        y=None if design.y is None else design.y[index],
        person=np.arange(len(index), dtype=np.int64),
        validation=design.validation[index],
        names=design.names,
        people=len(index),
    )


# -- baselines -----------------------------------------------------------------------------


def logistic_mle(x: FloatArray, y: FloatArray) -> FloatArray:
    """The pooled non-private fit: maximum likelihood by L-BFGS."""
    x1 = np.hstack([np.ones((len(x), 1)), x])

    def loss(w: FloatArray) -> tuple[float, FloatArray]:
        z = x1 @ w
        value = float(np.sum(np.logaddexp(0.0, z) - y * z))
        return value, x1.T @ (1.0 / (1.0 + np.exp(-z)) - y)

    found = optimize.minimize(
        loss, np.zeros(x1.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 1000}
    )
    return np.asarray(found.x, dtype=np.float64).reshape(-1, 1)


def lloyd(x: FloatArray, start: FloatArray, *, iterations: int = 100) -> FloatArray:
    centroids = start
    for _ in range(iterations):
        labels = assign(centroids, x)
        sums = np.zeros_like(centroids)
        np.add.at(sums, labels, x)
        centroids = kmeans_update(
            centroids, sums, np.bincount(labels, minlength=len(centroids)).astype(np.float64)
        )
    return centroids


# -- the simulation ------------------------------------------------------------------------


def simulate(
    spec: TrainingSpec, parts: list[Design], privacy: NodePrivacy, *, work: Path, name: str
) -> tuple[FloatArray, dict[str, Any], float]:
    """One training on Flower's simulation runtime (ray); (global model, network metrics, wall s)."""
    result = work / f"{name}-result.jsonl"
    fixed = {
        "spec": json.dumps(spec_to_wire(spec)),
        "run-digest": f"bench-{spec.seed}",
        "progress-path": str(work / f"{name}-progress.jsonl"),
        "result-path": str(result),
        "min-nodes": len(parts),
        "connect-timeout": 300.0,
        "round-timeout": 300.0,  # the first round waits for ray to start its actors
    }

    def load(context: Context, _spec: TrainingSpec) -> NodeData:
        node = int(context.node_config["partition-id"])
        return NodeData(f"node-{node}", parts[node], SECRET + bytes([node]), privacy)

    started = time.perf_counter()
    run_simulation(
        server_app=make_server_app(fixed=fixed),
        client_app=make_client_app(load, fixed=fixed),
        num_supernodes=len(parts),
        backend_config={
            "client_resources": {"num_cpus": 1, "num_gpus": 0.0},
            "init_args": {"logging_level": "ERROR"},
        },
    )
    wall = time.perf_counter() - started
    [line] = read_lines(result)
    return np.asarray(line["model"]["array"], dtype=np.float64), line["metrics"], wall


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", type=Path, default=DEFAULT_STORE)
    parser.add_argument("--nodes", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--alpha", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--points", type=int, default=3000, help="k-means and XOR points")
    parser.add_argument("--only", choices=("all", "mlp"), default="all")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-learning-"))
    if args.only == "mlp":
        mlp_part(args, work)
        shutil.rmtree(work, ignore_errors=True)
        return

    spec = linear_spec(args.rounds, args.seed)
    pooled = pooled_design(readable_store(args.store, work), spec)
    if pooled.y is None:
        raise SystemExit("the logistic spec has no label")
    split = dirichlet_split(pooled.y.astype(np.int64), args.nodes, alpha=args.alpha, seed=args.seed)
    parts = [rows(pooled, index) for index in split]
    train, held = pooled.part(False), pooled.part(True)
    if train.y is None or held.y is None:
        raise SystemExit("the logistic spec lost its label")
    sizes = [p.people for p in parts]
    print(f"logistic: {pooled.people:,} complete cases, {held.people:,} held out; node sizes {sizes}")
    print(f"  positives per node {[int(p.y.sum()) for p in parts if p.y is not None]}")

    mle = logistic_mle(train.x, train.y)
    pooled_auc = auroc_exact(predict_proba(LinearModel(mle), held.x), held.y)
    print(f"  pooled non-private fit: AUROC {pooled_auc:.4f}")
    figures: dict[str, float] = {}
    for label, privacy in (
        ("no DP", NodePrivacy(epsilon=None, clip=math.inf)),
        ("eps=1", NodePrivacy(epsilon=1.0, delta=1e-5, clip=1.0)),
    ):
        model, metrics, wall = simulate(
            spec, parts, privacy, work=work, name=label.replace(" ", "").replace("=", "")
        )
        exact = auroc_exact(predict_proba(LinearModel(model), held.x), held.y)
        figures[label] = pooled_auc - exact
        print(
            f"  federated {label}: AUROC {exact:.4f} (Δ vs pooled {pooled_auc - exact:+.4f}; "
            f"the network's, from released histograms: {metrics['auroc']:.4f}); "
            f"{wall:.1f} s wall for {args.rounds} rounds × {args.nodes} nodes"
        )
        if label == "eps=1":
            again, _, wall2 = simulate(spec, parts, privacy, work=work, name="eps1-again")
            drift = float(np.max(np.abs(model - again)))
            same = np.array_equal(model, again)
            print(f"  same seed, same model: {same} (max |Δw| {drift:.2e}; {wall2:.1f} s)")

    cspec = cluster_spec(args.rounds, args.seed)
    points, truth = blobs(cspec, args.points, args.seed)
    csplit = dirichlet_split(truth, args.nodes, alpha=args.alpha, seed=args.seed)
    cparts = [rows(points, index) for index in csplit]
    reference = assign(lloyd(points.x, init_centroids(3, 2, args.seed)), points.x)
    print(f"k-means: {args.points:,} points in 3 separable clusters; node sizes {[p.people for p in cparts]}")
    for label, privacy in (
        ("no DP", NodePrivacy(epsilon=None, clip=math.inf)),
        ("eps=1", NodePrivacy(epsilon=1.0, clip=1.0)),
    ):
        centroids, metrics, wall = simulate(cspec, cparts, privacy, work=work, name=f"kmeans-{label[:2]}")
        ari = adjusted_rand_index(assign(centroids, points.x), reference)
        sizes = metrics["cluster_sizes"]
        print(f"  federated {label}: ARI vs pooled {ari:.4f}; released sizes {sizes}; {wall:.1f} s")
    if args.only == "all":
        mlp_part(args, work)
    print(f"targets: |ΔAUROC| no DP <= 0.01, eps=1 <= 0.05, ARI >= 0.9, wall < {TARGET_SECONDS:.0f} s")
    shutil.rmtree(work, ignore_errors=True)


def mlp_part(args: argparse.Namespace, work: Path) -> None:
    """The MLP on the logistic task (baseline: the pooled logistic fit) and on XOR (baseline: the
    pooled logistic fit, which cannot separate it)."""
    spec = mlp_spec(args.rounds, args.seed)
    pooled = pooled_design(readable_store(args.store, work), spec)
    train, held = pooled.part(False), pooled.part(True)
    if pooled.y is None or train.y is None or held.y is None:
        raise SystemExit("the MLP spec has no label")
    parts = [
        rows(pooled, i)
        for i in dirichlet_split(pooled.y.astype(np.int64), args.nodes, alpha=args.alpha, seed=args.seed)
    ]
    mle = logistic_mle(train.x, train.y)
    baseline = auroc_exact(predict_proba(LinearModel(mle), held.x), held.y)
    shape = mlp_shape(train.x.shape[1], spec.hidden_units, 2)
    print(f"MLP, 16 tanh units, on the logistic task: pooled logistic fit AUROC {baseline:.4f}")
    for label, privacy in (
        ("no DP", NodePrivacy(epsilon=None, clip=math.inf)),
        ("eps=1", NodePrivacy(epsilon=1.0, delta=1e-5, clip=1.0)),
    ):
        model, metrics, wall = simulate(spec, parts, privacy, work=work, name=f"mlp-{label[:2]}")
        exact = auroc_exact(mlp_predict_proba(shape, model.ravel(), held.x), held.y)
        print(
            f"  federated MLP {label}: AUROC {exact:.4f} (Δ vs pooled logistic {baseline - exact:+.4f}; "
            f"the network's: {metrics['auroc']:.4f}); {wall:.1f} s"
        )
    xspec = xor_spec(args.rounds, args.seed)
    points = xor_points(xspec, args.points, args.seed)
    xtrain, xheld = points.part(False), points.part(True)
    if points.y is None or xtrain.y is None or xheld.y is None:
        raise SystemExit("the XOR spec has no label")
    xparts = [
        rows(points, i)
        for i in dirichlet_split(points.y.astype(np.int64), args.nodes, alpha=args.alpha, seed=args.seed)
    ]
    linear = auroc_exact(predict_proba(LinearModel(logistic_mle(xtrain.x, xtrain.y)), xheld.x), xheld.y)
    xshape = mlp_shape(2, xspec.hidden_units, 2)
    sizes = [p.people for p in xparts]
    print(f"XOR: {args.points:,} points; pooled logistic fit AUROC {linear:.4f}; node sizes {sizes}")
    for label, privacy in (
        ("no DP", NodePrivacy(epsilon=None, clip=math.inf)),
        ("eps=1", NodePrivacy(epsilon=1.0, delta=1e-5, clip=1.0)),
    ):
        model, metrics, wall = simulate(xspec, xparts, privacy, work=work, name=f"xor-{label[:2]}")
        exact = auroc_exact(mlp_predict_proba(xshape, model.ravel(), xheld.x), xheld.y)
        network = metrics.get("auroc")
        shown = f"{network:.4f}" if network is not None else f"withheld: {metrics.get('withheld')}"
        print(f"  federated MLP {label}: AUROC {exact:.4f} (the network's: {shown}); {wall:.1f} s")


if __name__ == "__main__":
    main()
