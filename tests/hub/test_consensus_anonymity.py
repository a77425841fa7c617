"""Anonymity of Delphi studies as properties (hypothesis), on the hub and portal served in process.

- Swap: two panellists of one group trade their whole answers and comments; everything the
  organiser can fetch (results, export, report, participation, comments) and every other
  panellist's next-round page comes out the same, and each of the two sees what the other saw.
- Blocks of k: no figure released to anyone (results, next-round feedback, export) describes
  fewer than k people, however the panel answers or leaves items blank.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from pmbridge.hub import HubReleaseSettings
from pmbridge.network_app import create_network_app
from tests.browser import served
from tests.e2e.delphi_run import normalised
from tests.hub.consensus_hub import LINK, ORGANISER, consensus_config, store
from tests.trust import hub_config

K = 3
ITEMS = ("it-a", "it-b", "it-c")
COMMENTS = ("Agree, with caveats.", "同意，但需要更多证据。", "Too vague to rate.")
Score = int | str | None
_SETTINGS = settings(
    max_examples=5,
    deadline=None,
    # an example runs whole studies (a second or more): shrinking one would take minutes, and the
    # failing panel is printed as it is
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass(frozen=True)
class Panel:
    """Each group's panellists' answers to ITEMS (None: left blank) and their comment on it-a."""

    answers: Mapping[str, Sequence[tuple[Score, ...]]]
    comments: Mapping[str, Sequence[str | None]]

    def swapped(self, group: str, i: int, j: int) -> Panel:
        def trade(values: Sequence[Any]) -> list[Any]:
            found = list(values)
            found[i], found[j] = found[j], found[i]
            return found

        return Panel(
            {g: trade(a) if g == group else list(a) for g, a in self.answers.items()},
            {g: trade(c) if g == group else list(c) for g, c in self.comments.items()},
        )


@dataclass
class Run:
    study: str
    audit_seq: int
    """The lock's entry in the hub's audit log: differs between two studies of one hub."""
    ids: dict[str, str] = field(default_factory=dict)
    """Panellist id → their e-mail address."""
    outputs: dict[str, str] = field(default_factory=dict)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    """E-mail address → the panellist's view of round 2."""

    def normalised(self, name: str) -> str:
        return normalised(
            self.outputs[name], study=self.study, people=self.ids, name=name, audit_seq=self.audit_seq
        )


@dataclass
class Hub:
    client: httpx.Client
    """The organiser's (with their passport)."""
    panel: httpx.Client
    """The panellists' (each call with its own X-Panel-Token)."""
    root: Path


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    root = tmp_path_factory.mktemp("anonymity")
    config = consensus_config(hub_config((), root, release=HubReleaseSettings(demo_broker=True)))
    with (
        served(create_network_app(config)) as url,
        httpx.Client(base_url=url, timeout=30) as client,
        httpx.Client(base_url=url, timeout=30) as panel,
    ):
        token = client.post("/api/auth/token", json={"user": ORGANISER}).json()["passport"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield Hub(client, panel, root)


def _ok(reply: httpx.Response) -> Any:
    assert reply.status_code in (200, 201), reply.text
    return reply.json() if reply.headers["content-type"].startswith("application/json") else reply.text


def _tokens(root: Path, study: str) -> dict[str, str]:
    """Each panellist's link token, from their invitation still in the outbox (the mail server of
    this hub never answers, so nothing is sent and the bodies stay)."""
    with sqlite3.connect(store(root)) as con:
        rows = con.execute(
            "SELECT recipient, body FROM outbox WHERE study = ? AND kind = 'invitation'", (study,)
        ).fetchall()
    found = {recipient: LINK.search(body) for recipient, body in rows}
    return {recipient: match.group(1) for recipient, match in found.items() if match}


def run_study(hub: Hub, panel: Panel) -> Run:
    """Round 1 answered as ``panel`` says and closed; round 2 opened; what everyone can fetch."""
    client, now = hub.client, datetime.now(UTC)
    body = {
        "title": {"en": "Anonymity", "zh": "匿名"},
        "description": {"en": "Swapped panellists", "zh": "交换的专家"},
        "rule": "comet",
        "k": K,
        "rounds": 2,
    }
    study = str(_ok(client.post("/api/consensus/studies", json=body))["study"]["id"])
    base = f"/api/consensus/studies/{study}"
    for group in panel.answers:
        _ok(client.post(f"{base}/groups", json={"id": group, "name": {"en": group, "zh": group}}))
    for item in ITEMS:
        texts = {"en": {"text": f"Statement {item}", "provenance": "author"}}
        texts["zh"] = {"text": f"陈述 {item}", "provenance": "machine"}
        _ok(client.post(f"{base}/items", json={"id": item, "texts": texts, "links": []}))
    people = [
        {"name": f"{g} {n}", "email": f"{g}-{n}@panel.example", "group": g, "language": ("en", "zh")[n % 2]}
        for g, answers in panel.answers.items()
        for n in range(len(answers))
    ]
    _ok(client.post(f"{base}/panellists", json={"panellists": people}))
    audit_seq = int(_ok(client.post(f"{base}/lock"))["audit_seq"])
    rounds = {"opens": now.isoformat(), "closes": (now + timedelta(days=2)).isoformat()}
    _ok(client.post(f"{base}/rounds", json=rounds))
    tokens = _tokens(hub.root, study)
    for group, answers in panel.answers.items():
        for n, scores in enumerate(answers):
            entries: list[dict[str, Any]] = [
                {"item": item, "score": score} for item, score in zip(ITEMS, scores, strict=True)
            ]
            comment = panel.comments[group][n]
            if comment is not None:
                language = "zh" if re.search("[\u4e00-\u9fff]", comment) else "en"
                entries[0]["comment"] = {"text": comment, "language": language}
            token = tokens[f"{group}-{n}@panel.example"]
            body = {"answers": entries, "submit": True}
            _ok(hub.panel.put("/api/consensus/panel/answers", json=body, headers={"X-Panel-Token": token}))
    _ok(client.post(f"{base}/rounds/1/close"))
    run = Run(study, audit_seq)
    participation = _ok(client.get(f"{base}/participation"))
    run.ids = {str(p["id"]): str(p["email"]) for p in participation["panellists"]}
    for name, tail in (
        ("results", "/results"),
        ("participation", "/participation"),
        ("comments", "/comments?round=1"),
        ("proposals", "/proposals"),
        ("export.csv", "/export.csv"),
        ("report-en", "/report?format=html&lang=en"),
        ("report-zh", "/report?format=html&lang=zh"),
    ):
        reply = client.get(base + tail)
        assert reply.status_code == 200, (tail, reply.text)
        run.outputs[name] = reply.text
    opened = client.post(f"{base}/rounds", json=rounds)
    if opened.status_code == 201:  # no round 2 when round 1 decided every item
        for email, token in tokens.items():
            reply = hub.panel.get("/api/consensus/panel", headers={"X-Panel-Token": token})
            run.views[email] = _ok(reply)
            run.outputs[f"panel/{email}"] = reply.text
    else:
        assert opened.json()["error"]["code"] in ("round_closed", "consensus_invalid"), opened.text
    return run


_SCORE = st.one_of(st.integers(1, 9), st.just("unable"), st.none())


@st.composite
def panels(draw: st.DrawFn, *, blanks: bool = True) -> Panel:
    score = _SCORE if blanks else st.one_of(st.integers(1, 9), st.just("unable"))
    sizes = draw(st.lists(st.integers(K, K + 2), min_size=2, max_size=3))
    answers = {
        f"g{n}": [draw(st.tuples(*[score] * len(ITEMS))) for _ in range(size)] for n, size in enumerate(sizes)
    }
    comments = {
        g: [draw(st.one_of(st.none(), st.sampled_from(COMMENTS))) for _ in people]
        for g, people in answers.items()
    }
    return Panel(answers, comments)


@_SETTINGS
@given(panel=panels(), data=st.data())
def test_two_panellists_swapping_their_answers_changes_nothing_anyone_else_sees(
    hub: Hub, panel: Panel, data: st.DataObject
) -> None:
    group = data.draw(st.sampled_from(sorted(panel.answers)))
    # two who answer in the same language (even places answer in English), so that their
    # participation and their pages' language agree and only their answers differ
    evens = st.sampled_from(range(0, len(panel.answers[group]), 2))
    i, j = data.draw(st.lists(evens, min_size=2, max_size=2, unique=True))
    first, second = f"{group}-{i}@panel.example", f"{group}-{j}@panel.example"
    before, after = run_study(hub, panel), run_study(hub, panel.swapped(group, i, j))
    assert set(before.outputs) == set(after.outputs)
    for name in before.outputs:
        if first in name or second in name:
            continue
        assert before.normalised(name) == after.normalised(name), name
    if before.views:  # each of the two sees, after the swap, what the other saw
        assert before.normalised(f"panel/{first}") == after.normalised(f"panel/{second}")
        assert before.normalised(f"panel/{second}") == after.normalised(f"panel/{first}")


def _blocks(doc: Any) -> Iterator[Mapping[str, Any]]:
    """Every released block in a results document or a panel view, wherever it sits."""
    if isinstance(doc, Mapping):
        if "counts" in doc and "respondents" in doc:
            yield doc
        for value in doc.values():
            yield from _blocks(value)
    elif isinstance(doc, list):
        for value in doc:
            yield from _blocks(value)


@_SETTINGS
@given(panel=panels())
def test_no_released_figure_describes_fewer_than_k_people(hub: Hub, panel: Panel) -> None:
    run = run_study(hub, panel)
    results = json.loads(run.outputs["results"])
    released = list(_blocks(results)) + [b for view in run.views.values() for b in _blocks(view)]
    small = [
        b for b in released if int(b["respondents"]) < K or sum(b["counts"]) + int(b.get("unable", 0)) < K
    ]
    assert small == [], small
    rows = list(csv.DictReader(io.StringIO(run.outputs["export.csv"])))
    people: dict[tuple[str, str], set[str]] = {}
    for row in rows:
        people.setdefault((row["round"], row["group"]), set()).add(row["code"])
    assert all(len(codes) >= K for codes in people.values()), people
    private = hub.client.get(f"/api/consensus/studies/{run.study}/ratings")
    assert private.status_code == 403 and private.json()["error"]["code"] == "ratings_private"
    assert not re.search(r'"(score|own_score|counts)"', run.outputs["participation"])
