"""``AsyncHubClient``: the hub's API for asyncio code, such as the portal, which passes the hub's
app as an in-process ``httpx.ASGITransport``.

The same methods as :class:`~pmbridge.client.HubClient`, each built and decoded by the shared
core (``_calls``); only the sending awaits.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from types import TracebackType
from typing import TypeVar

import anyio
import httpx

from pmbridge.client import _calls
from pmbridge.client._access import (
    AccessAttachment,
    AccessDetail,
    AccessMessage,
    AccessRequestList,
    GrantList,
    Inbox,
)
from pmbridge.client._aggregates import Aggregates, CostEstimate
from pmbridge.client._analyses import AnalysisResult
from pmbridge.client._analysis_spec import analysis_body
from pmbridge.client._beacon import BeaconAnswer
from pmbridge.client._consensus_methods import AsyncConsensusMethods
from pmbridge.client._core import DEFAULT_TIMEOUT, Call, auth_headers, read_reply, unreachable
from pmbridge.client._knowledge import KnowledgeSearch
from pmbridge.client._matching import Matches, Ranking
from pmbridge.client._network import NodeList, SignIn
from pmbridge.client._requests import criteria_filters
from pmbridge.client._sync import BREAKDOWNS
from pmbridge.client._trainings import Training, TrainingList, following_timeout

__all__ = ["AsyncHubClient"]

T = TypeVar("T")


class AsyncHubClient(AsyncConsensusMethods):
    """As :class:`~pmbridge.client.HubClient`: a PM Bridge hub at ``url``, asked as the researcher whose
    GA4GH ``passport`` it carries (None: anonymous, the public tier) for ``purpose`` (the
    ``PMBridge-Purpose`` header; None: the hub's default, ``research``).

    Errors the hub answers with are raised as PM Bridge errors (``PolicyRefused``,
    ``PassportRejected``, ``DisclosureRefused``, …); a hub that cannot be reached, or answers in
    another shape, as ``UpstreamError``.
    """

    def __init__(
        self,
        url: str,
        *,
        passport: str | None = None,
        purpose: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """``transport``: e.g. ``httpx.ASGITransport(app=hub_app, client=(address, 0))`` to call an
        app in-process, as a client at ``address``."""
        self.url = url.rstrip("/")
        self.passport = passport
        self.purpose = purpose
        self._http = httpx.AsyncClient(base_url=self.url, timeout=timeout, transport=transport)

    async def __aenter__(self) -> AsyncHubClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def send(self, call: Call[T]) -> T:
        """Send one call and decode its answer (the other methods are made of this)."""
        where = f"{self.url}{call.path}"
        headers = auth_headers(passport=self.passport, purpose=self.purpose) | dict(call.headers)
        try:
            reply = await self._http.request(
                call.method, call.path, json=call.body, params=list(call.params), headers=headers
            )
        except httpx.HTTPError as exc:
            raise unreachable(where, exc) from None
        return read_reply(call, status=reply.status_code, content=reply.content, where=where)

    async def sign_in(self, user: str = "eu-researcher") -> SignIn:
        """A demo user's passport from the hub's demo broker; later calls carry it (``anonymous``:
        none, so later calls are anonymous)."""
        signed = await self.send(_calls.sign_in(user))
        self.passport = signed.passport
        return signed

    async def count(
        self,
        terms: Sequence[str] = (),
        *,
        gene: str | None = None,
        sex: str | None = None,
        min_age: float | None = None,
        max_age: float | None = None,
        filters: Sequence[Mapping[str, str]] = (),
        variant: Mapping[str, object] | None = None,
        entry: str = "individuals",
    ) -> BeaconAnswer:
        """How many individuals (or other ``entry``) match every criterion, per node and dataset."""
        found = criteria_filters(terms, gene=gene, sex=sex, min_age=min_age, max_age=max_age, filters=filters)
        return await self.send(_calls.beacon(entry, found, granularity="count", variant=variant))

    async def exists(
        self,
        terms: Sequence[str] = (),
        *,
        gene: str | None = None,
        sex: str | None = None,
        min_age: float | None = None,
        max_age: float | None = None,
        filters: Sequence[Mapping[str, str]] = (),
        variant: Mapping[str, object] | None = None,
        entry: str = "individuals",
    ) -> BeaconAnswer:
        """Whether any match, per node and dataset (boolean granularity: no number)."""
        found = criteria_filters(terms, gene=gene, sex=sex, min_age=min_age, max_age=max_age, filters=filters)
        return await self.send(_calls.beacon(entry, found, granularity="boolean", variant=variant))

    async def records(
        self,
        terms: Sequence[str] = (),
        *,
        gene: str | None = None,
        sex: str | None = None,
        min_age: float | None = None,
        max_age: float | None = None,
        filters: Sequence[Mapping[str, str]] = (),
        variant: Mapping[str, object] | None = None,
        entry: str = "individuals",
        skip: int = 0,
        limit: int | None = None,
    ) -> BeaconAnswer:
        """The matching records where the passport grants them (controlled access), else what the
        datasets release instead (``granularity`` of the answer says which)."""
        found = criteria_filters(terms, gene=gene, sex=sex, min_age=min_age, max_age=max_age, filters=filters)
        call = _calls.beacon(entry, found, granularity="record", variant=variant, skip=skip, limit=limit)
        return await self.send(call)

    async def aggregates(
        self,
        terms: Sequence[str] = (),
        *,
        breakdowns: Sequence[str] = BREAKDOWNS,
        filters: Sequence[Mapping[str, str]] = (),
    ) -> Aggregates:
        """Each dataset's released total and ``breakdowns`` (``sex``, ``ageBand``, ``phenotypeCategory``)."""
        return await self.send(
            _calls.aggregates(criteria_filters(terms, filters=filters), breakdowns=breakdowns)
        )

    async def analyse(
        self,
        spec: Mapping[str, object] | None = None,
        *,
        analysis: str | None = None,
        cohort: Sequence[str | Mapping[str, str]] | Mapping[str, object] | None = None,
        variables: Mapping[str, str | Mapping[str, str]] | None = None,
        formula: str | None = None,
        family: str | None = None,
        offset: str | None = None,
        weights: str | None = None,
        group: str | None = None,
        bin_days: int | None = None,
        ties: str | None = None,
        strata: str | None = None,
        variable: str | None = None,
        edges: Sequence[float] | None = None,
        quantiles: Sequence[float] | None = None,
        rows: str | None = None,
        columns: str | None = None,
    ) -> AnalysisResult:
        """One federated analysis (``summary``, ``crosstab``, ``glm``, ``km``, ``cox``) over the
        ``cohort`` (filter ids or dicts, or a Beacon query), given as ``spec`` (the hub's JSON) and/or
        keyword options (each overrides the spec; docs/client.md#analyses). Refusals raise
        ``DisclosureRefused`` / ``PolicyRefused`` with the ``rule`` and what to change."""
        body = analysis_body(
            spec,
            analysis=analysis,
            cohort=cohort,
            variables=variables,
            formula=formula,
            family=family,
            offset=offset,
            weights=weights,
            group=group,
            bin_days=bin_days,
            ties=ties,
            strata=strata,
            variable=variable,
            edges=edges,
            quantiles=quantiles,
            rows=rows,
            columns=columns,
        )
        return await self.send(_calls.analyse(body))

    async def cost(
        self,
        terms: Sequence[str] = (),
        *,
        breakdowns: Sequence[str] = BREAKDOWNS,
        filters: Sequence[Mapping[str, str]] = (),
    ) -> CostEstimate:
        """What :meth:`aggregates` with the same question would spend (ε per dataset); spends nothing."""
        return await self.send(_calls.cost(criteria_filters(terms, filters=filters), breakdowns=breakdowns))

    async def match(
        self,
        phenotypes: Sequence[str],
        *,
        excluded: Sequence[str] = (),
        gene: str | None = None,
        limit: int | None = None,
    ) -> Matches:
        """Patients like this one across the network: pseudonymous matches, or counts per score band."""
        return await self.send(_calls.match(phenotypes, excluded=excluded, gene=gene, limit=limit))

    async def rank(
        self,
        phenotypes: Sequence[str],
        *,
        excluded: Sequence[str] = (),
        gene: str | None = None,
        limit: int | None = None,
    ) -> Ranking:
        """Diseases that best explain the phenotypes (and gene), best first."""
        return await self.send(_calls.rank(phenotypes, excluded=excluded, gene=gene, limit=limit))

    async def search_knowledge(
        self,
        words: str = "",
        *,
        types: Sequence[str] = (),
        jurisdictions: Sequence[str] = (),
        lang: str = "en",
        limit: int = 20,
        offset: int = 0,
    ) -> KnowledgeSearch:
        """Knowledge-base entries (policies, standards, …) matching ``words`` in English or Chinese."""
        call = _calls.knowledge(
            words, types=types, jurisdictions=jurisdictions, lang=lang, limit=limit, offset=offset
        )
        return await self.send(call)

    async def nodes(self) -> NodeList:
        """Every registered node with its health right now."""
        return await self.send(_calls.nodes())

    async def create_access_request(self, body: Mapping[str, object]) -> AccessDetail:
        """A draft access request (:func:`~pmbridge.client.access_request_body`), stored with each
        dataset's pre-check by its node; nothing reaches a steward until :meth:`access_step` submits it."""
        return await self.send(_calls.create_access_request(body))

    async def access_requests(self, *, steward: bool = False) -> AccessRequestList:
        """Your access requests, newest first (``steward``: those at the nodes you steward)."""
        return await self.send(_calls.access_requests(steward=steward))

    async def access_request(self, request_id: str) -> AccessDetail:
        """One request with its messages, attachments, history, grants and the steps open to you."""
        return await self.send(_calls.access_request(request_id))

    async def access_step(self, request_id: str, event: str) -> AccessDetail:
        """The researcher's step: ``submit``, ``pause``, ``resume``, ``conclude`` or ``abandon``."""
        return await self.send(_calls.access_step(request_id, event))

    async def resource_step(
        self,
        resource_id: str,
        event: str,
        *,
        reason: str | None = None,
        conditions: str | None = None,
        until: date | str | None = None,
    ) -> AccessDetail:
        """A step on one dataset's negotiation: a steward's (``acknowledge``, ``return``,
        ``indicate_conditions``, ``approve``, ``decline``, ``revoke``) or the researcher's
        (``resubmit``, ``accept_conditions``, ``withdraw``)."""
        call = _calls.resource_step(resource_id, event, reason=reason, conditions=conditions, until=until)
        return await self.send(call)

    async def post_access_message(self, resource_id: str, text: str) -> AccessMessage:
        """A message to the other side of one dataset's negotiation."""
        return await self.send(_calls.post_access_message(resource_id, text))

    async def attach(
        self, resource_id: str, *, name: str, media_type: str, content: bytes
    ) -> AccessAttachment:
        """A file (PDF, text, PNG or JPEG, at most 5 MiB) for one dataset's negotiation, kept by its node."""
        return await self.send(_calls.attach(resource_id, name=name, media_type=media_type, content=content))

    async def attachment(self, attachment_id: str) -> bytes:
        """An attachment's file, fetched through the hub from the node that keeps it."""
        return await self.send(_calls.attachment(attachment_id))

    async def inbox(self, *, lang: str = "en") -> Inbox:
        """Your notifications, newest first, with how many are unread (``lang`` ``en`` or ``zh``)."""
        return await self.send(_calls.inbox(lang=lang))

    async def mark_read(self, ids: Sequence[str] | None = None) -> dict[str, int]:
        """Mark these notifications read (None: all); ``{"marked": n, "unread": m}``."""
        return await self.send(_calls.mark_read(ids))

    async def grants(self) -> GrantList:
        """Your grants from access requests: active, revoked or expired."""
        return await self.send(_calls.grants())

    async def start_training(self, body: Mapping[str, object]) -> Training:
        """Start a federated training from a declarative request (docs/learning.md#the-request); it
        runs on the nodes that admit it, each under its own privacy settings."""
        return await self.send(_calls.start_training(body))

    async def trainings(self) -> TrainingList:
        """Your trainings, newest first (without their rounds)."""
        return await self.send(_calls.trainings())

    async def training(self, training_id: str) -> Training:
        """One of your trainings: state, progress per round and node, and the model once finished."""
        return await self.send(_calls.training(training_id))

    async def follow_training(
        self,
        training_id: str,
        *,
        every: float = 1.0,
        timeout: float = 3_600.0,
        on_update: Callable[[Training], None] | None = None,
    ) -> Training:
        """Ask every ``every`` seconds until the training is finished or failed, calling
        ``on_update`` whenever a round was added; UpstreamError after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        seen: tuple[int, str] = (-1, "")
        while True:
            training = await self.training(training_id)
            if on_update is not None and (len(training.rounds), training.state) != seen:
                on_update(training)
            seen = (len(training.rounds), training.state)
            if training.done:
                return training
            if time.monotonic() + every > deadline:
                raise following_timeout(training, timeout)
            await anyio.sleep(every)

    async def request(
        self, method: str, path: str, *, json: object = None, params: Sequence[tuple[str, str]] = ()
    ) -> dict[str, object]:
        """Any other route (``GET /api/budget``, …): its JSON object; errors raised as above."""
        return await self.send(_calls.raw(method, path, body=json, params=params))
