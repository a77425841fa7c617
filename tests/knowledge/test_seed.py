"""The shipped seed: every file valid, at least 80 bilingual, sourced entries, and real lookups work."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from pmbridge.hub import create_hub_app
from pmbridge.knowledge import (
    DOMAIN_IDS,
    Entity,
    EntityType,
    KnowledgeBase,
    SearchQuery,
    ensure_seeded,
    load_files,
    read_jsonld,
    seed_files,
)

from .test_api import TOKEN, hub_config

CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    kb = KnowledgeBase(tmp_path_factory.mktemp("seed") / "knowledge.sqlite")
    assert ensure_seeded(kb) is not None
    return kb


def test_every_seed_file_is_a_valid_document() -> None:
    files = seed_files()
    assert files, "no src/pmbridge/knowledge/seed/*.jsonld"
    result = load_files(files)
    assert [str(p) for p in result.problems] == []
    for path in files:  # each file is a document of its own (links may cross files)
        entries, problems = read_jsonld(path)
        assert problems == []
        assert entries, path


def test_the_seed_has_at_least_80_bilingual_sourced_entries(seeded: KnowledgeBase) -> None:
    entities = seeded.entities()
    assert len(entities) >= 80
    for e in entities:
        assert e.name.en.strip() and e.name.zh.strip(), e.id
        assert e.summary.en.strip() and CJK.search(e.summary.zh), e.id
        assert e.url.startswith("https://"), e.id
    kinds = Counter(e.type for e in entities)
    assert set(kinds) == set(EntityType)


def test_every_roadmap_domain_has_actions_with_barriers_and_facilitators(seeded: KnowledgeBase) -> None:
    entities = seeded.entities()
    assert {e.id for e in entities if e.type is EntityType.DOMAIN} == set(DOMAIN_IDS)
    actions = [e for e in entities if e.type is EntityType.ACTION]
    for domain in DOMAIN_IDS:
        assert any(domain in a.targets("inDomain") for a in actions), domain
    assert any(a.targets("addressesBarrier") for a in actions)
    assert any(link.relation == "supports" for _, link in seeded.links())


def _is_pipl(e: Entity) -> bool:
    return e.type is EntityType.POLICY and e.jurisdiction == "CN" and "个人信息保护法" in e.name.zh


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("个人信息保护法", _is_pipl),
        ("PIPL", _is_pipl),
        (
            "精准医学",
            lambda e: e.type is EntityType.PROGRAMME and e.jurisdiction == "CN" and "精准医学" in e.name.zh,
        ),
        ("biobank", lambda e: e.id == "stakeholder:bbmri-eric"),
        ("BBMRI-ERIC", lambda e: e.id == "stakeholder:bbmri-eric"),
        ("GDPR", lambda e: e.id == "policy:gdpr"),
        ("通用数据保护条例", lambda e: e.id == "policy:gdpr"),
    ],
)
def test_real_lookups_find_the_expected_entry(
    seeded: KnowledgeBase, text: str, expected: Callable[[Entity], bool]
) -> None:
    hits = seeded.search(SearchQuery(text=text, limit=10)).hits  # on the first page
    found = seeded.find([h.id for h in hits])
    assert any(expected(found[h.id]) for h in hits), [h.id for h in hits]


@pytest.mark.anyio
async def test_a_new_hub_is_seeded_once(tmp_path: Path) -> None:
    config = hub_config(tmp_path, seed=True, steward_token=TOKEN)
    for start in range(2):
        app = create_hub_app(config)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client,
        ):
            body = (await client.get("/api/kb/search", params={"q": "PIPL"})).json()
            assert body["total"] >= 1
            roadmap = (await client.get("/api/kb/roadmap")).json()
            action = roadmap["domains"][0]["actions"][0]
            if start == 0:
                changed = await client.post(
                    f"/api/kb/actions/{action['id']}/status",
                    json={"status": "stalled", "steward": "test"},
                    headers={"Authorization": f"Bearer {TOKEN}"},
                )
                assert changed.status_code == 200
            else:  # the second start did not load the seed again over the steward's change
                assert action["status"] == "stalled"
