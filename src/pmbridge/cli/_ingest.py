"""``pmbridge ingest``: load phenopackets into a node's store, with a report and a quarantine."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn

from pmbridge.cli._app import app
from pmbridge.errors import ConfigError
from pmbridge.model import Dataset

if TYPE_CHECKING:
    from pmbridge.ingest import IngestReport
    from pmbridge.node import NodeConfig

EXIT_QUARANTINED = 3
console = Console(stderr=True)


@app.command("ingest")
def ingest_command(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="Phenopacket JSON / JSON-lines files; FHIR Bundles, resources or NDJSON bulk exports; "
            "a FHIR server's base URL; an OMOP CDM folder (CSV or Parquet) or postgresql:// URL; "
            "VCF files; or folders of them."
        ),
    ],
    dataset: Annotated[
        str | None, typer.Option(help="Dataset id to load into (default: the config's only one).")
    ] = None,
    config: Annotated[
        Path | None, typer.Option(help="Node config (TOML): gives the store and datasets.")
    ] = None,
    store: Annotated[Path | None, typer.Option(help="Store file, when no --config is given.")] = None,
    quarantine: Annotated[Path | None, typer.Option(help="Where bad records go (JSON lines).")] = None,
    report_json: Annotated[Path | None, typer.Option(help="Also write the full report as JSON here.")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Reference-data directory (HPO release).")] = None,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
    workers: Annotated[
        int, typer.Option(help="Processes that check records (default: CPU count, at most 4).")
    ] = 0,
    input_format: Annotated[
        str | None,
        typer.Option(
            "--format", help="Read every input as this: phenopacket, fhir, omop or vcf (default: recognised)."
        ),
    ] = None,
    sample_sheet: Annotated[
        Path | None, typer.Option(help="VCF samples → individuals (CSV/TSV: sample_id, individual_id).")
    ] = None,
    fasta: Annotated[
        Path | None, typer.Option(help="Reference FASTA (indexed) to check REF and left-align VCF indels.")
    ] = None,
    assembly: Annotated[
        str | None, typer.Option(help="VCF assembly, GRCh37 or GRCh38, when the header does not say.")
    ] = None,
) -> None:
    """Ingest Phenopackets, FHIR R4, OMOP CDM 5.4 and VCF in one atomic run.

    Good records load; bad ones are listed (file, path or line, reason) and kept in a quarantine
    file. Clinical inputs load before VCFs, whose samples link to individuals through
    --sample-sheet. Exit status: 0 all loaded, 3 loaded with some records quarantined, 1 nothing
    written.
    """
    # Imported here so that `pmbridge --help` and other commands start fast.
    from pmbridge.ingest import DEFAULT_WORKERS, Format, VcfOptions, ingest, plan_sources
    from pmbridge.store import NodeStore
    from pmbridge.vocab import load_hpo_index, locate_data_dir

    store_path, target = _target(dataset=dataset, config=config, store=store)
    started = time.perf_counter()
    chosen = _format(input_format, [f.value for f in Format])
    form = None if chosen is None else Format(chosen)
    plan_sources(paths, format=form)  # fail on a missing input before any slow set-up
    vcf = VcfOptions(sample_sheet=sample_sheet, fasta=fasta, assembly=assembly)
    hpo = load_hpo_index(locate_data_dir(data_dir or (_node_config(config).data_dir if config else None)))
    quarantine_path = quarantine or store_path.with_name(
        f"{store_path.stem}.quarantine-{time.strftime('%Y%m%dT%H%M%S')}.jsonl"
    )
    with NodeStore.open(store_path) as node_store, _progress(quiet) as progress:
        task = progress.add_task(f"ingest → {target.id}", total=None)
        report = ingest(
            paths,
            store=node_store,
            dataset=target,
            hpo=hpo,
            workers=workers or DEFAULT_WORKERS,
            quarantine_path=quarantine_path,
            progress=lambda done, total: progress.update(task, completed=done, total=total or None),
            format=form,
            vcf=vcf,
        )
    report.seconds = time.perf_counter() - started
    _print(report)
    if report_json is not None:
        report_json.write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
    if report.quarantined:
        raise typer.Exit(EXIT_QUARANTINED)


def _format(given: str | None, known: list[str]) -> str | None:
    if given is None or given in known:
        return given
    raise typer.BadParameter(
        f"unknown format {given!r}; choose one of: {', '.join(known)}", param_hint="--format"
    )


def _target(*, dataset: str | None, config: Path | None, store: Path | None) -> tuple[Path, Dataset]:
    if config is not None:
        node = _node_config(config)
        known = {d.id: d for d in node.datasets}
        if dataset is None and len(known) == 1:
            return node.store, next(iter(known.values()))
        if dataset not in known:
            raise ConfigError(
                f"dataset {dataset!r} is not declared in {config}",
                hint=f"pass --dataset with one of: {', '.join(sorted(known))}",
            )
        return node.store, known[dataset]
    if store is None or dataset is None:
        raise ConfigError(
            "ingest needs --config, or --store together with --dataset",
            hint="e.g. pmbridge ingest --store node.duckdb --dataset demo FILES…",
        )
    return store, Dataset(id=dataset, name=dataset)


def _progress(quiet: bool) -> Progress:
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=quiet,
        transient=True,
    )


SHOWN_ERRORS = 200
SHOWN_WARNINGS = 20


def _print(report: IngestReport) -> None:
    for problems, shown, style, kind in (
        (report.errors, SHOWN_ERRORS, "red", "errors"),
        (report.warnings, SHOWN_WARNINGS, "yellow", "warnings"),
    ):
        for problem in problems[:shown]:
            console.print(f"[{style}]{escape(str(problem))}[/]", highlight=False, soft_wrap=True)
        if len(problems) > shown:
            console.print(f"… and {len(problems) - shown} more {kind} (see --report-json)")
    rate = report.read / report.seconds if report.seconds else 0.0
    console.print(
        f"dataset {report.dataset_id}: read {report.read}, loaded {report.loaded} "
        f"({report.replaced} replaced existing), quarantined {report.quarantined}, "
        f"{len(report.warnings)} warnings; {report.seconds:.1f} s ({rate:,.0f} records/s); "
        f"HPO release {report.hpo_release}"
    )
    for vcf in report.vcfs:
        console.print(f"VCF {vcf}", highlight=False, soft_wrap=True)
    if report.quarantine_file:
        console.print(f"quarantined records: {report.quarantine_file}")


def _node_config(path: Path) -> NodeConfig:
    from pmbridge.node import load_node_config

    return load_node_config(path)
