"""The Learning pages: one's federated trainings with a form to start one (``/learning``), and one
training's progress, refusals, model and validation (``/learning/{training_id}``).

Both call the hub's ``/api/learning/trainings`` as the signed-in researcher, so the hub checks,
binds and audits exactly as for any other client; a refusal shows with the hub's words and fix.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pmbridge.client import Training
from pmbridge.errors import PMBridgeError
from pmbridge.hub import hub_of
from pmbridge.learning import training_schema
from pmbridge.portal._access_pages import STALE_FORM, access_page, from_this_page, problem_of
from pmbridge.portal._i18n import N_
from pmbridge.portal._learning_view import (
    EXAMPLE_REQUEST,
    FEWER_THAN_MINIMUM,
    STAGES,
    STATES,
    STATUSES,
    TASKS,
    training_view,
)
from pmbridge.portal._session import passport_of
from pmbridge.portal._sources import hub_api

router = APIRouter()

SIGN_IN_FIRST: str = N_(
    "Sign in to see your trainings and start one: each is charged to your privacy budget."
)
LEARNING_OFF: str = N_(
    "This hub does not offer federated learning. Its operator turns it on with [learning] enabled = true."
)
LEADS: Final = {
    400: N_("The hub did not take the training request:"),
    401: N_("Your sign-in was not accepted: sign in again."),
    403: N_("The hub refused the training:"),
    404: LEARNING_OFF,
    502: N_(
        "The hub could not reach its federated-learning server (the SuperLink): try again later, "
        "or tell the hub's operator."
    ),
}
OTHER_LEAD: Final = N_("The hub could not answer:")
NOT_YOURS: Final = N_("No training of yours has this id on this hub.")
NOT_JSON: Final = N_("The request is not valid JSON: look at line %(line)s, column %(column)s.")
NOT_OBJECT: Final = N_(
    "The request must be one JSON object, { … }, with a task, features and the other keys."
)
HIDDEN_UNITS: Final[dict[str, int]] = {
    "default": 16,  # parse_training's default (docs/learning.md#the-request)
    "low": training_schema()["properties"]["hidden_units"]["minimum"],
    "high": training_schema()["properties"]["hidden_units"]["maximum"],
}
DETAILED: Final = 20
"""How many of the newest trainings the list shows with their progress (one hub call each)."""
REFRESH_SECONDS: Final = 5


@dataclass(frozen=True, slots=True)
class Problem:
    """What went wrong, as a catalogue sentence (with its values) and the hub's own words (English)."""

    lead: str
    detail: str = ""
    values: Mapping[str, object] = field(default_factory=dict)


def problem_from(exc: PMBridgeError, *, leads: Mapping[int, str] = LEADS) -> Problem:
    """The hub's error: a sentence by its status (any 5xx from the SuperLink side reads as 502)."""
    status = 502 if exc.status in (502, 503, 504) else exc.status
    return Problem(leads.get(status, OTHER_LEAD), problem_of(exc))


@dataclass(frozen=True, slots=True)
class Choices:
    """The start form's choices beside its JSON, which it writes into the request: the model
    (``logistic`` or ``mlp``) with the MLP's hidden units, and secure aggregation."""

    model: str = "logistic"
    hidden_units: str = str(HIDDEN_UNITS["default"])
    secure: bool = False


def choices_of(body: object, posted: Mapping[str, object] | None = None) -> Choices:
    """The choices a request already makes (``body``, parsed), else those ``posted``, else none."""
    if isinstance(body, dict):
        units = body.get("hidden_units", HIDDEN_UNITS["default"])
        return Choices(
            "mlp" if body.get("model") == "mlp" else "logistic",
            str(units),
            body.get("secure_aggregation") is True,
        )
    if posted is None:
        return Choices()
    return Choices(
        "mlp" if posted.get("model") == "mlp" else "logistic",
        str(posted.get("hidden_units") or HIDDEN_UNITS["default"]),
        bool(posted.get("secure_aggregation")),
    )


def with_choices(body: Mapping[str, Any], posted: Mapping[str, object]) -> dict[str, Any]:
    """The request with the form's choices written in. A choice left as it is (logistic, no secure
    aggregation) leaves the request's own keys as written, so a survival or clustering request,
    which names no model, stays valid; anything the hub refuses, it names (e.g. hidden units "x")."""
    request = dict(body)
    if posted.get("model") == "mlp":
        request["model"] = "mlp"
        units = str(posted.get("hidden_units") or "").strip()
        if units:
            request["hidden_units"] = int(units) if units.isdecimal() else units
    if posted.get("secure_aggregation"):
        request["secure_aggregation"] = True
    return request


def _words() -> dict[str, object]:
    return {"states": STATES, "tasks": TASKS, "stages": STAGES, "statuses": STATUSES}


@router.get("/learning", response_class=HTMLResponse, include_in_schema=False)
async def learning_page(request: Request) -> HTMLResponse:
    return await _learning(request, body=EXAMPLE_REQUEST, choices=Choices())


@router.post("/learning", include_in_schema=False)
async def start_training(request: Request) -> Response:
    posted = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    text = posted.get("request", "")
    if not from_this_page(request, posted):
        return await _learning(
            request, body=text, choices=choices_of(None, posted), problem=Problem(STALE_FORM), status=403
        )
    try:
        found = json.loads(text)
    except json.JSONDecodeError as exc:
        values = {"line": exc.lineno, "column": exc.colno}
        problem = Problem(NOT_JSON, exc.msg, values)
        return await _learning(
            request, body=text, choices=choices_of(None, posted), problem=problem, status=400
        )
    if not isinstance(found, dict):
        choices = choices_of(None, posted)
        return await _learning(request, body=text, choices=choices, problem=Problem(NOT_OBJECT), status=400)
    body = with_choices(found, posted)
    if body != found:  # the form shows what it sent
        text = json.dumps(body, indent=2, ensure_ascii=False)
    try:
        async with hub_api(request) as client:
            started = await client.start_training(body)
    except PMBridgeError as exc:
        choices = choices_of(body)
        return await _learning(
            request, body=text, choices=choices, problem=problem_from(exc), status=exc.status
        )
    return RedirectResponse(f"/learning/{started.id}", status_code=303)


async def _learning(
    request: Request, *, body: str, choices: Choices, problem: Problem | None = None, status: int = 200
) -> HTMLResponse:
    enabled = hub_of(request).config.learning.enabled
    signed = passport_of(request) is not None
    trainings: list[Training] = []
    if signed and enabled:
        try:
            async with hub_api(request) as client:
                trainings = list((await client.trainings()).trainings)
                trainings[:DETAILED] = await asyncio.gather(
                    *(client.training(t.id) for t in trainings[:DETAILED])
                )
        except PMBridgeError as exc:
            problem = problem or problem_from(exc)
    rows = [
        {"training": t, "view": training_view(t), "detailed": i < DETAILED} for i, t in enumerate(trainings)
    ]
    return access_page(
        request,
        "learning.html",
        {
            **_words(),
            "rows": rows,
            "body": body,
            "choices": choices,
            "hidden_units": HIDDEN_UNITS,
            "enabled": enabled,
            "signed": signed,
            "refusal": "" if signed else SIGN_IN_FIRST,
            "off": LEARNING_OFF if not enabled else "",
            "problem": problem,
        },
        status=status,
    )


@router.get("/learning/{training_id}", response_class=HTMLResponse, include_in_schema=False)
async def training_page(request: Request, training_id: str) -> HTMLResponse:
    """The training; while it runs the page reloads itself every few seconds, unless ``?follow=0``."""
    following = request.query_params.get("follow") != "0"
    enabled = hub_of(request).config.learning.enabled
    signed = passport_of(request) is not None
    problem: Problem | None = None
    training: Training | None = None
    status = 200
    if not enabled:
        status = 404
    elif signed:
        try:
            async with hub_api(request) as client:
                training = await client.training(training_id)
        except PMBridgeError as exc:
            problem = problem_from(exc, leads={**LEADS, 404: NOT_YOURS})
            status = exc.status
    view = training_view(training) if training is not None else None
    return access_page(
        request,
        "learning_training.html",
        {
            **_words(),
            "training_id": training_id,
            "view": view,
            "signed": signed,
            "refusal": "" if signed else SIGN_IN_FIRST,
            "off": LEARNING_OFF if not enabled else "",
            "problem": problem,
            "running": training is not None and not training.done,
            "refresh": REFRESH_SECONDS if following and training is not None and not training.done else 0,
            "fewer_than_minimum": FEWER_THAN_MINIMUM,
        },
        status=status,
    )
