"""A node's access-request endpoints: the pre-check of its datasets and its attachments."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest

from pmbridge.access._precheck import DatasetPrecheck
from pmbridge.node._attachments import MAX_BYTES
from pmbridge.vocab import Hpo, locate_data_dir
from tests.node import release_node
from tests.node.test_release_path import node
from tests.release import bearer, passport

pytestmark = pytest.mark.anyio

PDF = b"%PDF-1.7\n" + b"x" * 100
PRECHECK = {
    "purpose": {"category": "research", "use": "HMB", "commercial": False},
    "applicant": {"institution": "uni-roma", "organisationType": "non_profit"},
    "datasets": [{"id": "rel-cn", "granularity": "record"}, {"id": "nope", "granularity": "count"}],
    "on": "2026-12-06",
}


@pytest.fixture(scope="module")
def cn_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cn-access")
    release_node.build(root, release_node.CN, Hpo.load(locate_data_dir()))
    return root


def upload(name: str = "ethics.pdf", media: str = "application/pdf", data: bytes = PDF) -> dict[str, object]:
    content = base64.b64encode(data).decode()
    return {"request": "ar-1", "resource": "rs-1", "name": name, "mediaType": media, "content": content}


async def test_an_eu_researcher_is_sent_to_a_cn_dataset_at_count(cn_store: Path) -> None:
    async with node(cn_store, release_node.CN) as (client, _):
        reply = await client.post(
            "/api/access/precheck", json=PRECHECK, headers=bearer(passport("eu-1", country="IT"))
        )
    assert reply.status_code == 200, reply.text
    doc = reply.json()
    assert doc["node"] == "cn-rel"
    known, unknown = (DatasetPrecheck.from_wire(d) for d in doc["datasets"])
    assert known.send and known.sent is not None and known.sent.value == "count"
    assert known.releases.duo.endswith("2021-02-23/duo.owl")
    assert not unknown.send and "no dataset" in unknown.summary


async def test_a_bad_precheck_body_is_a_400_naming_the_key(cn_store: Path) -> None:
    async with node(cn_store, release_node.CN) as (client, _):
        reply = await client.post("/api/access/precheck", json={**PRECHECK, "purpose2": {}})
    assert reply.status_code == 400
    assert "purpose2" in reply.text


async def test_an_attachment_goes_up_and_comes_back(cn_store: Path) -> None:
    async with node(cn_store, release_node.CN) as (client, _):
        made = await client.post("/api/access/attachments", json=upload())
        assert made.status_code == 201, made.text
        meta = made.json()
        assert meta["sha256"] == hashlib.sha256(PDF).hexdigest() and meta["size"] == len(PDF)
        got = await client.get(f"/api/access/attachments/{meta['id']}")
    assert got.status_code == 200
    sent = got.json()  # JSON the node signs, as every reply to the hub
    assert base64.b64decode(sent["content"]) == PDF
    assert (sent["mediaType"], sent["name"], sent["sha256"]) == (
        "application/pdf",
        "ethics.pdf",
        meta["sha256"],
    )
    assert (cn_store / "attachments" / str(meta["id"])).read_bytes() == PDF


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (upload(data=b"%PDF-" + b"x" * MAX_BYTES), "5 MiB"),
        (upload(media="text/html"), "media type"),
        (upload(media="image/png"), "image/png"),
        (upload(data=b"MZ\x90\x00"), "application/pdf"),
        ({**upload(), "path": "/tmp"}, "'path'"),
    ],
    ids=["too-big", "bad-media-type", "magic-mismatch-png", "magic-mismatch-pdf", "unknown-key"],
)
async def test_a_bad_attachment_is_refused(cn_store: Path, body: dict[str, object], named: str) -> None:
    async with node(cn_store, release_node.CN) as (client, _):
        reply = await client.post("/api/access/attachments", json=body)
    assert reply.status_code == 400, reply.text
    assert named in reply.text


async def test_a_path_in_the_name_is_dropped(cn_store: Path) -> None:
    async with node(cn_store, release_node.CN) as (client, _):
        made = (await client.post("/api/access/attachments", json=upload(name="../../etc/passwd"))).json()
        got = await client.get(f"/api/access/attachments/{made['id']}")
    assert made["name"] == "passwd" and got.json()["name"] == "passwd"
    assert not (cn_store.parent / "etc").exists()


@pytest.mark.parametrize("attachment_id", ["at-0000000000000000", "..%2F..%2Fcontacts.sqlite", "x"])
async def test_an_unknown_attachment_is_404(cn_store: Path, attachment_id: str) -> None:
    async with node(cn_store, release_node.CN) as (client, _):
        reply = await client.get(f"/api/access/attachments/{attachment_id}")
    assert reply.status_code == 404


@pytest.mark.parametrize("path", ["/api/access/precheck", "/api/access/attachments"])
async def test_only_the_hub_may_call(cn_store: Path, path: str) -> None:
    async with node(cn_store, release_node.CN) as (client, _):
        reply = await client.post(path, json={}, auth=lambda request: request)  # no hub signature
    assert reply.status_code == 401
