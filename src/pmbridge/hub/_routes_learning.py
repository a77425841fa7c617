"""``/api/learning/trainings``: start a federated training, follow it, read its model (docs/learning.md).

A training is charged to the researcher's privacy budget at each node, so every route needs a
signed-in researcher; each sees only the trainings they started.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from pmbridge.beacon import (
    BEACON_REQUEST_BODY,
    check_filters,
    error_responses,
    json_body,
    json_request_body,
    parse_body,
)
from pmbridge.hub._caller import hub_caller
from pmbridge.hub._context import hub_of
from pmbridge.hub._learning import Trainer
from pmbridge.learning import parse_training, training_schema

router = APIRouter(tags=["learning"])
TRAININGS = "/api/learning/trainings"
_START = json_request_body(training_schema(BEACON_REQUEST_BODY["properties"]["query"]), required=True)


def _trainer(request: Request) -> Trainer:
    who = hub_caller(request)
    return Trainer.of(who.caller.researcher, who.caller.purpose)


@router.post(
    TRAININGS, status_code=201, openapi_extra=_START, responses=error_responses(400, 401, 403, 404, 502)
)
async def start_training(request: Request) -> dict[str, object]:
    """Start a training: the request is checked, bound to your passport and purpose in a grant the
    hub signs, and run on the nodes that admit it (each applies its own policy, minimum count and
    ε budget)."""
    trainer = _trainer(request)
    spec = parse_training(await json_body(request))
    check_filters(parse_body({"query": dict(spec.cohort)}).filters)
    training = await hub_of(request).learning.start(trainer, spec)
    return dict(training.to_dict())


@router.get(TRAININGS, responses=error_responses(401, 404))
async def my_trainings(request: Request) -> dict[str, object]:
    """The trainings you started, newest first (without their rounds)."""
    trainer = _trainer(request)
    trainings = await run_in_threadpool(hub_of(request).learning.mine, trainer)
    return {"trainings": [t.to_dict() for t in trainings]}


@router.get(TRAININGS + "/{training_id}", responses=error_responses(401, 404))
async def one_training(request: Request, training_id: str) -> dict[str, object]:
    """One of your trainings: its state, each round's progress per node (or the rule a node refused
    it under), and, once finished, the model and its disclosure-checked validation."""
    trainer = _trainer(request)
    training = await run_in_threadpool(hub_of(request).learning.get, trainer, training_id)
    return dict(training.to_dict())
