"""``pmbridge policy check``: validate a node's policy, passports and DUO settings; print its rules."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pmbridge.cli._app import app

if TYPE_CHECKING:
    from rich.console import Console

    from pmbridge.policy import NodePolicy

policy_app = typer.Typer(
    help="Cross-border policy (rules X1–X6), passports and DUO data-use conditions of a node.",
    no_args_is_help=True,
)
app.add_typer(policy_app, name="policy")


@policy_app.command("check")
def check_command(
    config: Annotated[Path, typer.Argument(help="The node's TOML config (its [policy] table is checked).")],
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Reference-data directory, for the DUO term labels.")
    ] = None,
) -> None:
    """Validate CONFIG's [policy], [passports] and datasets' DUO settings and print the effective rules."""
    import tomllib

    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from pmbridge.config import validated
    from pmbridge.errors import ConfigError
    from pmbridge.policy import PassportSettings, describe_policy, parse_passport_trust, parse_policy

    try:
        doc = tomllib.loads(config.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"node config {config} not found", hint="give the path of a node's TOML file"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"node config {config} is not valid TOML: {exc}") from None
    where = str(config)
    policy = parse_policy(doc, where=where)
    if "passports" in doc:  # as strict as the node's own loader: a typo is an error, not a default
        validated(PassportSettings, doc["passports"], where=where, at=("passports",))
    trust = parse_passport_trust(doc, base=config.parent, where=where)
    console = Console()
    rules = Table(title=escape(f"Policy of {where}: {policy.jurisdiction} node in {policy.country}"))
    rules.add_column("rule")
    rules.add_column("at this node", overflow="fold")
    for rule, text in describe_policy(policy):
        rules.add_row(rule, escape(text))
    console.print(rules)
    _print_settings(console, policy)
    if trust is None:
        console.print("passports: no [passports] table, so every requester gets public access", markup=False)
    else:
        issuers = ", ".join(sorted(trust.issuers))
        console.print(f"passports: audience {trust.audience!r}, trusted issuers: {issuers}", markup=False)
    _print_datasets(console, doc, where=where, data_dir=data_dir)


def _print_settings(console: Console, policy: NodePolicy) -> None:
    from rich.table import Table

    table = Table(title="Effective settings")
    table.add_column("setting")
    table.add_column("value", overflow="fold")
    values = {
        "allowed_purposes": ", ".join(sorted(p.value for p in policy.allowed_purposes)),
        "transfer_mechanism": policy.transfer_mechanism,
        "tia_ref": policy.tia_ref,
        "cn_export_route": policy.cn_export_route,
        "pipia_ref": policy.pipia_ref,
        "separate_consent": policy.separate_consent,
        "hgr_filing_id": policy.hgr_filing_id,
        "hgr_review_id": policy.hgr_review_id,
        "thresholds.cn_sensitive_people": policy.thresholds.cn_sensitive_people,
        "thresholds.cn_personal_people": policy.thresholds.cn_personal_people,
        "thresholds.hgr_genetic_people": policy.thresholds.hgr_genetic_people,
    }
    for name, value in values.items():
        table.add_row(f"policy.{name}", "(unset)" if value is None else str(value))
    console.print(table)


def _print_datasets(console: Console, doc: dict[str, object], *, where: str, data_dir: Path | None) -> None:
    from rich.markup import escape
    from rich.table import Table

    from pmbridge.errors import PMBridgeError
    from pmbridge.policy import load_duo_terms, parse_data_use
    from pmbridge.vocab import locate_data_dir

    datasets = doc.get("datasets", [])
    if not isinstance(datasets, list) or not datasets:
        return
    try:
        duo = load_duo_terms(locate_data_dir(data_dir).path)
    except PMBridgeError as exc:
        console.print(f"DUO labels unavailable: {exc.message}", markup=False)
        duo = None
    table = Table(title="Data-use conditions (DUO)")
    table.add_column("dataset")
    table.add_column("terms", overflow="fold")
    for number, dataset in enumerate(datasets, 1):
        if not isinstance(dataset, dict):
            continue
        conditions = parse_data_use(dataset, where=f"{where}: datasets[{number}]")
        if duo is None:
            labels = list(conditions.codes)
        else:
            labels = [
                duo.display(code) if duo.term(code) else f"{code} (unknown DUO term: goes to the committee)"
                for code in conditions.codes
            ]
        if conditions.diseases:
            labels.append(f"diseases: {', '.join(conditions.diseases)}")
        table.add_row(escape(str(dataset.get("id", f"#{number}"))), escape("; ".join(labels)))
    console.print(table)
