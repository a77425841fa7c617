"""``pmbridge convert``: phenopackets to FHIR R4 Bundles, OMOP CDM 5.4 tables or a VCF + sample sheet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pmbridge.cli._app import app

console = Console(stderr=True)
TARGETS = ("fhir", "omop", "vcf")


@app.command("convert")
def convert_command(
    paths: Annotated[list[Path], typer.Argument(help="Phenopacket JSON files, JSON-lines files or folders.")],
    to: Annotated[
        str, typer.Option(help="fhir (a folder of Bundles), omop (a folder of CSV tables) or vcf.")
    ],
    out: Annotated[Path, typer.Option(help="Output folder (fhir, omop) or .vcf.gz file (vcf).")],
    sample_sheet: Annotated[
        Path | None,
        typer.Option(help="With --to vcf: where the sample sheet goes (default OUT.samples.tsv)."),
    ] = None,
) -> None:
    """Write phenopackets in another format, so that `pmbridge ingest` of the result gives the same answers.

    Every input is validated first; an invalid phenopacket stops the command and nothing is written.
    """
    from pmbridge.ingest import valid_phenopackets, write_fhir, write_omop, write_vcf

    if to not in TARGETS:
        raise typer.BadParameter(
            f"unknown format {to!r}; choose one of: {', '.join(TARGETS)}", param_hint="--to"
        )
    docs = list(valid_phenopackets(paths))  # all checked before anything is written
    if to == "fhir":
        write_fhir(docs, out)
        written: tuple[Path, ...] = (out,)
    elif to == "omop":
        write_omop(docs, out)
        written = (out,)
    else:
        sheet = sample_sheet or out.with_name(
            f"{out.name.removesuffix('.gz').removesuffix('.vcf')}.samples.tsv"
        )
        write_vcf(docs, out, sheet)
        written = (out, sheet)
    listed = ", ".join(map(str, written))
    console.print(f"wrote {len(docs):,} phenopackets as {to}: {listed}", highlight=False, soft_wrap=True)
