"""A hub with consensus organisers and mail set, in process, and helpers to run a Delphi study on it:
the organiser's passport, a panel's personal links read from the outbox, answers, rounds."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from pmbridge.hub import AccessTable, ConsensusTable, HubConfig
from pmbridge.hub._delivery_settings import SmtpSettings
from pmbridge.policy import DEMO_ISSUER
from tests.hub.lone_hub import LoneHub, lone_hub

ORGANISER = "eu-researcher"
STUDIES = "/api/consensus/studies"
LINK = re.compile(r"https://portal\.example/delphi/p/([A-Za-z0-9_\-]+)")


def consensus_config(config: HubConfig, *, mail: bool = True) -> HubConfig:
    """``config`` with the demo's EU researcher as organiser, mail to a local server, a public URL."""
    table = ConsensusTable.model_validate(
        {"organisers": [{"id": ORGANISER, "issuer": DEMO_ISSUER, "name": "Giulia Rossi"}]}
    )
    access = (
        AccessTable(smtp=SmtpSettings(host="127.0.0.1", port=1, starttls=False)) if mail else AccessTable()
    )
    public = replace(config.public_api, public_url="https://portal.example")
    return replace(config, consensus=table, access=access, public_api=public)


@asynccontextmanager
async def consensus_hub(root: Path, *, mail: bool = True) -> AsyncIterator[LoneHub]:
    async with lone_hub(root, lambda c: consensus_config(c, mail=mail)) as hub:
        yield hub


async def passport(client: httpx.AsyncClient, user: str = ORGANISER) -> dict[str, str]:
    token = (await client.post("/api/auth/token", json={"user": user})).json()["passport"]
    return {"Authorization": f"Bearer {token}"}


def store(root: Path) -> Path:
    return root / "hub-state" / "consensus.sqlite"


def links(root: Path, *, kind: str = "invitation") -> dict[str, str]:
    """Each panellist's latest personal link token of ``kind``, read from mail not yet sent."""
    with sqlite3.connect(store(root)) as con:
        rows = con.execute(
            "SELECT o.recipient, o.body FROM outbox o WHERE o.kind = ? ORDER BY o.created, o.rowid", (kind,)
        ).fetchall()
    found = {}
    for recipient, body in rows:
        match = LINK.search(body)
        if match:
            found[recipient] = match.group(1)
    return found


def texts(en: str, zh: str) -> dict[str, dict[str, str]]:
    return {"en": {"text": en, "provenance": "author"}, "zh": {"text": zh, "provenance": "machine"}}


def soon(minutes: int = 0) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()


async def draft_study(
    client: httpx.AsyncClient,
    headers: Mapping[str, str],
    *,
    groups: Mapping[str, int],
    items: Sequence[str] = ("it-a", "it-b"),
    rule: object = "comet",
    k: int = 3,
    **protocol: object,
) -> tuple[str, dict[str, list[str]]]:
    """A draft study with ``groups`` (id → panel size) and ``items``, its panel invited; the study id
    and each group's panellists' mail addresses."""
    body = {
        "title": {"en": "Core outcomes", "zh": "核心结局"},
        "description": {"en": "Which outcomes matter", "zh": "哪些结局重要"},
        "rule": rule,
        "k": k,
        **protocol,
    }
    reply = await client.post(STUDIES, json=body, headers=dict(headers))
    assert reply.status_code == 201, reply.text
    sid = reply.json()["study"]["id"]
    people: dict[str, list[str]] = {}
    for group, size in groups.items():
        added = await client.post(
            f"{STUDIES}/{sid}/groups",
            json={"id": group, "name": {"en": group, "zh": group}},
            headers=dict(headers),
        )
        assert added.status_code == 201, added.text
        people[group] = [f"{group}-{n}@panel.example" for n in range(size)]
    for item in items:
        added = await client.post(
            f"{STUDIES}/{sid}/items",
            json={"id": item, "texts": texts(f"Outcome {item}", f"结局 {item}"), "links": []},
            headers=dict(headers),
        )
        assert added.status_code == 201, added.text
    panel = [
        {"name": email.split("@")[0], "email": email, "group": group, "language": "zh" if n % 2 else "en"}
        for group, emails in people.items()
        for n, email in enumerate(emails)
    ]
    if panel:
        invited = await client.post(
            f"{STUDIES}/{sid}/panellists", json={"panellists": panel}, headers=dict(headers)
        )
        assert invited.status_code == 200, invited.text
    return sid, people


async def answer(
    client: httpx.AsyncClient,
    token: str,
    scores: Mapping[str, object],
    *,
    submit: bool = True,
    **extra: object,
) -> httpx.Response:
    answers = [{"item": item, "score": score} for item, score in scores.items()]
    return await client.put(
        "/api/consensus/panel/answers",
        json={"answers": answers, "submit": submit, **extra},
        headers={"X-Panel-Token": token},
    )
