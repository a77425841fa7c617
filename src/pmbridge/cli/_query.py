"""``pmbridge query``: ask the hub (or one node) how many individuals match, per node and dataset."""

from __future__ import annotations

import json
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.table import Table

from pmbridge.cli._app import app
from pmbridge.errors import UpstreamError

console = Console()


def build_query(
    terms: list[str], *, gene: str | None, sex: str | None, min_age: float | None, max_age: float | None
) -> dict[str, object]:
    """A Beacon v2 count request body for the given criteria.

    >>> body = build_query(["HP:0001250"], gene="SCN1A", sex=None, min_age=None, max_age=18)
    >>> [f["id"] for f in body["query"]["filters"]]
    ['HP:0001250', 'geneId', 'age']
    """
    filters: list[dict[str, str]] = [{"id": t} for t in terms]
    if gene:
        filters.append({"id": "geneId", "operator": "=", "value": gene})
    if sex:
        filters.append({"id": "sex", "operator": "=", "value": sex})
    if min_age is not None:
        filters.append({"id": "age", "operator": ">=", "value": f"{min_age:g}"})
    if max_age is not None:
        filters.append({"id": "age", "operator": "<=", "value": f"{max_age:g}"})
    return {"meta": {"apiVersion": "v2.0.1"}, "query": {"filters": filters, "requestedGranularity": "count"}}


@app.command("query")
def query_command(
    terms: Annotated[list[str] | None, typer.Argument(help="HPO, OMIM, ORPHA or MONDO ids (AND).")] = None,
    url: Annotated[str, typer.Option("--url", help="Hub (or node) base URL.")] = "http://127.0.0.1:8100",
    gene: Annotated[str | None, typer.Option(help="HGNC gene symbol, e.g. FBN1.")] = None,
    sex: Annotated[str | None, typer.Option(help="female, male, other or unknown.")] = None,
    min_age: Annotated[float | None, typer.Option(help="Minimum age in years.")] = None,
    max_age: Annotated[float | None, typer.Option(help="Maximum age in years.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the raw Beacon response.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the answer.")] = 30.0,
) -> None:
    """Count matching individuals across the network: per node, per dataset, and in total."""
    body = build_query(terms or [], gene=gene, sex=sex, min_age=min_age, max_age=max_age)
    try:
        reply = httpx.post(f"{url.rstrip('/')}/api/individuals", json=body, timeout=timeout)
    except httpx.HTTPError as exc:
        raise UpstreamError(
            f"cannot reach {url}: {exc}", hint="is the hub running? try `pmbridge demo`"
        ) from None
    doc = reply.json()
    if as_json:
        console.print_json(json.dumps(doc))
        return
    if reply.status_code >= 400:
        error = doc.get("error", {})
        raise UpstreamError(f"{url} answered {reply.status_code}: {error.get('errorMessage', reply.text)}")
    _print(doc)


def _print(doc: dict[str, Any]) -> None:
    table = Table(title="Matching individuals")
    for column in ("node", "dataset", "count"):
        table.add_column(column)
    response = doc.get("response", {})
    sets = response.get("resultSets", []) if isinstance(response, dict) else []
    for item in sets:
        info = item.get("info", {}) or {}
        table.add_row(str(info.get("node", "")), str(item.get("id")), str(item.get("resultsCount")))
    console.print(table)
    meta = doc.get("meta", {})
    summary = doc.get("responseSummary", {})
    granularity = meta.get("returnedGranularity") if isinstance(meta, dict) else None
    total = summary.get("numTotalResults") if isinstance(summary, dict) else None
    console.print(f"total: {total if total is not None else summary}  (granularity: {granularity})")
    info = doc.get("info", {})
    missing = info.get("missingNodes", []) if isinstance(info, dict) else []
    if missing:
        nodes = {n["node"]: n for n in info.get("nodes", [])}
        for node in missing:
            outcome = nodes.get(node, {})
            console.print(
                f"[yellow]node {node} did not answer: {outcome.get('status')} {outcome.get('detail', '')}[/]"
            )
