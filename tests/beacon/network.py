"""A small real network for the conformance walk: one node process over synthetic cohorts, a hub before it.

Both datasets release records to the public, so that record replies are exercised at every endpoint
(release caps are tested in tests/node); the data goes through the real generator and ingest path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import tomli_w

from pmbridge.demo import Supervisor
from pmbridge.ingest import ingest
from pmbridge.node import load_node_config
from pmbridge.store import NodeStore
from pmbridge.synth import CohortSpec, term_labels, write_cohort
from pmbridge.vocab import Hpo, load_disease_annotations, load_hpo_index, locate_data_dir
from tests.release import OPEN_POLICY
from tests.trust import hub_key_file, node_key, trusted

NODE_ID = "eu-conformance"
COHORTS = (("conf-rome", "eu-south", 24, 11), ("conf-shanghai", "cn", 12, 12))  # dataset, region, size, seed
RECORD_RELEASE = {"public": "record", "registered": "record", "controlled": "record"}


@dataclass(frozen=True, slots=True)
class Network:
    node: str  # base URL of the node
    hub: str  # base URL of the hub


def build_node(root: Path) -> Path:
    """Generate the cohorts, ingest them into one store and write the node's TOML; returns its path."""
    root.mkdir(parents=True, exist_ok=True)
    config_path = root / "node.toml"
    doc = {
        "node": {"id": NODE_ID, "name": "Conformance node", "jurisdiction": "EU", "country": "IT"},
        "datasets": [
            {"id": ds, "name": f"Synthetic {region} cohort", "release": RECORD_RELEASE}
            for ds, region, _, _ in COHORTS
        ],
        # Records leave under a named route (anonymous callers count as abroad); disclosure control
        # keeps its defaults except the differencing guard, since the walk asks for the same cohort
        # at every endpoint (a conflict by design), and the budget, since it asks many questions.
        "policy": dict(OPEN_POLICY["EU"]),
        "privacy": {"differencing_guard": False, "yearly_epsilon_budget": 10_000.0},
    }
    config_path.write_text(tomli_w.dumps(trusted(doc, root)), encoding="utf-8")
    config = load_node_config(config_path)
    located = locate_data_dir()
    hpo = load_hpo_index(located)
    annotations = load_disease_annotations(located)
    labels = term_labels(Hpo.load(located), annotations)
    with NodeStore.open(config.store) as store:
        for dataset, (ds, region, size, seed) in zip(config.datasets, COHORTS, strict=True):
            cohort = root / f"{ds}.jsonl"
            spec = CohortSpec(cohort_id=ds, region=region, size=size, seed=seed)
            write_cohort(spec, cohort, annotations=annotations, hpo_release=hpo.release, labels=labels)
            report = ingest(
                [cohort], store=store, dataset=dataset, hpo=hpo, quarantine_path=root / "q.jsonl", workers=1
            )
            assert report.loaded == size and report.quarantined == 0, report
    return config_path


def start_network(supervisor: Supervisor, root: Path) -> Network:
    """Start the node from ``build_node(root)`` and a hub that knows it, on ephemeral ports."""
    node = supervisor.start("node", ["node", "serve", "--config", str(build_node(root / "node"))])
    hub_config = root / "hub.toml"
    doc = {
        "hub": {
            "id": "org.pmbridge.conformance-hub",
            "name": "Conformance network",
            "deadline_seconds": 20.0,
            "private_key": str(hub_key_file(root)),
        },
        "nodes": [
            {
                "id": NODE_ID,
                "url": node.url,
                "jurisdiction": "EU",
                "country": "IT",
                "name": "Node",
                "public_key": node_key(root / "node", NODE_ID).verifying_key.text,
            }
        ],
    }
    hub_config.write_text(tomli_w.dumps(doc), encoding="utf-8")
    hub = supervisor.start("hub", ["hub", "serve", "--config", str(hub_config)])
    return Network(node=node.url, hub=hub.url)
