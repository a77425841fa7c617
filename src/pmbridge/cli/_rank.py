"""``pmbridge rank``: the diseases that best explain a patient's phenotypes (and gene), best first."""

from __future__ import annotations

import json
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pmbridge.cli._app import app

if TYPE_CHECKING:
    from pmbridge.similarity import Evidence
    from pmbridge.vocab import Hpo

WHY_LINES = 3
"""Contributions shown per disease in the table, for and against each."""


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
    why: Annotated[
        bool,
        typer.Option(
            "--why/--no-why",
            help="Show the terms that count for and against each disease, with their weights.",
        ),
    ] = True,
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
                | ({"evidence": _evidence_json(hpo, d.evidence)} if why else {})
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
    reasons = [_why_lines(hpo, item.evidence) for item in ranked] if why else []
    columns = ["rank", "disease", "name", "score", "genes"] + (["why (log10 LR)"] if any(reasons) else [])
    for column in columns:
        table.add_column(column, overflow="fold")
    for i, item in enumerate(ranked):
        cells = [str(item.rank), item.id, item.name, f"{item.score:.2f}", ", ".join(item.genes)]
        table.add_row(*cells, *(["\n".join(reasons[i])] if len(columns) > len(cells) else []))
    console.print(table)


def _label(hpo: Hpo, item: Evidence) -> tuple[str, str]:
    """(English, Chinese) label of an evidence term: a gene is its own symbol."""
    if item.kind == "gene":
        return item.term, item.term
    english = hpo.term(item.term).name
    return english, hpo.labels_zh.label(item.term, english)[0]


def _evidence_json(hpo: Hpo, evidence: Iterable[Evidence]) -> list[dict[str, object]]:
    return [{**e.to_dict(), "labels": dict(zip(("en", "zh"), _label(hpo, e), strict=True))} for e in evidence]


def _why_lines(hpo: Hpo, evidence: Iterable[Evidence]) -> list[str]:
    """The strongest contributions for, then against, one line each."""
    items = list(evidence)  # sorted by |weight|, largest first
    chosen = [e for e in items if e.weight > 0][:WHY_LINES] + [e for e in items if e.weight < 0][:WHY_LINES]
    return [why_line(e.term, kind=e.kind, weight=e.weight, label=_label(hpo, e)[0]) for e in chosen]


def why_line(term: str, *, kind: str, weight: float, label: str) -> str:
    """One contribution as the table shows it.

    >>> why_line("HP:0001250", kind="observed", weight=1.2, label="Seizure")
    '+1.20 Seizure (HP:0001250)'
    >>> why_line("HP:0000252", kind="excluded", weight=-0.849, label="Microcephaly")
    '−0.85 excluded: Microcephaly (HP:0000252)'
    >>> why_line("SCN1A", kind="gene", weight=3.0, label="SCN1A")
    '+3.00 gene: SCN1A'
    """
    sign = "+" if weight >= 0 else "\N{MINUS SIGN}"
    what = {"gene": f"gene: {term}", "excluded": f"excluded: {label} ({term})"}.get(kind, f"{label} ({term})")
    return f"{sign}{abs(weight):.2f} {what}"
