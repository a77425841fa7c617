"""A federated logistic GLM, end to end over signed HTTP, against statsmodels on the pooled rows.

    .venv/bin/python -m bench.analytics [--size 100000] [--nodes 3] [--repeat 3] [--dir var/bench/analytics]

``--nodes`` node processes on 127.0.0.1 (ephemeral ports, signatures on, passports from the hub's
demo broker), each over its own synthetic store of ``--size`` people (its own seed and region; the
stores are built once through the real generator and ingest and kept under ``--dir``), and a hub
over them. A registered researcher asks the hub (``POST /api/analyses``) for

    response to sirolimus ~ male + age + TAT carrier + LDL + HbA1c + creatinine + haemoglobin
                            + three common phenotypes                    (10 covariates, binomial)

first COLD (the nodes read the analysis frame from their stores) and then ``--repeat`` times WARM
(the frame is cached; each fit still evaluates every step at every node). The baseline, in the same
run: statsmodels' GLM on the pooled rows, read here straight from the three stores (the network
never sends them). Prints wall seconds, iterations, steps, the ratio federated / statsmodels, and
the largest differences in β and SE (the issue's target: at most 10 s end to end).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import httpx
import numpy as np
import pandas as pd
import statsmodels.api as sm
import tomli_w

from bench._common import CACHE
from pmbridge.analytics import parse_analysis
from pmbridge.demo import Launch, Supervisor
from pmbridge.hub import BROKER_PUBLIC_KEY, load_broker_key
from pmbridge.ingest import ingest
from pmbridge.model import Dataset
from pmbridge.policy import DEMO_AUDIENCE, DEMO_ISSUER
from pmbridge.signing import generate_key_pair, save_key_pair
from pmbridge.store import EntryQuery, NodeStore
from pmbridge.synth import LABS, OUTCOME_MODEL, CohortSpec, write_cohort
from pmbridge.vocab import Hpo, load_disease_annotations, load_hpo_index, locate_data_dir

REGIONS = ("eu-south", "eu-north", "cn")
DATASET = "bench"
TARGET_SECONDS = 10.0
TIMEOUT = 600.0
LAB_NAMES = ("ldl", "hba1c", "creatinine", "haemoglobin")


# -- the stores ----------------------------------------------------------------------------


def node_store(folder: Path, index: int, *, size: int, workers: int) -> Path:
    """Node ``index``'s store of ``size`` people under ``folder``, generated and ingested on first use."""
    region = REGIONS[index % len(REGIONS)]
    store_path = folder / f"node-{index}-{region}-{size}.duckdb"
    if store_path.exists():
        return store_path
    folder.mkdir(parents=True, exist_ok=True)
    located = locate_data_dir()
    hpo = Hpo.load(located)
    cohort = folder / f"cohort-{index}-{region}-{size}.jsonl"
    started = time.perf_counter()
    if not cohort.exists():
        spec = CohortSpec(cohort_id=f"bench-{index}", region=region, size=size, seed=100 + index)
        write_cohort(
            spec,
            cohort,
            annotations=load_disease_annotations(located),
            hpo_release=hpo.release,
            workers=workers,
        )
    building = store_path.with_suffix(".building")
    building.unlink(missing_ok=True)
    with NodeStore.open(building) as store:
        report = ingest(
            [cohort],
            store=store,
            dataset=Dataset(DATASET, "Benchmark cohort"),
            hpo=load_hpo_index(located),
            quarantine_path=folder / "quarantine.jsonl",
            workers=workers,
        )
    building.rename(store_path)
    cohort.unlink()
    print(f"node {index}: {report.loaded:,} {region} people in {time.perf_counter() - started:.0f} s")
    return store_path


def common_phenotypes(store: Path, *, count: int = 3) -> list[str]:
    """The ``count`` observed HPO terms held by the most people, below 40 % (never near-constant)."""
    with duckdb.connect(str(store), read_only=True) as con:
        total = con.execute("SELECT count(*) FROM individuals").fetchall()[0][0]
        rows = con.execute(
            "SELECT term FROM phenotypes WHERE NOT excluded GROUP BY term "
            "HAVING count(DISTINCT ind) < 0.4 * ? ORDER BY count(DISTINCT ind) DESC, term LIMIT ?",
            [total, count],
        ).fetchall()
    return [str(r[0]) for r in rows]


def analysis_body(phenotypes: Sequence[str]) -> dict[str, object]:
    """The logistic GLM: response to sirolimus (arm B) on 10 covariates."""
    labs = {name: {"measurement": lab.loinc} for name, lab in zip(LAB_NAMES, LABS, strict=True)}
    terms = {f"hp{i}": {"phenotype": term} for i, term in enumerate(phenotypes)}
    covariates = ["male", "age", "tat", *labs, *terms]
    return {
        "analysis": "glm",
        "family": "binomial",
        "formula": "responded ~ " + " + ".join(covariates),
        "variables": {
            "responded": {"response": OUTCOME_MODEL.arm_b.id},
            "tat": {"gene": OUTCOME_MODEL.gene},
            **labs,
            **terms,
        },
    }


def covariates(body: Mapping[str, object]) -> list[str]:
    """The formula's covariates, in its order (the intercept is added apart)."""
    return [name.strip() for name in str(body["formula"]).split("~")[1].split("+")]


def pooled_rows(stores: Sequence[Path], body: Mapping[str, object]) -> pd.DataFrame:
    """Every node's complete cases of the analysis's variables, read from the stores themselves."""
    spec = parse_analysis(dict(body))
    frames = []
    for store_path in stores:
        with NodeStore.open(store_path, read_only=True) as store:
            frames.append(
                store.analysis_frame(EntryQuery("individuals", limit=0), spec.variables).to_pandas()
            )
    return pd.concat(frames, ignore_index=True).dropna(subset=[v.name for v in spec.variables])


# -- the network ---------------------------------------------------------------------------


def write_network(folder: Path, stores: Sequence[Path]) -> tuple[list[Launch], dict[str, str]]:
    """Node configs (EU nodes trusting the hub's demo broker) and their launches; the hub key's
    public text and the broker key exist once this returns."""
    hub_key = generate_key_pair()
    save_key_pair(hub_key, directory=folder / "keys", name="hub", overwrite=True)
    load_broker_key(folder / "hub-state")
    launches, node_keys = [], {}
    for i, store in enumerate(stores):
        node = f"node-{i}"
        key = generate_key_pair()
        save_key_pair(key, directory=folder / "keys", name=node, overwrite=True)
        node_keys[node] = key.verifying_key.text
        doc = {
            "node": {
                "id": node,
                "name": f"Bench {i}",
                "jurisdiction": "EU",
                "country": "IT",
                "store": str(store),
                "private_key": f"keys/{node}.key",
                "hub_public_key": hub_key.verifying_key.text,
                "audit_log": f"{node}-audit.jsonl",
            },
            "datasets": [
                {"id": DATASET, "name": "Bench", "release": {"public": "count", "registered": "count"}}
            ],
            "policy": {"allowed_purposes": ["research", "public_health", "statistics", "education"]},
            # Warm repeats re-ask the same analysis: more evaluations than one researcher's hour allows.
            "privacy": {"max_analysis_steps": 100_000},
            "passports": {
                "audience": DEMO_AUDIENCE,
                "issuers": [
                    {"iss": DEMO_ISSUER, "public_key": str(folder / "hub-state" / BROKER_PUBLIC_KEY)}
                ],
            },
        }
        config = folder / f"{node}.toml"
        config.write_text(tomli_w.dumps(doc), encoding="utf-8")
        launches.append(Launch(node, ["node", "serve", "--config", str(config)]))
    return launches, node_keys


def write_hub(folder: Path, urls: Mapping[str, str], node_keys: Mapping[str, str]) -> Path:
    doc = {
        "hub": {
            "id": "bench-hub",
            "private_key": "keys/hub.key",
            "deadline_seconds": 120.0,
            "demo_broker": True,
            "state_dir": "hub-state",
        },
        "nodes": [
            {"id": node, "url": urls[node], "jurisdiction": "EU", "country": "IT", "public_key": key}
            for node, key in node_keys.items()
        ],
    }
    config = folder / "hub.toml"
    config.write_text(tomli_w.dumps(doc), encoding="utf-8")
    return config


def analyse(
    client: httpx.Client, url: str, passport: str, body: Mapping[str, object]
) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    reply = client.post(f"{url}/api/analyses", json=body, headers={"Authorization": f"Bearer {passport}"})
    elapsed = time.perf_counter() - started
    if reply.status_code != 200:
        raise SystemExit(f"the hub answered {reply.status_code}: {reply.text[:600]}")
    return elapsed, reply.json()


# -- the run -------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=100_000, help="individuals per node")
    parser.add_argument("--nodes", type=int, default=3, help="nodes behind the hub (at least 3)")
    parser.add_argument("--repeat", type=int, default=3, help="warm fits after the cold one")
    parser.add_argument("--dir", type=Path, default=CACHE / "analytics", help="where the stores are kept")
    parser.add_argument("--workers", type=int, default=2, help="processes generating and ingesting")
    args = parser.parse_args()
    stores = [node_store(args.dir, i, size=args.size, workers=args.workers) for i in range(args.nodes)]
    body = analysis_body(common_phenotypes(stores[0]))
    started = time.perf_counter()
    rows = pooled_rows(stores, body)
    read_s = time.perf_counter() - started
    names = covariates(body)
    started = time.perf_counter()
    oracle = sm.GLM(rows["responded"], sm.add_constant(rows[names]), family=sm.families.Binomial()).fit(
        tol=1e-12
    )
    pooled_s = time.perf_counter() - started
    run_dir = args.dir / "run"
    with Supervisor(run_dir) as supervisor, httpx.Client(timeout=TIMEOUT) as client:
        launches, node_keys = write_network(run_dir, stores)
        urls = {name: service.url for name, service in supervisor.start_all(launches).items()}
        hub = supervisor.start(
            "hub", ["hub", "serve", "--config", str(write_hub(run_dir, urls, node_keys))]
        ).url
        token = client.post(f"{hub}/api/auth/token", json={"user": "eu-researcher"})
        token.raise_for_status()
        passport = token.json()["passport"]
        cold_s, result = analyse(client, hub, passport, body)
        warm = [analyse(client, hub, passport, body)[0] for _ in range(args.repeat)]
    coefficients = result["coefficients"]
    beta = np.array([r["estimate"] for r in coefficients])
    se = np.array([r["se"] for r in coefficients])
    warm_s = statistics.median(warm)
    print(
        f"logistic GLM, {len(names)} covariates, over {args.nodes} nodes x {args.size:,} people "
        f"({len(rows):,} complete cases), signed HTTP on loopback through the hub:"
    )
    print(f"  formula: {body['formula']}")
    print(f"  variables: {body['variables']}")
    print(f"  federated cold (frames read)   {cold_s:7.2f} s")
    each = ", ".join(f"{w:.2f}" for w in warm)
    print(f"  federated warm (median of {len(warm)})  {warm_s:7.2f} s   (each: {each})")
    print(f"  iterations {result['iterations']}, steps (fan-outs) {result['steps']}")
    print(f"  pooled statsmodels GLM fit     {pooled_s:7.2f} s   (reading the pooled rows: {read_s:.2f} s)")
    print(f"  ratio federated / statsmodels: cold {cold_s / pooled_s:.1f}x, warm {warm_s / pooled_s:.1f}x")
    verdict = "met" if cold_s <= TARGET_SECONDS else "MISSED"
    print(f"  target <= {TARGET_SECONDS:.0f} s end to end, cold: {verdict}")
    print(f"  max |dbeta| {np.max(np.abs(beta - oracle.params.to_numpy())):.2e}")
    print(f"  max |dSE|   {np.max(np.abs(se - oracle.bse.to_numpy())):.2e}")


if __name__ == "__main__":
    main()
