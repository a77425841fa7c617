"""The client's access requests against a real hub in-process (two real nodes, Rome with a steward):
a draft with each node's pre-check, submitted, read back, discussed, decided and granted; and the
hub's refusals raised as the right PM Bridge errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from pmbridge.client import AccessDetail, AsyncHubClient, HubClient, access_request_body
from pmbridge.errors import (
    AccessRequestError,
    NotAParty,
    PassportRejected,
    TransitionRefused,
    UnknownAccessRequest,
)
from pmbridge.node import NodeContext
from tests.client.access_network import STEWARD, access_hub
from tests.client.test_against_the_hub import Through

pytestmark = pytest.mark.anyio
UNTIL = date.today() + timedelta(days=200)


def draft(**changed: object) -> dict[str, object]:
    body = access_request_body(
        title="Seizures in the Rome and Shanghai cohorts",
        abstract="Phenotype frequencies in early-onset seizures.",
        datasets=[("eu-rome", "rome-rd"), ("cn-shanghai", "shanghai-rd")],
        until=UNTIL,
        name="Giulia Rossi",
        email="giulia.rossi@uni-roma.example",
        use="HMB",
        granularity="record",
        institution="uni-roma",
        organisation_type="non_profit",
    )
    return body | changed


@pytest.fixture
async def through(contexts: dict[str, NodeContext], network_root: Path) -> AsyncIterator[Through]:
    async with access_hub(contexts, network_root) as client:
        yield Through(client)


async def signed_in(through: Through, user: str) -> AsyncHubClient:
    client = AsyncHubClient("http://hub", transport=through)
    await client.sign_in(user)
    return client


@pytest.fixture
async def researcher(through: Through) -> AsyncIterator[AsyncHubClient]:
    async with await signed_in(through, "eu-researcher") as client:
        yield client


@pytest.fixture
async def steward(through: Through) -> AsyncIterator[AsyncHubClient]:
    async with await signed_in(through, STEWARD) as client:
        yield client


async def test_a_draft_carries_each_datasets_precheck_and_x1s_coarser_granularity(
    researcher: AsyncHubClient, through: Through
) -> None:
    created = await researcher.create_access_request(draft())
    assert created.state == "draft" and created.role == "researcher"
    assert created.steps.request == ["submit", "abandon"] and created.request.resources == []
    checks = created.request.draft.precheck
    rome, shanghai = checks["eu-rome/rome-rd"], checks["cn-shanghai/shanghai-rd"]
    assert (rome.verdict, rome.send, rome.granularity.sent) == ("APPROVE", True, "record")
    assert rome.duo.releases.duo.startswith("http://purl.obolibrary.org/obo/duo/releases/")
    x1 = next(r for r in shanghai.rules if r.rule == "X1")
    assert (x1.allowed, x1.instead) == (False, "count")
    assert shanghai.verdict in ("APPROVE", "DENY", "ABSTAIN")
    with HubClient("http://hub", transport=replaying(through.bodies[-1])) as blocking:
        assert blocking.access_request(created.id) == created  # one core: decoded the same


def replaying(body: bytes) -> httpx.MockTransport:
    return httpx.MockTransport(lambda _: httpx.Response(200, content=body))


async def test_a_submitted_request_is_read_back_discussed_and_decided(
    researcher: AsyncHubClient, steward: AsyncHubClient
) -> None:
    created = await researcher.create_access_request(draft())
    submitted = await researcher.access_step(created.id, "submit")
    assert submitted.state != "draft"
    rome = next(r for r in submitted.request.resources if r.node == "eu-rome")
    assert rome.state == "submitted" and rome.granularity == "record"
    assert rome.precheck is not None and rome.precheck.send
    assert [h.event for h in submitted.history][:1] == ["submit"]
    assert submitted.history[0].source == "draft" and submitted.history[0].target == "submitted"

    mine = await researcher.access_requests()
    assert created.id in [r.id for r in mine.requests] and mine.steward_of == []
    read = await researcher.access_request(created.id)
    assert read.request == submitted.request

    await steward.mark_read()
    posted = await researcher.post_access_message(rome.id, "Ethics approval CE-2026-114 attached soon.")
    assert (posted.resource, posted.role, posted.author) == (rome.id, "researcher", "eu-researcher")
    inbox = await steward.inbox()
    assert inbox.unread >= 1 and inbox.notifications[0].kind == "message"
    assert inbox.notifications[0].request == created.id and not inbox.notifications[0].read
    marked = await steward.mark_read([inbox.notifications[0].id])
    assert marked == {"marked": 1, "unread": inbox.unread - 1}

    queue = await steward.access_requests(steward=True)
    assert queue.steward_of == ["eu-rome"] and created.id in [r.id for r in queue.requests]
    seen = await steward.access_request(created.id)
    assert seen.role == "steward" and [r.node for r in seen.request.resources] == ["eu-rome"]
    assert "approve" in seen.steps.resources[rome.id]
    until = UNTIL - timedelta(days=30)
    approved = await steward.resource_step(rome.id, "approve", until=until)
    assert next(r for r in approved.request.resources if r.id == rome.id).state == "approved"
    (grant,) = [g for g in (await researcher.grants()).grants if g.resource == rome.id]
    assert (grant.dataset, grant.state, grant.until) == ("rome-rd", "active", until.isoformat())


async def test_an_attachment_is_listed_with_its_digest(researcher: AsyncHubClient) -> None:
    detail = await submitted_request(researcher)
    rome = next(r for r in detail.request.resources if r.node == "eu-rome")
    attached = await researcher.attach(
        rome.id, name="ethics.txt", media_type="text/plain", content=b"CE-2026-114"
    )
    assert (attached.size, attached.node, attached.media_type) == (11, "eu-rome", "text/plain")
    assert [a.id for a in (await researcher.access_request(detail.id)).attachments] == [attached.id]


async def test_an_attachment_comes_back_as_it_was_sent(researcher: AsyncHubClient) -> None:
    detail = await submitted_request(researcher)
    rome = next(r for r in detail.request.resources if r.node == "eu-rome")
    attached = await researcher.attach(
        rome.id, name="ethics.txt", media_type="text/plain", content=b"CE-2026-114"
    )
    assert await researcher.attachment(attached.id) == b"CE-2026-114"


def test_a_file_is_decoded_as_its_bytes_and_an_error_as_the_error() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("at-1"):
            return httpx.Response(200, content=b"%PDF-1.7", headers={"content-type": "application/pdf"})
        error = {"code": "unknown_access_request", "errorCode": 404, "errorMessage": "no attachment"}
        return httpx.Response(404, json={"error": error})

    with HubClient("http://hub", transport=httpx.MockTransport(answer)) as hub:
        assert hub.attachment("at-1") == b"%PDF-1.7"
        with pytest.raises(UnknownAccessRequest):
            hub.attachment("at-2")


async def submitted_request(researcher: AsyncHubClient) -> AccessDetail:
    created = await researcher.create_access_request(draft())
    return await researcher.access_step(created.id, "submit")


async def test_refusals_are_raised_as_their_classes(researcher: AsyncHubClient, through: Through) -> None:
    detail = await submitted_request(researcher)
    with pytest.raises(TransitionRefused) as refused:
        await researcher.access_step(detail.id, "submit")
    assert refused.value.status == 409 and refused.value.hint
    with pytest.raises(AccessRequestError) as bad:
        await researcher.create_access_request(draft(granularity="rows", until="someday"))
    assert "granularity" in bad.value.message and "until" in bad.value.message
    async with await signed_in(through, "cn-researcher") as other:
        with pytest.raises(NotAParty):
            await other.access_step(detail.id, "abandon")
        with pytest.raises(UnknownAccessRequest):  # another's request is not even shown to exist
            await other.access_request(detail.id)
    async with AsyncHubClient("http://hub", transport=through) as anonymous:
        with pytest.raises(PassportRejected):
            await anonymous.inbox()
