"""What the knowledge pages ask the hub: its ``/api/kb`` endpoints, called in-process as the signed-in
researcher (see ``_sources``), with the HTTP status kept so a page can say what went wrong."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from fastapi import Request

from pmbridge.errors import PMBridgeError
from pmbridge.portal._sources import hub_api


@dataclass(frozen=True, slots=True)
class HubAnswer:
    """The hub's JSON answer and its status; ``problem`` is its error message when it failed."""

    status: int
    body: Mapping[str, object] = field(default_factory=dict)
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.status < 400


async def ask(
    request: Request,
    method: str,
    path: str,
    *,
    params: Sequence[tuple[str, str]] = (),
    body: object = None,
) -> HubAnswer:
    """The hub's answer to ``method path?params`` (``body`` as JSON); an error as its status (the
    one its code maps to) and its message."""
    try:
        async with hub_api(request) as client:
            return HubAnswer(200, await client.request(method, path, json=body, params=params))
    except PMBridgeError as exc:
        return HubAnswer(exc.status, problem=exc.message)


def entry_path(kind: str, entity_id: str) -> str:
    """``/api/kb/<kind>/<id>`` with the id quoted for a path (``policy:gdpr`` stays readable).

    >>> entry_path("entities", "policy:gdpr"), entry_path("graph", "a/b")
    ('/api/kb/entities/policy:gdpr', '/api/kb/graph/a%2Fb')
    """
    return f"/api/kb/{kind}/{quote(entity_id, safe=':')}"
