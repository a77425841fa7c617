"""The lock of a Delphi study: what it fixes answers 409 study_locked afterwards, a group below k is
refused at lock, and a snapshot (or table) changed behind the hub's back is caught as lock_broken."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from pmbridge.audit import AuditEntry
from pmbridge.consensus import snapshot_digest
from tests.hub.consensus_hub import STUDIES, consensus_hub, draft_study, passport, soon, store, texts

pytestmark = pytest.mark.anyio


async def _locked(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    sid, _ = await draft_study(client, headers, groups={"clin": 3, "pat": 3}, k=3)
    reply = await client.post(f"{STUDIES}/{sid}/lock", headers=headers)
    assert reply.status_code == 200, reply.text
    return sid


async def test_after_the_lock_every_change_to_what_it_fixed_is_refused(tmp_path: Path) -> None:
    async with consensus_hub(tmp_path) as hub:
        org = await passport(hub.client)
        sid = await _locked(hub.client, org)
        before = (await hub.client.get(f"{STUDIES}/{sid}", headers=org)).json()["study"]
        changes = [
            ("PUT", f"{STUDIES}/{sid}/rule", {"rule": "panel_70"}),
            ("PUT", f"{STUDIES}/{sid}/rule", {"k": 2}),
            ("POST", f"{STUDIES}/{sid}/groups", {"id": "new", "name": {"en": "New", "zh": "新"}}),
            ("POST", f"{STUDIES}/{sid}/items", {"texts": texts("Another", "另一个"), "links": []}),
            ("PUT", f"{STUDIES}/{sid}/items/it-a/texts/zh", {"text": "改", "provenance": "reviewed"}),
            ("POST", f"{STUDIES}/{sid}/lock", None),
        ]
        for method, url, body in changes:
            reply = await hub.client.request(method, url, json=body, headers=org)
            assert reply.status_code == 409, (url, reply.text)
            error = reply.json()["error"]
            assert error["code"] == "study_locked" and "start a new study" in error["hint"]
        after = (await hub.client.get(f"{STUDIES}/{sid}", headers=org)).json()["study"]
        assert after == before

        # the panel may still grow until round 1 opens, then it is fixed too
        more = {
            "panellists": [{"name": "Late", "email": "late@panel.example", "group": "pat", "language": "en"}]
        }
        assert (
            await hub.client.post(f"{STUDIES}/{sid}/panellists", json=more, headers=org)
        ).status_code == 200
        opened = await hub.client.post(
            f"{STUDIES}/{sid}/rounds", json={"opens": soon(), "closes": soon(60)}, headers=org
        )
        assert opened.status_code == 201
        more["panellists"][0]["email"] = "later@panel.example"
        late = await hub.client.post(f"{STUDIES}/{sid}/panellists", json=more, headers=org)
        assert late.status_code == 409 and late.json()["error"]["code"] == "study_locked"


async def test_a_group_smaller_than_k_is_refused_at_lock_naming_the_group_and_the_fix(tmp_path: Path) -> None:
    async with consensus_hub(tmp_path) as hub:
        org = await passport(hub.client)
        sid, _ = await draft_study(hub.client, org, groups={"clin": 5, "pat": 2}, k=3)
        reply = await hub.client.post(f"{STUDIES}/{sid}/lock", headers=org)
        assert reply.status_code == 409
        error = reply.json()["error"]
        assert error["code"] == "group_too_small" and "pat (2)" in error["errorMessage"]
        assert "merge" in error["hint"] and "lower k" in error["hint"]
        assert (await hub.client.get(f"{STUDIES}/{sid}", headers=org)).json()["study"]["state"] == "draft"
        # lowering k in the draft is the fix the hint names
        assert (await hub.client.put(f"{STUDIES}/{sid}/rule", json={"k": 2}, headers=org)).status_code == 200
        assert (await hub.client.post(f"{STUDIES}/{sid}/lock", headers=org)).status_code == 200


async def test_a_study_without_both_languages_cannot_be_locked(tmp_path: Path) -> None:
    async with consensus_hub(tmp_path) as hub:
        org = await passport(hub.client)
        sid, _ = await draft_study(hub.client, org, groups={"clin": 3}, k=3)
        await hub.client.put(
            f"{STUDIES}/{sid}/rule", json={"title": {"en": "Only English", "zh": ""}}, headers=org
        )
        reply = await hub.client.post(f"{STUDIES}/{sid}/lock", headers=org)
        assert reply.status_code == 400 and "no zh text" in reply.json()["error"]["errorMessage"]


async def test_the_lock_is_audited_and_verify_checks_it(tmp_path: Path) -> None:
    async with consensus_hub(tmp_path) as hub:
        org = await passport(hub.client)
        sid, _ = await draft_study(hub.client, org, groups={"clin": 3}, k=3)
        locked = (await hub.client.post(f"{STUDIES}/{sid}/lock", headers=org)).json()
        entries = [json.loads(line) for line in hub.audit_log.read_text().splitlines()]
        (entry,) = [e for e in entries if e["rule"] == "consensus.lock"]
        assert entry["seq"] == locked["audit_seq"] and entry["query"] == sid
        assert entry["released"] == {"digest": locked["digest"], "items": 2, "groups": 1, "k": 3}
        assert entry["actor"].startswith("eu-researcher (")
        verified = (await hub.client.get(f"{STUDIES}/{sid}/verify", headers=org)).json()
        assert verified["ok"] is True and verified["digest"] == locked["digest"]
        assert verified["audit_seq"] == locked["audit_seq"]


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE studies SET lock_snapshot = replace(lock_snapshot, '\"k\":3', '\"k\":2')",
        "UPDATE studies SET lock_snapshot = replace(lock_snapshot, '\"k\":3', '\"k\":2'), "
        "lock_digest = 'sha256:' || lower(hex(randomblob(32)))",
        "UPDATE items SET texts = replace(texts, 'Outcome it-a', 'Outcome changed') WHERE id = 'it-a'",
        "UPDATE studies SET protocol = replace(protocol, '\"k\": 3', '\"k\": 2')",
        "UPDATE studies SET lock_audit_seq = lock_audit_seq - 1",
    ],
    ids=["snapshot", "snapshot-and-digest", "item-text", "protocol", "audit-seq"],
)
async def test_a_store_changed_behind_the_hub_s_back_breaks_the_lock(tmp_path: Path, tamper: str) -> None:
    async with consensus_hub(tmp_path) as hub:
        org = await passport(hub.client)
        sid = await _locked(hub.client, org)
        opened = await hub.client.post(
            f"{STUDIES}/{sid}/rounds", json={"opens": soon(), "closes": soon(60)}, headers=org
        )
        assert opened.status_code == 201
        with sqlite3.connect(store(tmp_path)) as con:
            assert con.execute(tamper).rowcount == 1
        for url in (f"{STUDIES}/{sid}/results", f"{STUDIES}/{sid}", f"{STUDIES}/{sid}/rounds/1/close"):
            reply = await (hub.client.post if url.endswith("close") else hub.client.get)(url, headers=org)
            assert reply.status_code == 409, (url, reply.text)
            assert reply.json()["error"]["code"] == "lock_broken"
        verified = (await hub.client.get(f"{STUDIES}/{sid}/verify", headers=org)).json()
        assert verified["ok"] is False and verified["reason"]


async def test_an_audit_entry_rewritten_with_its_own_hash_does_not_pass_for_the_lock(tmp_path: Path) -> None:
    """The review's repro: k changed 3 → 2 in the store, and the lock's audit line rewritten to the
    new digest with its hash recomputed. Without the hub's key the line cannot be signed again, and
    the next entry still chains to the old hash: verify and every status refuse it."""
    async with consensus_hub(tmp_path) as hub:
        org = await passport(hub.client)
        sid = await _locked(hub.client, org)
        seq = (await hub.client.get(f"{STUDIES}/{sid}", headers=org)).json()["study"]["lock"]["audit_seq"]
        with sqlite3.connect(store(tmp_path)) as con:
            raw_protocol, raw_snapshot = con.execute(
                "SELECT protocol, lock_snapshot FROM studies WHERE id = ?", (sid,)
            ).fetchone()
            protocol, locked = json.loads(raw_protocol), json.loads(raw_snapshot)
            protocol["k"], locked["protocol"]["k"] = 2, 2
            forged = json.dumps(locked, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            digest = snapshot_digest(forged)
            con.execute(
                "UPDATE studies SET protocol = ?, lock_snapshot = ?, lock_digest = ? WHERE id = ?",
                (json.dumps(protocol), forged, digest, sid),
            )
        lines = hub.audit_log.read_text().splitlines()
        for at, line in enumerate(lines):
            entry = AuditEntry.from_json(json.loads(line))
            if entry.seq == seq:
                entry = replace(entry, released={**entry.released, "k": 2, "digest": digest})
                lines[at] = replace(entry, hash=entry.expected_hash()).line().decode().rstrip("\n")
        hub.audit_log.write_text("\n".join(lines) + "\n")
        verified = (await hub.client.get(f"{STUDIES}/{sid}/verify", headers=org)).json()
        assert verified["ok"] is False and "sealed by this hub's key" in verified["reason"]
        reply = await hub.client.get(f"{STUDIES}/{sid}", headers=org)
        assert reply.status_code == 409 and reply.json()["error"]["code"] == "lock_broken"
