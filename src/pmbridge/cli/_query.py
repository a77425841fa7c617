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
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pmbridge.cli._app import app
from pmbridge.client import BeaconAnswer, DatasetAnswer, HubClient, NodeOutcome, beacon_body, criteria_filters
from pmbridge.errors import (
    ConfigError,
    DisclosureRefused,
    PassportRejected,
    PMBridgeError,
    PolicyRefused,
    QueryError,
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
    """A Beacon v2 count request body for the given criteria (``terms`` already resolved to ids),
    as :class:`~pmbridge.client.HubClient` sends it.

    Every dataset's result set is asked for, misses included, so a "no" and a held-back count
    are printed rather than left out.

    >>> body = build_query(["HP:0001250"], gene="SCN1A", sex=None, min_age=None, max_age=18)
    >>> [f["id"] for f in body["query"]["filters"]], body["query"]["includeResultsetResponses"]
    (['HP:0001250', 'geneId', 'age'], 'ALL')
    """
    found = criteria_filters(terms, gene=gene, sex=sex, min_age=min_age, max_age=max_age)
    return beacon_body(found, granularity="count")


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
    passport: Annotated[
        str | None,
        typer.Option(
            "--passport",
            help="A GA4GH passport (JWT) to ask with, or @FILE to read it from a file; default: anonymous.",
            envvar="PMBRIDGE_PASSPORT",
        ),
    ] = None,
    purpose: Annotated[
        str | None,
        typer.Option(help="Purpose of use: research (the hub's default), public_health, statistics, …"),
    ] = None,
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
    token = read_passport(passport)
    try:
        with HubClient(url, passport=token, purpose=purpose, timeout=timeout) as hub:
            if as_json:
                body = build_query(resolved, gene=gene, sex=sex, min_age=min_age, max_age=max_age)
                console.print_json(json.dumps(hub.request("POST", "/api/individuals", json=body)))
                return
            answer = hub.count(resolved, gene=gene, sex=sex, min_age=min_age, max_age=max_age)
    except PMBridgeError as exc:
        raise refusal_error(exc) from None
    for line in describe(answer):
        console.print(line, highlight=False)


def read_passport(given: str | None) -> str | None:
    """The passport ``--passport`` names: the token itself, or ``@FILE`` for a file holding it.

    >>> read_passport("eyJhbGciOi.x.y"), read_passport(None)
    ('eyJhbGciOi.x.y', None)
    """
    if not given or not given.startswith("@"):
        return given.strip() if given else None
    path = Path(given[1:]).expanduser()
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(
            f"cannot read the passport file {path}: {exc.strerror}",
            hint="give the token itself, or @FILE naming a file that holds it "
            "(the demo writes none: sign in with HubClient.sign_in or the portal)",
        ) from None


def refusal_error(error: PMBridgeError) -> PMBridgeError:
    """``error`` as the CLI says it: a refusal in the portal's words with what to change (the hub's
    words as the hint); any other error with a hint saying whether to fix the request or retry."""
    rule = error.refusal_rule
    if rule is None:
        if error.hint:
            return error
        hint = (
            "fix the request as the message says"
            if error.status < 500
            else "the network could not answer now: the message names each node's state; try again later"
        )
        return type(error)(error.message, hint=hint) if type(error) in (QueryError, UpstreamError) else error
    from pmbridge.portal import refusal_of_rule

    # the rule is the error's field; only the node's name, for the sentence, is read from the words
    named = re.search(r"[(;]\s*([\w.-]+): (?:refused|passport)", error.message)
    sentence = refusal_of_rule(rule, detail=error.message).english(node=named.group(1) if named else "")
    said = f"{error.message} ({error.hint})" if error.hint else error.message
    if isinstance(error, PolicyRefused):
        return PolicyRefused(rule, sentence, hint=said)
    if isinstance(error, PassportRejected):
        return PassportRejected(rule.partition(":")[2], sentence, hint=said)
    if isinstance(error, SignatureRejected):
        return SignatureRejected(rule.partition(":")[2], sentence, hint=said)
    if isinstance(error, DisclosureRefused):
        return DisclosureRefused(rule, sentence, hint=said)
    return error


def describe(answer: BeaconAnswer) -> list[Table | str]:
    """The lines ``pmbridge query`` prints: a row per node and dataset (its count, or at boolean
    granularity its yes/no), the total, and every node whose answer is not in it, each with why
    (refusals in the portal's words, with what to change)."""
    lines: list[Table | str]
    if answer.granularity == "boolean":
        exists = answer.exists
        said = "yes" if exists is True else "no" if exists is False else "not said"
        lines = [
            _yes_no_table(answer.datasets),
            f"exists: {said}  (granularity: boolean: no node's number is shown)",
        ]
    else:
        table, total = _count_table(answer.datasets)
        missing = answer.missing_nodes
        without = f", without {', '.join(missing)} (below)" if missing else ""
        lines = [
            table,
            f"total: {escape(total.plain())}{escape(without)}  (granularity: {answer.granularity})",
        ]
    lines += _node_lines(answer.nodes)
    for warning in answer.warnings:
        lines.append(f"[yellow]warning: {escape(warning)}[/]")
    return lines


def _count_table(sets: Sequence[DatasetAnswer]) -> tuple[Table, ShownCount]:
    """Each result set's released count with how it was made, and their total."""
    from pmbridge.portal import ShownCount, add_counts

    table = Table(title="Matching individuals")
    for column in ("node", "dataset", "count", "how"):
        table.add_column(column, overflow="fold")
    counts: list[ShownCount] = []
    for item in sets:
        count = item.count
        if count is None:  # no account of how it was made (not a PM Bridge node)
            table.add_row(
                item.node, item.id, escape(str(item.results_count)), "no account of how it was released"
            )
            continue
        shown = ShownCount.from_wire(count.model_dump(by_alias=True))
        counts.append(shown)
        table.add_row(
            item.node, item.id, escape(shown.plain()), escape(_how(shown, node=item.node, dataset=item.id))
        )
    return table, add_counts(counts) if counts else ShownCount(0, "exact")


def _yes_no_table(sets: Sequence[DatasetAnswer]) -> Table:
    """Each result set's yes/no: whether the dataset has matching individuals, and no number."""
    table = Table(title="Matching individuals exist")
    for column in ("node", "dataset", "exists"):
        table.add_column(column, overflow="fold")
    for item in sets:
        said = "yes" if item.exists is True else "no" if item.exists is False else "not said"
        table.add_row(item.node, item.id, said)
    return table


def _node_lines(nodes: Sequence[NodeOutcome]) -> list[str]:
    """A line for each node whose answer is not in the reply: a refusal with its rule and fix
    (never "did not answer": it answered), any other with its own status and words."""
    from pmbridge.portal import node_state

    lines = []
    for entry in (e for e in nodes if not e.answered):
        node, detail = entry.node, entry.detail or ""
        state, refusal = node_state(entry.status, detail, rule=entry.rule)
        if refusal is not None and refusal.rule == "refused":  # no rule named: its own words say why
            lines.append(f"[yellow]node {escape(node)} refused: {escape(detail or 'no reason given')}[/]")
        elif refusal is not None:
            said = escape(refusal.english(node=node))
            lines.append(f"[yellow]node {escape(node)} refused ({escape(refusal.rule)}): {said}[/]")
        else:
            said = f": {escape(detail)}" if detail else ""
            lines.append(f"[yellow]node {escape(node)} did not answer ({_STATES.get(state, state)}){said}[/]")
    return lines


_STATES = {
    "down": "down",
    "timeout": "timed out",
    "slow": "too slow",
    "failed": "failed",
    "skipped": "skipped: it kept timing out and failed its health check",
}


def _how(count: ShownCount, *, node: str, dataset: str) -> str:
    kind = count.kind
    if kind == "noised":
        return f"noised (ε {count.epsilon:g})" if count.epsilon is not None else "noised"
    if kind in ("fewer", "hidden", "withheld", "refused") and count.refusal is not None:
        return count.refusal.english(node=node, dataset=dataset, k=count.threshold)
    return {"rounded": "rounded", "exact": "exact"}.get(kind, kind)
