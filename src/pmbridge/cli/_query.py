"""``pmbridge query``: ask the hub (or one node) how many individuals match, per node and dataset.

Phenotypes are resolved here (ids, English or Chinese labels) and an unknown one stops the
command: a filter the network cannot apply would otherwise count everyone. Counts are printed with
the portal's marks (``≈12``, ``~10``, ``<11``, ``hidden``, ``withheld``, ``refused``, ``≥8 (+ <11)``),
never as a bare 0 for a number that was held back; a yes/no answer (boolean granularity) as yes
or no per node and dataset.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pmbridge.cli._app import app
from pmbridge.errors import (
    DisclosureRefused,
    PassportRejected,
    PMBridgeError,
    PolicyRefused,
    ReferenceDataMissing,
    SignatureRejected,
    UnknownTerm,
    UpstreamError,
)
from pmbridge.model import is_disease_id

if TYPE_CHECKING:
    from pmbridge.portal import ShownCount
    from pmbridge.vocab import Hpo

console = Console()
_HPO_ID = re.compile(r"HP:\d{7}", re.IGNORECASE)


def build_query(
    terms: list[str], *, gene: str | None, sex: str | None, min_age: float | None, max_age: float | None
) -> dict[str, object]:
    """A Beacon v2 count request body for the given criteria (``terms`` already resolved to ids).

    Every dataset's result set is asked for, misses included, so a "no" and a held-back count
    are printed rather than left out.

    >>> body = build_query(["HP:0001250"], gene="SCN1A", sex=None, min_age=None, max_age=18)
    >>> [f["id"] for f in body["query"]["filters"]], body["query"]["includeResultsetResponses"]
    (['HP:0001250', 'geneId', 'age'], 'ALL')
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
    return {
        "meta": {"apiVersion": "v2.0.1"},
        "query": {"filters": filters, "requestedGranularity": "count", "includeResultsetResponses": "ALL"},
    }


def resolve_terms(texts: Sequence[str], *, data_dir: Path | None = None) -> list[str]:
    """Filter ids for ``texts``: disease ids (OMIM, ORPHA, MONDO) as they are, HPO ids and English
    or Chinese HPO labels as current HPO ids. Anything else raises :class:`UnknownTerm`, naming it
    and how to find the right term; the reference data is read only when a text needs it.
    """
    found: list[str] = []
    hpo: Hpo | None = None
    for text in (t.strip() for t in texts):
        if not text:
            continue
        if is_disease_id(text.upper()):
            found.append(text.upper())
            continue
        if hpo is None:
            hpo = _load_hpo(text, data_dir)
            if hpo is None:  # no reference data: an HPO id goes as it is, and the hub checks it
                found.append(text.upper())
                continue
        term_id = _hpo_id(text, hpo)
        if term_id not in found:
            found.append(term_id)
    return found


def _load_hpo(text: str, data_dir: Path | None) -> Hpo | None:
    from pmbridge.vocab import Hpo, locate_data_dir

    try:
        return Hpo.load(locate_data_dir(data_dir))
    except ReferenceDataMissing:
        if _HPO_ID.fullmatch(text):
            return None
        raise


def _hpo_id(text: str, hpo: Hpo) -> str:
    if _chinese(text) and len(hpo.labels_zh) == 0:
        raise UnknownTerm(
            text,
            hint="Chinese HPO labels are missing from the reference data (hpo-zh/hpo_zh.tsv): run "
            "`pmbridge vocab fetch` or pass --data-dir, or give the HPO id (`pmbridge vocab info` "
            "shows what is missing)",
        )
    try:
        term = hpo.term(text)
    except UnknownTerm:
        raise UnknownTerm(text, hint=_suggest(text, hpo)) from None
    current = hpo.canonical_id(term.id)
    if current is None:
        raise UnknownTerm(
            text,
            hint=f"{term.id} is obsolete in HPO {hpo.release} with no replacement; "
            f"`pmbridge vocab search {term.name!r}` lists current terms",
        )
    return current


def _suggest(text: str, hpo: Hpo) -> str:
    near = hpo.search(text, limit=3)
    search = f"`pmbridge vocab search {text!r}` lists HPO terms whose English or Chinese label contains it"
    if not near:
        return f"not an HPO id, an HPO label, or an OMIM/ORPHA/MONDO id; {search}"
    shown = "; ".join(f"{t.id} {t.name}" + (f" ({t.name_zh})" if t.name_zh else "") for t in near)
    return f"give an id or an exact label; close matches: {shown}; {search}"


def _chinese(text: str) -> bool:
    return any(unicodedata.east_asian_width(c) in ("W", "F") for c in text)


@app.command("query")
def query_command(
    terms: Annotated[
        list[str] | None,
        typer.Argument(help="HPO ids or labels (English or Chinese), OMIM, ORPHA or MONDO ids (AND)."),
    ] = None,
    url: Annotated[str, typer.Option("--url", help="Hub (or node) base URL.")] = "http://127.0.0.1:8100",
    gene: Annotated[str | None, typer.Option(help="HGNC gene symbol, e.g. FBN1.")] = None,
    sex: Annotated[str | None, typer.Option(help="female, male, other or unknown.")] = None,
    min_age: Annotated[float | None, typer.Option(help="Minimum age in years.")] = None,
    max_age: Annotated[float | None, typer.Option(help="Maximum age in years.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the raw Beacon response.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the answer.")] = 30.0,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir", help="Reference-data directory for labels (default: the documented lookup order)."
        ),
    ] = None,
) -> None:
    """Count matching individuals across the network: per node, per dataset, and in total."""
    resolved = resolve_terms(terms or [], data_dir=data_dir)
    body = build_query(resolved, gene=gene, sex=sex, min_age=min_age, max_age=max_age)
    try:
        reply = httpx.post(f"{url.rstrip('/')}/api/individuals", json=body, timeout=timeout)
    except httpx.HTTPError as exc:
        raise UpstreamError(
            f"cannot reach {url}: {exc}", hint="is the hub running? try `pmbridge demo`"
        ) from None
    try:
        doc = reply.json()
    except ValueError:
        raise UpstreamError(f"{url} answered {reply.status_code} without JSON: {reply.text[:200]}") from None
    if as_json:
        console.print_json(json.dumps(doc))
    if reply.status_code >= 400:
        raise refusal_error(doc, status=reply.status_code, url=url)
    if not as_json:
        for line in describe(doc):
            console.print(line, highlight=False)


def refusal_error(doc: object, *, status: int, url: str) -> PMBridgeError:
    """The error for a reply with an error status: a refusal as the portal words it, with its fix."""
    from pmbridge.portal import refusal_in

    error = doc.get("error") if isinstance(doc, Mapping) else None
    message = str(error.get("errorMessage", "")) if isinstance(error, Mapping) else str(doc)[:200]
    refusal = refusal_in(message) if status in (401, 403) else None
    if refusal is None:
        hint = (
            "fix the request as the message says"
            if status < 500
            else "the network could not answer now: the message names each node's state; try again later"
        )
        return UpstreamError(f"{url} answered {status}: {message}", hint=hint)
    named = re.search(r"[(;]\s*([\w.-]+): (?:refused|passport)", message)
    sentence = refusal.english(node=named.group(1) if named else "")
    if refusal.rule.startswith("X"):
        return PolicyRefused(refusal.rule, sentence, hint=message)
    if refusal.rule.startswith("passport:"):
        return PassportRejected(refusal.rule.partition(":")[2], sentence, hint=message)
    if refusal.rule.startswith("signature:"):
        return SignatureRejected(refusal.rule.partition(":")[2], sentence, hint=message)
    return DisclosureRefused(refusal.rule, sentence, hint=message)


def describe(doc: Mapping[str, Any]) -> list[Table | str]:
    """The lines ``pmbridge query`` prints: a row per node and dataset (its count, or at boolean
    granularity its yes/no), the total, and every node whose answer is not in it, each with why
    (refusals in the portal's words, with what to change)."""
    meta, summary, info = (_mapping(doc.get(part)) for part in ("meta", "responseSummary", "info"))
    granularity = meta.get("returnedGranularity")
    lines: list[Table | str]
    if granularity == "boolean":
        # A beaconBooleanResponse has no ``response``: each dataset's yes/no is in info.resultSets.
        sets = info.get("resultSets", _mapping(doc.get("response")).get("resultSets"))
        exists = summary.get("exists")
        said = "yes" if exists is True else "no" if exists is False else "not said"
        lines = [_yes_no_table(sets), f"exists: {said}  (granularity: boolean: no node's number is shown)"]
    else:
        table, total = _count_table(_mapping(doc.get("response")).get("resultSets"))
        missing = [str(node) for node in _list(info.get("missingNodes"))]
        without = f", without {', '.join(missing)} (below)" if missing else ""
        lines = [table, f"total: {escape(total.plain())}{escape(without)}  (granularity: {granularity})"]
    lines += _node_lines(info.get("nodes"))
    for warning in _list(info.get("warnings")):
        lines.append(f"[yellow]warning: {escape(str(warning))}[/]")
    return lines


def _count_table(sets: object) -> tuple[Table, ShownCount]:
    """Each result set's released count with how it was made, and their total."""
    from pmbridge.portal import ShownCount, add_counts

    table = Table(title="Matching individuals")
    for column in ("node", "dataset", "count", "how"):
        table.add_column(column, overflow="fold")
    counts: list[ShownCount] = []
    for item in (i for i in _list(sets) if isinstance(i, Mapping)):
        node, dataset = str(_mapping(item.get("info")).get("node", "")), str(item.get("id"))
        shown = ShownCount.from_wire(_mapping(item.get("info")).get("count"))
        if shown.how == "unknown":  # no account of how it was made (not a PM Bridge node)
            given = item.get("resultsCount")
            table.add_row(node, dataset, escape(str(given)), "no account of how it was released")
            continue
        counts.append(shown)
        table.add_row(node, dataset, escape(shown.plain()), escape(_how(shown, node=node, dataset=dataset)))
    return table, add_counts(counts) if counts else ShownCount(0, "exact")


def _yes_no_table(sets: object) -> Table:
    """Each result set's yes/no: whether the dataset has matching individuals, and no number."""
    table = Table(title="Matching individuals exist")
    for column in ("node", "dataset", "exists"):
        table.add_column(column, overflow="fold")
    for item in (i for i in _list(sets) if isinstance(i, Mapping)):
        exists = item.get("exists")
        said = "yes" if exists is True else "no" if exists is False else "not said"
        table.add_row(str(_mapping(item.get("info")).get("node", "")), str(item.get("id")), said)
    return table


def _node_lines(nodes: object) -> list[str]:
    """A line for each node whose answer is not in the reply: a refusal with its rule and fix
    (never "did not answer": it answered), any other with its own status and words."""
    from pmbridge.portal import node_state

    lines = []
    for entry in (e for e in _list(nodes) if isinstance(e, Mapping) and e.get("status") != "ok"):
        node, detail = str(entry.get("node", "")), str(entry.get("detail") or "")
        state, refusal = node_state(str(entry.get("status", "")), detail, rule=entry.get("rule"))
        if refusal is not None and refusal.rule == "refused":  # no rule named: its own words say why
            lines.append(f"[yellow]node {escape(node)} refused: {escape(detail or 'no reason given')}[/]")
        elif refusal is not None:
            said = escape(refusal.english(node=node))
            lines.append(f"[yellow]node {escape(node)} refused ({escape(refusal.rule)}): {said}[/]")
        else:
            said = f": {escape(detail)}" if detail else ""
            lines.append(f"[yellow]node {escape(node)} did not answer ({_STATES.get(state, state)}){said}[/]")
    return lines


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


_STATES = {"down": "down", "timeout": "timed out", "slow": "too slow", "failed": "failed"}


def _how(count: ShownCount, *, node: str, dataset: str) -> str:
    kind = count.kind
    if kind == "noised":
        return f"noised (ε {count.epsilon:g})" if count.epsilon is not None else "noised"
    if kind in ("fewer", "hidden", "withheld", "refused") and count.refusal is not None:
        return count.refusal.english(node=node, dataset=dataset, k=count.threshold)
    return {"rounded": "rounded", "exact": "exact"}.get(kind, kind)
