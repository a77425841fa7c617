"""``pmbridge rank``: the diseases that best explain a patient's phenotypes (and gene), best first."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pmbridge.cli._app import app


class _Method(StrEnum):  # mirrors pmbridge.similarity.RankingMethod without importing it at start-up
    LIKELIHOOD = "likelihood"
    RESNIK_BMA = "resnik-bma"
    HYPERGEOMETRIC = "hypergeometric"


@app.command("rank")
def rank_command(
    terms: Annotated[
        list[str], typer.Argument(help="Observed phenotypes: HPO ids, English or Chinese labels.")
    ],
    exclude: Annotated[
        list[str] | None,
        typer.Option("--exclude", help="A phenotype the patient does not have (repeatable)."),
    ] = None,
    gene: Annotated[
        list[str] | None,
        typer.Option("--gene", help="HGNC symbol of a gene with a candidate variant (repeatable)."),
    ] = None,
    top: Annotated[int, typer.Option(min=1, help="How many diseases to list.")] = 10,
    method: Annotated[_Method, typer.Option(help="Scoring: our model or a baseline.")] = _Method.LIKELIHOOD,
    diseases: Annotated[
        list[str] | None,
        typer.Option("--diseases", help="Disease vocabularies to rank: OMIM (default), ORPHA, DECIPHER."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="Reference-data directory (default: the documented lookup order)."),
    ] = None,
) -> None:
    """Rank annotated diseases for observed (and excluded) phenotypes, with the HPO release used."""
    from rich.console import Console
    from rich.table import Table

    from pmbridge.similarity import PhenotypeQuery, RankingMethod, load_disease_ranker, resolve_terms
    from pmbridge.vocab import Hpo, locate_data_dir

    located = locate_data_dir(data_dir)
    hpo = Hpo.load(located)
    query = PhenotypeQuery(
        observed=resolve_terms(terms, hpo=hpo),
        excluded=resolve_terms(exclude or [], hpo=hpo),
        genes=tuple(dict.fromkeys(g.strip().upper() for g in gene or [] if g.strip())),
    )
    prefixes = tuple(dict.fromkeys(p.strip().upper().rstrip(":") for p in diseases or ["OMIM"]))
    prefixes = tuple("ORPHA" if p == "ORPHANET" else p for p in prefixes)
    ranker = load_disease_ranker(located, prefixes=prefixes)
    ranked = ranker.rank(query, method=RankingMethod(method.value), top=top)
    if as_json:
        doc = {
            "hpoRelease": ranker.release,
            "method": method.value,
            "diseaseCount": len(ranker),
            "query": {"observed": query.observed, "excluded": query.excluded, "genes": query.genes},
            "diseases": [
                {"rank": d.rank, "id": d.id, "name": d.name, "score": round(d.score, 4), "genes": d.genes}
                for d in ranked
            ],
        }
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    console = Console()
    for label, ids in (("observed", query.observed), ("excluded", query.excluded)):
        if ids:
            console.print(f"{label}: " + "; ".join(f"{t} {hpo.term(t).name}" for t in ids), highlight=False)
    table = Table(
        title=f"{len(ranker):,} {'/'.join(prefixes)} diseases ranked by {method.value}, HPO {ranker.release}",
        caption="rank counts ties pessimistically; score: log likelihood ratio"
        if method is _Method.LIKELIHOOD
        else "rank counts ties pessimistically",
    )
    for column in ("rank", "disease", "name", "score", "genes"):
        table.add_column(column, overflow="fold")
    for item in ranked:
        table.add_row(str(item.rank), item.id, item.name, f"{item.score:.2f}", ", ".join(item.genes))
    console.print(table)
