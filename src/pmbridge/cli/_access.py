"""``pmbridge access``: write, submit and follow access requests through the hub, and, for a node's
stewards, decide them; the pre-check, thread, history, inbox and grants as tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Final, Literal

import typer
from rich.console import Console
from rich.markup import escape

from pmbridge.cli._access_show import grants_table, inbox_table, precheck_table, request_lines, requests_table
from pmbridge.cli._app import app
from pmbridge.cli._query import read_passport, refusal_error
from pmbridge.client import AccessDetail, HubClient, access_request_body
from pmbridge.errors import AccessRequestError, ConfigError, PMBridgeError

access_app = typer.Typer(
    help="Access requests: ask for datasets, follow the negotiation, decide as a steward.",
    no_args_is_help=True,
)
app.add_typer(access_app, name="access")
console = Console()

MEDIA_TYPES: Final = {
    ".pdf": "application/pdf",
    ".txt": "text/plain",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}
MAX_ATTACHMENT: Final = 5 * 1_048_576
REQUEST_EVENTS: Final = ("submit", "pause", "resume", "conclude", "abandon")

Url = Annotated[str, typer.Option("--url", help="Hub base URL.")]
Passport = Annotated[
    str | None,
    typer.Option(
        "--passport",
        help="A GA4GH passport (JWT), or @FILE to read it from a file.",
        envvar="PMBRIDGE_PASSPORT",
    ),
]
User = Annotated[
    str | None,
    typer.Option("--user", help="Sign in as this demo user (demo hubs only), instead of --passport."),
]
HUB: Final = "http://127.0.0.1:8100"


@contextmanager
def signed_in(url: str, passport: str | None, user: str | None) -> Iterator[HubClient]:
    """A client of the hub carrying the passport (or the demo user's); errors as the CLI says them."""
    try:
        with HubClient(url, passport=read_passport(passport), timeout=60.0) as hub:
            if user:
                hub.sign_in(user)
            yield hub
    except PMBridgeError as exc:
        raise refusal_error(exc) from None


def parse_dataset(text: str) -> tuple[str, str]:
    """``--dataset node:dataset`` as a (node, dataset) pair.

    >>> parse_dataset("eu-rome:rome-rd")
    ('eu-rome', 'rome-rd')
    """
    node, _, dataset = text.partition(":")
    if not node.strip() or not dataset.strip():
        raise AccessRequestError(
            f"--dataset {text!r} is not node:dataset", hint="e.g. --dataset eu-rome:rome-rd; repeat for more"
        )
    return node.strip(), dataset.strip()


def media_type(path: Path) -> str:
    """The media type the hub accepts for this file, from its extension.

    >>> media_type(Path("ethics.PDF"))
    'application/pdf'
    """
    found = MEDIA_TYPES.get(path.suffix.lower())
    if found is None:
        raise AccessRequestError(
            f"{path.name}: the hub takes only {', '.join(MEDIA_TYPES)} files",
            hint="convert it to PDF (or plain text, PNG or JPEG) and attach that",
        )
    return found


@access_app.command("request")
def request_command(
    title: Annotated[str, typer.Option(help="The project's title.")],
    until: Annotated[str, typer.Option(help="End of the access asked for (YYYY-MM-DD).")],
    name: Annotated[str, typer.Option(help="Your name.")],
    email: Annotated[str, typer.Option(help="Your e-mail address, for the negotiation's e-mails.")],
    use: Annotated[str, typer.Option(help="DUO primary use: GRU, HMB, DS (with --disease) or POA.")],
    datasets: Annotated[
        list[str],
        typer.Option("--dataset", help="A dataset as node:dataset, e.g. eu-rome:rome-rd; repeatable."),
    ],
    abstract: Annotated[
        str, typer.Option(help="What the project does with the data (required for access).")
    ] = "",
    category: Annotated[str, typer.Option(help="Purpose of use (research, public_health, …).")] = "research",
    disease: Annotated[str | None, typer.Option(help="The disease of a DS purpose (MONDO:…).")] = None,
    commercial: Annotated[bool | None, typer.Option("--commercial/--non-commercial")] = None,
    methods_development: Annotated[
        bool | None, typer.Option("--methods-development/--no-methods-development")
    ] = None,
    genetic_study: Annotated[bool | None, typer.Option("--genetic-study/--no-genetic-study")] = None,
    institution: Annotated[str | None, typer.Option(help="Your institution.")] = None,
    organisation_type: Annotated[str | None, typer.Option(help="non_profit or for_profit.")] = None,
    ethics_approval: Annotated[str | None, typer.Option(help="Ethics approval reference.")] = None,
    project: Annotated[str | None, typer.Option(help="Project reference.")] = None,
    commitments: Annotated[
        list[str] | None, typer.Option("--commitment", help="A DUO commitment (PUB, COL, …); repeatable.")
    ] = None,
    language: Annotated[str, typer.Option(help="Language of your e-mails: en or zh.")] = "en",
    granularity: Annotated[str, typer.Option(help="record, count or boolean.")] = "count",
    team: Annotated[list[str] | None, typer.Option("--team", help="A team member; repeatable.")] = None,
    matches: Annotated[list[str] | None, typer.Option("--match", help="A match id; repeatable.")] = None,
    kind: Annotated[str, typer.Option(help="access, or contact (about matched patients).")] = "access",
    submit: Annotated[bool, typer.Option("--submit", help="Submit right after the pre-check.")] = False,
    url: Url = HUB,
    passport: Passport = None,
    user: User = None,
) -> None:
    """Write an access request; each node pre-checks its datasets (DUO, rules X1–X6).

    The table shows what would be sent, and at which granularity; --submit sends it to the stewards.
    """
    body = access_request_body(
        title=title,
        datasets=[parse_dataset(d) for d in datasets],
        until=until,
        name=name,
        email=email,
        use=use,
        abstract=abstract,
        category=category,
        disease=disease,
        commercial=commercial,
        methods_development=methods_development,
        genetic_study=genetic_study,
        institution=institution,
        organisation_type=organisation_type,
        ethics_approval=ethics_approval,
        project=project,
        commitments=commitments or [],
        language=language,
        granularity=_granularity(granularity),
        team=team or [],
        matches=matches or [],
        kind=kind,
    )
    with signed_in(url, passport, user) as hub:
        detail = hub.create_access_request(body)
        console.print(precheck_table(detail.request), highlight=False)
        if submit:
            detail = hub.access_step(detail.id, "submit")
    _said(detail)
    if not submit:
        console.print(f"submit it: pmbridge access submit {escape(detail.id)}", highlight=False)


@access_app.command("list")
def list_command(
    steward: Annotated[
        bool, typer.Option("--steward", help="The requests at the nodes you steward.")
    ] = False,
    url: Url = HUB,
    passport: Passport = None,
    user: User = None,
) -> None:
    """Your access requests, newest first (--steward: those at the nodes you steward)."""
    with signed_in(url, passport, user) as hub:
        found = hub.access_requests(steward=steward)
    nodes = ", ".join(found.steward_of) or "none"
    title = f"Access requests at the nodes you steward ({nodes})" if steward else "Your access requests"
    console.print(requests_table(found.requests, title=escape(title)), highlight=False)


@access_app.command("show")
def show_command(
    request_id: Annotated[str, typer.Argument(help="The request's id (ar-…).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the hub's reply as JSON.")] = False,
    url: Url = HUB,
    passport: Passport = None,
    user: User = None,
) -> None:
    """One request: its state, each dataset's negotiation, messages, attachments and history."""
    with signed_in(url, passport, user) as hub:
        detail = hub.access_request(request_id)
    if as_json:
        console.print_json(detail.model_dump_json(by_alias=True))
        return
    for line in request_lines(detail):
        console.print(line, highlight=False)


def _request_step(event: str) -> Callable[..., None]:
    def command(
        request_id: Annotated[str, typer.Argument(help="The request's id (ar-…).")],
        url: Url = HUB,
        passport: Passport = None,
        user: User = None,
    ) -> None:
        with signed_in(url, passport, user) as hub:
            detail = hub.access_step(request_id, event)
        _said(detail)

    command.__doc__ = f"The researcher's step: {event} the request."
    return command


for _event in REQUEST_EVENTS:
    access_app.command(_event)(_request_step(_event))


@access_app.command("decide")
def decide_command(
    resource_id: Annotated[str, typer.Argument(help="The dataset's negotiation (rs-…).")],
    event: Annotated[
        str,
        typer.Argument(
            help="A steward's acknowledge, return, indicate_conditions, approve, decline, revoke; "
            "a researcher's resubmit, accept_conditions, withdraw."
        ),
    ],
    reason: Annotated[str | None, typer.Option(help="Why (return, decline, revoke).")] = None,
    conditions: Annotated[str | None, typer.Option(help="The conditions (indicate_conditions).")] = None,
    until: Annotated[str | None, typer.Option(help="End of the grant (approve), YYYY-MM-DD.")] = None,
    url: Url = HUB,
    passport: Passport = None,
    user: User = None,
) -> None:
    """A step on one dataset's negotiation, by its steward or by the researcher."""
    with signed_in(url, passport, user) as hub:
        detail = hub.resource_step(resource_id, event, reason=reason, conditions=conditions, until=until)
    _said(detail)


@access_app.command("message")
def message_command(
    resource_id: Annotated[str, typer.Argument(help="The dataset's negotiation (rs-…).")],
    text: Annotated[str, typer.Argument(help="The message, in either language.")],
    url: Url = HUB,
    passport: Passport = None,
    user: User = None,
) -> None:
    """A message to the other side of one dataset's negotiation."""
    with signed_in(url, passport, user) as hub:
        posted = hub.post_access_message(resource_id, text)
    console.print(f"posted {escape(posted.id)} to {escape(posted.resource)}", highlight=False)


@access_app.command("attach")
def attach_command(
    resource_id: Annotated[str, typer.Argument(help="The dataset's negotiation (rs-…).")],
    file: Annotated[Path, typer.Argument(help="A .pdf, .txt, .png or .jpg file of at most 5 MiB.")],
    url: Url = HUB,
    passport: Passport = None,
    user: User = None,
) -> None:
    """Attach a file (an ethics approval, a protocol) for the dataset's steward; its node keeps it."""
    kind = media_type(file)
    try:
        content = file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {file}: {exc.strerror}", hint="name a readable file") from None
    if len(content) > MAX_ATTACHMENT:
        raise AccessRequestError(
            f"{file.name} is {len(content)} bytes; the limit is 5 MiB", hint="attach a smaller file"
        )
    with signed_in(url, passport, user) as hub:
        found = hub.attach(resource_id, name=file.name, media_type=kind, content=content)
    said = (
        f"attached {found.id}: {found.name} ({found.size} bytes, sha256 {found.sha256}) at node {found.node}"
    )
    console.print(escape(said), highlight=False)


@access_app.command("download")
def download_command(
    attachment_id: Annotated[str, typer.Argument(help="The attachment's id (at-…).")],
    out: Annotated[Path, typer.Option("--out", help="The file to write.")],
    url: Url = HUB,
    passport: Passport = None,
    user: User = None,
) -> None:
    """Fetch an attachment's file from the node that keeps it, through the hub."""
    with signed_in(url, passport, user) as hub:
        content = hub.attachment(attachment_id)
    out.write_bytes(content)
    console.print(f"wrote {len(content)} bytes to {escape(str(out))}", highlight=False)


@access_app.command("inbox")
def inbox_command(
    lang: Annotated[str, typer.Option(help="en or zh.")] = "en",
    read_all: Annotated[bool, typer.Option("--read-all", help="Then mark them all read.")] = False,
    url: Url = HUB,
    passport: Passport = None,
    user: User = None,
) -> None:
    """Your notifications, newest first, unread ones marked •."""
    with signed_in(url, passport, user) as hub:
        inbox = hub.inbox(lang=lang)
        console.print(inbox_table(inbox), highlight=False)
        if read_all:
            counts = hub.mark_read()
            console.print(f"marked {counts.get('marked', 0)} read", highlight=False)


@access_app.command("grants")
def grants_command(url: Url = HUB, passport: Passport = None, user: User = None) -> None:
    """Your grants: active, revoked or expired, each with its dataset, committee and end date."""
    with signed_in(url, passport, user) as hub:
        found = hub.grants()
    console.print(grants_table(found.grants), highlight=False)


def _said(detail: AccessDetail) -> None:
    found = detail.request
    states = ", ".join(f"{r.node}/{r.dataset} {r.state}" for r in found.resources)
    line = f"{found.id}: {found.state}" + (f" ({states})" if states else "")
    console.print(escape(line), highlight=False)
    named = {r.id: f"{r.id} {r.node}/{r.dataset}" for r in found.resources}
    steps = [f"{', '.join(detail.steps.request)} (request)"] if detail.steps.request else []
    steps += [f"{', '.join(s)} ({named.get(r, r)})" for r, s in detail.steps.resources.items() if s]
    if steps:
        console.print(f"open to you: {escape('; '.join(steps))}", highlight=False)


def _granularity(text: str) -> Literal["record", "count", "boolean"]:
    if text == "record":
        return "record"
    if text == "boolean":
        return "boolean"
    if text == "count":
        return "count"
    raise AccessRequestError(f"granularity {text!r}", hint="give record, count or boolean")
