"""``pmbridge learn``: start a federated training from a declarative request, follow its rounds per
node, and read its model and validation (docs/learning.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pmbridge.cli._access import HUB, Passport, Url, User, signed_in
from pmbridge.cli._app import app
from pmbridge.client import Training
from pmbridge.errors import ConfigError

learn_app = typer.Typer(
    help="Federated learning: train models across the nodes, privately.", no_args_is_help=True
)
app.add_typer(learn_app, name="learn")
console = Console()


def read_request(path: Path) -> dict[str, object]:
    """The training request in the JSON file at ``path`` (``-``: standard input)."""
    try:
        text = typer.get_text_stream("stdin").read() if str(path) == "-" else path.read_text(encoding="utf-8")
        doc = json.loads(text)
    except OSError as exc:
        raise ConfigError(
            f"cannot read the training request {path}: {exc}", hint="give a JSON file"
        ) from None
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"the training request {path} is not JSON ({exc})",
            hint="docs/learning.md#the-request has an example",
        ) from None
    if not isinstance(doc, dict):
        raise ConfigError(f"the training request {path} must be a JSON object", hint="see docs/learning.md")
    return doc


def rounds_table(training: Training) -> Table:
    """Each round's figures per node: status (a node that sat out: the rule, its reason once below)
    and what the node released."""
    table = Table(title=f"training {training.id}: {training.state}", title_justify="left")
    for column in ("round", "node", "stage", "status", "figures"):
        table.add_column(column)
    for r in training.rounds:
        if r.status == "refused":
            status, figures = f"sat out ({r.metrics.get('rule', '?')})", ""
        else:
            status = r.status
            figures = ", ".join(f"{k}={_short(v)}" for k, v in sorted(r.metrics.items()) if k != "reason")
        table.add_row("final" if r.stage == "evaluate" else str(r.round), r.node or "network", r.stage,
                      status, escape(figures))  # fmt: skip
    return table


def refusal_lines(training: Training) -> list[str]:
    """Why each node sat out, once per node: the rule and the node's own words."""
    reasons: dict[str, str] = {}
    for r in training.rounds:
        if r.node and r.status not in ("ok", "skipped") and r.node not in reasons:
            reasons[r.node] = str(r.metrics.get("reason", r.status))
    return [f"{node} sat out: {reason}" for node, reason in sorted(reasons.items())]


def _short(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _print(training: Training, *, as_json: bool) -> None:
    if as_json:
        console.print_json(training.model_dump_json())
        return
    console.print(rounds_table(training))
    for line in refusal_lines(training):
        console.print(escape(line), highlight=False)
    console.print(escape(training.summary()), highlight=False)
    if training.detail:
        console.print(escape(training.detail), highlight=False)


@learn_app.command("start")
def start_command(
    request: Annotated[Path, typer.Argument(help="The training request as JSON (- reads standard input).")],
    url: Url = HUB,
    passport: Passport = None,
    user: User = None,
    follow: Annotated[bool, typer.Option(help="Follow the rounds until it finishes.")] = False,
    timeout: Annotated[
        float, typer.Option(help="With --follow: give up following after this many seconds.")
    ] = 3600.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the training as JSON.")] = False,
) -> None:
    """Start a training; each node admits it under its own policy, minimum count and ε budget."""
    body = read_request(request)
    with signed_in(url, passport, user) as hub:
        training = hub.start_training(body)
        if not as_json:
            console.print(f"started training {training.id} on {', '.join(training.nodes)}", highlight=False)
        if follow:
            training = hub.follow_training(
                training.id, timeout=timeout, on_update=None if as_json else _progress_line
            )
    _print(training, as_json=as_json)


def _progress_line(training: Training) -> None:
    console.print(escape(training.summary()), highlight=False)


@learn_app.command("show")
def show_command(
    training_id: Annotated[str, typer.Argument(help="The training's id, as `learn start` printed it.")],
    url: Url = HUB,
    passport: Passport = None,
    user: User = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the training as JSON.")] = False,
) -> None:
    """One of your trainings: rounds per node, refusals with their rule, the model's validation."""
    with signed_in(url, passport, user) as hub:
        training = hub.training(training_id)
    _print(training, as_json=as_json)


@learn_app.command("list")
def list_command(url: Url = HUB, passport: Passport = None, user: User = None) -> None:
    """Your trainings, newest first."""
    with signed_in(url, passport, user) as hub:
        trainings = hub.trainings().trainings
    if not trainings:
        console.print("no trainings yet: start one with `pmbridge learn start REQUEST.json`")
    for training in trainings:
        console.print(f"{training.created}  {escape(training.summary())}", highlight=False)
