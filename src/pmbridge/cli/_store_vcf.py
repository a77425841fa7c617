"""``pmbridge store append-vcf``: many VCFs into a node's lake as one append, staged in parallel by a
local process pool or a Spark job."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from pmbridge.cli._store import store_app
from pmbridge.errors import ConfigError

EXIT_QUARANTINED = 3
SHOWN_PROBLEMS = 20
console = Console(stderr=True)


@store_app.command("append-vcf")
def append_vcf_command(
    vcfs: Annotated[list[Path], typer.Argument(help="VCF / BCF files (plain or bgzipped), one task each.")],
    lake: Annotated[Path, typer.Option("--lake", help="The lake directory (published before).")],
    dataset: Annotated[str, typer.Option("--dataset", help="Dataset whose individuals the samples are.")],
    sample_sheet: Annotated[
        Path | None,
        typer.Option(help="VCF samples → individuals (CSV/TSV: sample_id, individual_id), for every VCF."),
    ] = None,
    fasta: Annotated[
        Path | None, typer.Option(help="Reference FASTA (indexed) to check REF and left-align indels.")
    ] = None,
    assembly: Annotated[
        str | None, typer.Option(help="VCF assembly, GRCh37 or GRCh38, when the header does not say.")
    ] = None,
    workers: Annotated[
        int, typer.Option(min=0, help="Local processes staging VCFs (default: CPU count, at most 4).")
    ] = 0,
    spark_master: Annotated[
        str | None,
        typer.Option(
            help="Stage as a Spark job instead: local[N], spark://HOST:PORT, yarn, k8s://… or sc://HOST."
        ),
    ] = None,
    quarantine: Annotated[Path | None, typer.Option(help="Where bad VCF lines go (JSON lines).")] = None,
    report_json: Annotated[Path | None, typer.Option(help="Also write the report as JSON here.")] = None,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Append the calls of many VCFs to individuals already in the lake, as one new snapshot.

    Each VCF is one task (a local process, or a Spark task with --spark-master) that writes its calls
    and allele counts as sorted Parquet files into the lake; then all are committed together, or
    none (the error names the VCF). A VCF the lake already holds is refused: re-ingest it into the
    DuckDB file and publish. On a cluster the lake must be on storage every executor sees. Exit
    status: 0 all loaded, 3 loaded with some lines quarantined, 1 nothing appended.
    """
    from pmbridge.ingest._vcf_lake import ingest_vcfs_to_lake
    from pmbridge.ingest._vcf_lake_runners import LocalRunner, SparkRunner, VcfRunner, vcf_spark_session
    from pmbridge.ingest._vcf_options import VcfOptions
    from pmbridge.store._spark import SparkSettings

    if workers and spark_master:
        raise ConfigError(
            "--workers and --spark-master both given", hint="stage locally (--workers) or on Spark, not both"
        )
    options = VcfOptions(sample_sheet=sample_sheet, fasta=fasta, assembly=assembly)
    runner: VcfRunner
    session = None
    if spark_master:
        session = vcf_spark_session(SparkSettings(master=spark_master, app_name="pmbridge-append-vcf"))
        runner = SparkRunner(session)
    else:
        runner = LocalRunner(workers or min(4, os.cpu_count() or 1))
    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=quiet,
        transient=True,
    )
    where = f"Spark {spark_master}" if spark_master else f"{getattr(runner, 'workers', 1)} process(es)"
    try:
        with progress:
            task = progress.add_task(f"staging VCFs ({where}) → {dataset}", total=len(vcfs))
            report, snapshot = ingest_vcfs_to_lake(
                vcfs,
                lake=lake,
                dataset_id=dataset,
                runner=runner,
                options=options,
                quarantine_path=quarantine,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
    finally:
        if session is not None:
            session.stop()
    for problems, style in ((report.errors, "red"), (report.warnings, "yellow")):
        for problem in problems[:SHOWN_PROBLEMS]:
            console.print(f"[{style}]{escape(str(problem))}[/]", highlight=False, soft_wrap=True)
        if len(problems) > SHOWN_PROBLEMS:
            console.print(f"… and {len(problems) - SHOWN_PROBLEMS} more (see --report-json)")
    rate = report.read / report.seconds if report.seconds else 0.0
    for vcf in report.vcfs:
        console.print(f"VCF {vcf}", highlight=False, soft_wrap=True)
    console.print(
        f"dataset {report.dataset_id}: {len(report.vcfs)} VCF(s), {report.read:,} records "
        f"({rate:,.0f} records/s), quarantined {report.quarantined}; lake snapshot {snapshot.version}",
        highlight=False,
    )
    if report.quarantine_file:
        console.print(f"quarantined lines: {report.quarantine_file}")
    if report_json is not None:
        report_json.write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
    if report.quarantined:
        raise typer.Exit(EXIT_QUARANTINED)
