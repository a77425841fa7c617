"""``pmbridge generate``: write a synthetic cohort of Phenopackets as JSON lines."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from pmbridge.cli._app import app
from pmbridge.synth import REGIONS, CohortSpec, term_labels, write_cohort
from pmbridge.vocab import Hpo, load_disease_annotations, locate_data_dir
from pmbridge.workers import DEFAULT_STALL_SECONDS

console = Console(stderr=True)


@contextmanager
def _interrupted_cleanly(out: Path) -> Iterator[None]:
    """Ctrl-C: one line (the workers ignore it and are stopped), exit status 130 as shells expect."""
    try:
        yield
    except KeyboardInterrupt:
        console.print(f"interrupted: nothing was written to {out}", highlight=False)
        raise typer.Exit(130) from None


class _RateColumn(ProgressColumn):
    """Individuals per second, as Rich only ships a bytes-per-second column."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f}/s", style="progress.data.speed")


@app.command("generate")
def generate_command(
    cohort: Annotated[str, typer.Option(help="Cohort (node) id; subject ids are COHORT-0000001.")],
    region: Annotated[str, typer.Option(help=f"Region profile: {', '.join(sorted(REGIONS))}.")],
    size: Annotated[int, typer.Option(help="Number of individuals.")],
    out: Annotated[Path, typer.Option(help="Output file: one Phenopacket per line (JSON lines).")],
    seed: Annotated[int, typer.Option(help="Seed: same seed, data and version give the same file.")],
    workers: Annotated[int, typer.Option(help="Processes (output is identical for any number).")] = max(
        1, min(4, os.cpu_count() or 1)
    ),
    data_dir: Annotated[Path | None, typer.Option(help="Reference-data directory (HPO release).")] = None,
    stall_seconds: Annotated[
        float, typer.Option(help="Fail when no worker process finishes a chunk for this long.")
    ] = DEFAULT_STALL_SECONDS,
    also: Annotated[
        list[str] | None,
        typer.Option(
            help="Also write the cohort as: fhir (OUT.fhir.ndjson), omop (OUT.omop/), vcf (OUT.vcf.gz + "
            "OUT.samples.tsv); repeat for several."
        ),
    ] = None,
) -> None:
    """Generate a deterministic, realistic synthetic rare-disease cohort as Phenopacket v2.

    Diseases, phenotypes and genes follow the HPO annotations; people and samples the region.

    Variant positions are synthetic: see docs/synthetic-cohorts.md.
    """
    if region not in REGIONS:
        raise typer.BadParameter(
            f"unknown region {region!r}; choose one of: {', '.join(sorted(REGIONS))}",
            param_hint="--region",
        )
    if size < 0:
        raise typer.BadParameter("size must be 0 or more", param_hint="--size")
    if workers < 1:
        raise typer.BadParameter("workers must be at least 1", param_hint="--workers")
    if stall_seconds <= 0:
        raise typer.BadParameter("stall-seconds must be positive", param_hint="--stall-seconds")
    formats = also or []
    if unknown := sorted(set(formats) - set(ALSO_FORMATS)):
        raise typer.BadParameter(
            f"unknown format {', '.join(unknown)}; choose from: {', '.join(ALSO_FORMATS)}",
            param_hint="--also",
        )
    spec = CohortSpec(cohort_id=cohort, region=region, size=size, seed=seed)
    located = locate_data_dir(data_dir)
    hpo = Hpo.load(located)
    annotations = load_disease_annotations(located)
    labels = term_labels(hpo, annotations)
    started = time.perf_counter()
    with (
        _interrupted_cleanly(out),
        Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            _RateColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        ) as bar,
    ):
        task = bar.add_task(f"{cohort} ({region})", total=size)
        written = write_cohort(
            spec,
            out,
            annotations=annotations,
            hpo_release=hpo.release,
            labels=labels,
            workers=workers,
            progress=lambda done: bar.advance(task, done),
            stall_seconds=stall_seconds,
        )
    seconds = time.perf_counter() - started
    rate = written / seconds if seconds > 0 else 0.0
    console.print(
        f"wrote {written:,} phenopackets to {out} in {seconds:.1f} s ({rate:,.0f}/s; "
        f"HPO {hpo.release}, seed {seed})",
        highlight=False,
    )
    for form in dict.fromkeys(formats):
        with _interrupted_cleanly(out):
            files = ", ".join(str(p) for p in write_also(form, out))
            console.print(f"wrote {form}: {files}", highlight=False, soft_wrap=True)


ALSO_FORMATS = ("fhir", "omop", "vcf")


def write_also(form: str, out: Path) -> tuple[Path, ...]:
    """Write the cohort in ``out`` (phenopacket JSON lines) as ``form`` beside it; the paths written."""
    from pmbridge.ingest import read_phenopacket_lines, write_fhir, write_omop, write_vcf

    base = out.with_suffix("")
    if form == "fhir":
        write_fhir(read_phenopacket_lines(out), base.with_name(f"{base.name}.fhir.ndjson"))
        return (base.with_name(f"{base.name}.fhir.ndjson"),)
    if form == "omop":
        write_omop(read_phenopacket_lines(out), base.with_name(f"{base.name}.omop"))
        return (base.with_name(f"{base.name}.omop"),)
    vcf, sheet = base.with_name(f"{base.name}.vcf.gz"), base.with_name(f"{base.name}.samples.tsv")
    write_vcf(read_phenopacket_lines(out), vcf, sheet)
    return vcf, sheet
