"""Create each demo node's data once: generate its synthetic cohort, then ingest it like any file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pmbridge.demo._keys import ensure_demo_keys
from pmbridge.demo._layout import DEMO_NODES, DemoNode, DemoPaths, write_node_config
from pmbridge.demo._release import ensure_broker_key
from pmbridge.errors import IngestError
from pmbridge.ingest import ingest
from pmbridge.node import load_node_config
from pmbridge.store import NodeStore
from pmbridge.synth import CohortSpec, term_labels, write_cohort
from pmbridge.vocab import Hpo, load_disease_annotations, load_hpo_index, locate_data_dir
from pmbridge.workers import DEFAULT_STALL_SECONDS

Say = Callable[[str], None]


def is_built(paths: DemoPaths, node: DemoNode, *, size: int) -> bool:
    marker = paths.marker(node)
    return marker.exists() and marker.read_text().strip() == str(size) and paths.store(node).exists()


def build_demo(
    paths: DemoPaths,
    *,
    size: int,
    workers: int,
    data_dir: Path | None = None,
    say: Say = print,
    stall_seconds: float = DEFAULT_STALL_SECONDS,
) -> None:
    """Generate and ingest every node that is not built yet at this size; built ones are reused.

    Key pairs (hub and nodes) are made on the first build and reused, and every node's config names
    its own key and the hub's public key, so the demo runs with signatures on. A node's READY marker
    is written last, so a build stopped by an error, a stalled worker or Ctrl-C is redone next time.
    """
    todo = [n for n in DEMO_NODES if not is_built(paths, n, size=size)]
    ensure_demo_keys(paths)
    ensure_broker_key(paths)  # nodes' [passports] name its public key
    for node in DEMO_NODES:
        write_node_config(paths, node)
    if not todo:
        return
    located = locate_data_dir(data_dir)
    hpo = load_hpo_index(located)
    annotations = load_disease_annotations(located)
    labels = term_labels(Hpo.load(located), annotations)
    for node in todo:
        say(f"{node.id}: generating {size:,} synthetic individuals ({node.region})…")
        paths.marker(node).unlink(missing_ok=True)
        cohort = paths.cohort(node)
        spec = CohortSpec(cohort_id=node.id, region=node.region, size=size, seed=node.seed)
        write_cohort(
            spec,
            cohort,
            annotations=annotations,
            hpo_release=hpo.release,
            labels=labels,
            workers=workers,
            stall_seconds=stall_seconds,
        )
        say(f"{node.id}: ingesting into {paths.store(node)}…")
        config = load_node_config(paths.node_config(node))
        paths.store(node).unlink(missing_ok=True)
        with NodeStore.open(config.store) as store:
            report = ingest(
                [cohort],
                store=store,
                dataset=config.datasets[0],
                hpo=hpo,
                quarantine_path=paths.node_dir(node) / "quarantine.jsonl",
                stall_seconds=stall_seconds,
            )
        if report.quarantined:
            raise IngestError(
                f"{node.id}: {report.quarantined} generated records failed validation "
                f"(see {report.quarantine_file})",
                hint="this is a bug in the generator; please report it with the quarantine file",
            )
        cohort.unlink()
        paths.marker(node).write_text(str(size))
        say(f"{node.id}: {report.loaded:,} individuals ready ({report.seconds:.1f} s)")
