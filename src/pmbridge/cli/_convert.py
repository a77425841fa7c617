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
    """Write phenopackets in another format, then read it back and list what the format did not carry.

    Every input is validated first; an invalid phenopacket stops the command and nothing is written.
    FHIR and OMOP output is read back through `pmbridge ingest`'s own readers and compared with the
    phenopackets, person by person and field by field (a VCF holds only the variants).
    """
    from pmbridge.ingest import (
        Format,
        format_reader,
        lost_fields,
        valid_phenopackets,
        write_fhir,
        write_omop,
        write_vcf,
    )

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
    if to == "vcf":
        return
    lost = lost_fields(docs, out, format_reader(Format(to)))
    total = f"{len(docs):,}"
    if not lost:
        console.print(f"read back: every stored field of all {total} people was carried", highlight=False)
        return
    for name, people in sorted(lost.items()):
        field = name.replace("_", " ")
        console.print(
            f"[yellow]warning:[/] {field}: not carried for {people:,} of {total} people", highlight=False
        )
    console.print(
        f"read back through the {to} reader: {to} has no place for these, or the phenopackets lack what {to} "
        "needs to hold them (see docs/ingest.md and docs/ingest-fhir.md)",
        highlight=False,
        soft_wrap=True,
    )
