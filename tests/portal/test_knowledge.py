"""The knowledge hub's pages over a real hub and its seeded knowledge base, in English and Chinese:
search with facets, entry pages with links both ways and the neighbourhood graph, and the roadmap,
where a knowledge-base steward (signed in with the demo broker's passport) changes a status."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from pmbridge.hub import parse_hub_config
from pmbridge.knowledge import DOMAIN_IDS
from pmbridge.network_app import create_network_app
from pmbridge.policy import DEMO_ISSUER, DEMO_STEWARD
from pmbridge.portal._context import Portal
from pmbridge.portal._sessions import SESSION_COOKIE
from pmbridge.signing import generate_key_pair, save_key_pair
from tests.portal.forms import post_account_form

pytestmark = pytest.mark.anyio

STEWARD_LABEL = f"{DEMO_STEWARD} ({DEMO_ISSUER})"
ACTION = "action:data-standards-adoption"


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """A hub with the seeded knowledge base, the demo broker, and its steward listed; no nodes."""
    save_key_pair(generate_key_pair(), directory=tmp_path / "keys", name="hub")
    doc = {
        "hub": {"id": "kb-hub", "state_dir": "state", "private_key": "keys/hub.key", "demo_broker": True},
        "knowledge": {"stewards": [{"issuer": DEMO_ISSUER, "subject": DEMO_STEWARD}]},
    }
    app = create_network_app(parse_hub_config(doc, where="test", base=tmp_path))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client,
    ):
        yield app, client


def entries(page: str, where: str = 'class="kb-hit"') -> list[str]:
    """The entry ids of the elements that carry ``where`` (search hits by default), in page order."""
    return re.findall(rf'<li {where} data-entry="([\w:-]+)"', page)


def element(page: str, start: str, end: str) -> str:
    """The text from the first ``start`` to the next ``end`` after it."""
    at = page.index(start)
    return page[at : page.index(end, at)]


def form_token(app: FastAPI, client: httpx.AsyncClient) -> str:
    portal = app.state.portal
    assert isinstance(portal, Portal)
    return portal.forms.token(client.cookies[SESSION_COOKIE])


async def sign_in(client: httpx.AsyncClient, user: str) -> None:
    signed = await post_account_form(client, "/account/sign-in", user=user)
    assert signed.status_code == 303 and SESSION_COOKIE in client.cookies


async def test_a_chinese_search_finds_the_pipl_with_its_names_in_both_languages(
    hub: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = hub
    reply = await client.get("/knowledge", params={"q": "个人信息保护法", "lang": "zh"})
    assert reply.status_code == 200
    page = reply.text
    assert '<html lang="zh-Hans">' in page and "<h1>知识中心</h1>" in page
    assert entries(page)[0] == "policy:pipl"
    hit = element(page, '<li class="kb-hit" data-entry="policy:pipl"', "</li>")
    assert ">《中华人民共和国个人信息保护法》</a>" in hit  # the page's language first
    assert '<span class="other-name" lang="en">Personal Information Protection Law' in hit
    assert 'data-type="Policy">政策</span>' in hit and "中国" in hit
    assert "医疗健康信息" in hit  # the Chinese summary
    assert 'aria-current="page">知识中心</a>' in page  # the header's entry for the section


async def test_an_english_search_finds_biobanks_and_facets_refine_it(
    hub: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = hub
    page = (await client.get("/knowledge", params={"q": "biobank", "lang": "en"})).text
    found = entries(page)
    assert {"stakeholder:bbmri-eric", "standard:iso-20387", "standard:miabis"} <= set(found)
    total = int(re.findall(r'data-total="(\d+)"', page)[0])
    assert total == len(found) and f"Entries 1–{total} of {total}" in page
    stakeholders = element(page, '<section class="kb-facet" data-facet="type"', "</section>")
    link = re.search(
        r'<a href="([^"]+)" data-value="Stakeholder">Stakeholder</a> <span[^>]*>(\d+)<', stakeholders
    )
    assert link is not None
    refined = (await client.get(html.unescape(link.group(1)))).text
    narrowed = entries(refined)
    assert len(narrowed) == int(link.group(2)) < total
    assert "stakeholder:bbmri-eric" in narrowed and all(e.startswith("stakeholder:") for e in narrowed)
    chip = element(refined, '<li class="chip" data-facet="type" data-value="Stakeholder"', "</li>")
    back = re.search(r'class="chip-remove" href="([^"]+)"', chip)
    assert back is not None and html.unescape(back.group(1)) == "/knowledge?q=biobank"
    assert 'name="type" value="Stakeholder"' in refined  # new words keep the filter


async def test_the_search_page_starts_with_suggestions_that_each_find_entries(
    hub: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = hub
    page = (await client.get("/knowledge", params={"lang": "en"})).text
    assert 'method="get" action="/knowledge"' in page and 'name="q"' in page  # works without JavaScript
    assert "Browse all 164 entries" in page and 'data-facet="jurisdiction"' in page
    suggestions = re.findall(r'<li><a href="(/knowledge\?q=[^"]+)" lang="[\w-]+">', page)
    assert len(suggestions) == 6
    for url in suggestions:
        assert entries((await client.get(html.unescape(url))).text), url


async def test_a_search_that_finds_nothing_says_what_to_try(hub: tuple[FastAPI, httpx.AsyncClient]) -> None:
    _, client = hub
    page = (await client.get("/knowledge", params={"q": "zebrafish", "type": "Policy", "lang": "en"})).text
    assert entries(page) == [] and "data-empty" in page
    assert "Nothing matches your search." in page
    assert 'href="/knowledge?q=zebrafish">Search again without the filters' in page
    chinese = (await client.get("/knowledge", params={"q": "斑马鱼", "lang": "zh"})).text
    assert "没有符合检索条件的条目。" in chinese and "去掉筛选条件" not in chinese
    unknown = await client.get("/knowledge", params={"q": "gdpr", "type": "Law", "lang": "en"})
    assert unknown.status_code == 400 and "unknown type or jurisdiction Law" in unknown.text
    assert "data-empty" not in unknown.text  # a wrong filter is not an empty result


async def test_an_entry_shows_its_facts_its_links_both_ways_and_its_graph(
    hub: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = hub
    reply = await client.get("/knowledge/policy:pipl", params={"lang": "en"})
    assert reply.status_code == 200
    page = reply.text
    assert '<h1 id="entry-title">Personal Information Protection Law of the PRC (PIPL)</h1>' in page
    assert '<p class="kb-subtitle other-name" lang="zh-Hans">《中华人民共和国个人信息保护法》</p>' in page
    assert '<time datetime="2021-11-01">Nov 1, 2021</time>' in page
    source = element(page, '<a class="external"', "</a>")
    assert 'href="https://www.gov.cn/xinwen/2021-08/20/content_5632486.htm"' in source
    assert 'rel="external noopener noreferrer"' in source and "↗" in source
    assert 'href="/knowledge?tag=cross-border%20transfer"' in page
    outgoing = element(page, 'data-relation="governs" data-direction="out"', "</section>")
    assert "governs" in outgoing and "规制" in outgoing and 'data-entry="stakeholder:cngb"' in outgoing
    incoming = element(page, 'data-relation="implements" data-direction="in"', "</section>")
    assert "implemented by" in incoming and "由其实施" in incoming
    assert 'data-entry="policy:cac-standard-contract"' in incoming
    related = re.findall(r'data-relation="relatedTo" data-direction="(\w+)"', page)
    assert related == ["out"]  # "related to" reads the same both ways: one group
    graph = (await client.get("/api/kb/graph/policy:pipl", params={"depth": 1})).json()
    svg = element(page, '<svg class="kb-graph-svg"', "</svg>")
    assert 'role="img"' in svg and '<title id="kb-graph-title">' in svg and '<desc id="kb-graph-desc">' in svg
    drawn = re.findall(r'<a href="/knowledge/([\w:-]+)" class="kb-dot', svg)
    assert sorted(drawn) == sorted(n["id"] for n in graph["nodes"])
    assert svg.count("<line ") == len(graph["edges"])
    listed = element(page, '<details class="kb-graph-list">', "</details>")
    assert sorted(re.findall(r'data-entry="([\w:-]+)"', listed)) == sorted(drawn[1:])


async def test_an_entry_in_chinese_and_its_two_step_neighbourhood(
    hub: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = hub
    page = (await client.get("/knowledge/policy:pipl", params={"lang": "zh", "depth": "2"})).text
    assert '<h1 id="entry-title">《中华人民共和国个人信息保护法》</h1>' in page
    assert "2021年11月1日" in page
    incoming = element(page, 'data-relation="implements" data-direction="in"', "</h3>")
    assert "由其实施" in incoming and '<span class="other-name" lang="en">implemented by</span>' in incoming
    graph = (await client.get("/api/kb/graph/policy:pipl", params={"depth": 2})).json()
    svg = element(page, '<svg class="kb-graph-svg"', "</svg>")
    assert 'data-depth="2"' in page
    assert sorted(re.findall(r'data-entry="([\w:-]+)" data-distance="2"', svg)) == sorted(
        n["id"] for n in graph["nodes"] if n["distance"] == 2
    )
    assert "与“《中华人民共和国个人信息保护法》”关联的条目" in svg


async def test_an_unknown_entry_is_a_404_page_with_a_search_box(
    hub: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = hub
    reply = await client.get("/knowledge/policy:nowhere", params={"lang": "en"})
    assert reply.status_code == 404 and reply.headers["content-type"].startswith("text/html")
    assert "<h1>Entry not found</h1>" in reply.text and 'name="q"' in reply.text


async def test_the_roadmap_lists_the_domains_their_actions_and_who_is_responsible(
    hub: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = hub
    english = (await client.get("/knowledge/roadmap", params={"lang": "en"})).text
    assert re.findall(r'<section class="kb-domain" id="[\w-]+" data-domain="([\w:-]+)"', english) == list(
        DOMAIN_IDS
    )
    api = (await client.get("/api/kb/roadmap")).json()
    actions = [a["id"] for d in api["domains"] for a in d["actions"]]
    assert (
        re.findall(r'<article class="card kb-action" id="[\w-]+" data-action="([\w:-]+)"', english) == actions
    )
    action = element(english, f'data-action="{ACTION}"', "</article>")
    assert 'data-status="proposed"' in action and "Status:" in action
    responsible = element(action, "data-responsible", "</dd>")
    assert re.findall(r'data-entry="(stakeholder:[\w-]+)"', responsible)
    assert '<tr data-by="seed">' in action  # its status history
    assert "kb-status-form" not in english  # nobody is signed in
    assert 'data-count="proposed"' in english
    chinese = (await client.get("/knowledge/roadmap", params={"lang": "zh"})).text
    assert "<h1>路线图</h1>" in chinese and ">已提出</span>" in chinese and ">负责方</dt>" in chinese


async def test_a_steward_changes_a_status_and_the_history_shows_who_and_why(
    hub: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = hub
    await sign_in(client, DEMO_STEWARD)
    page = (await client.get("/knowledge/roadmap", params={"lang": "en"})).text
    assert 'data-steward="yes"' in page and page.count('class="kb-status-form"') == page.count('kb-action"')
    token = form_token(app, client)
    assert f'name="token" value="{token}"' in page
    changed = await client.post(
        f"/knowledge/roadmap/{ACTION}/status?lang=en",
        data={"token": token, "status": "in-progress", "note": "pilot with three biobanks"},
    )
    assert changed.status_code == 303
    assert (
        changed.headers["location"]
        == f"/knowledge/roadmap?lang=en&changed={ACTION.replace(':', '%3A')}#kb-{ACTION.replace(':', '-')}"
    )
    after = (await client.get(changed.headers["location"])).text
    assert f'data-changed="{ACTION}"' in after and "is now in progress." in after
    action = element(after, f'data-action="{ACTION}"', "</article>")
    assert 'data-status="in-progress"' in action and '<details class="kb-history" open>' in action
    row = element(action, f'<tr data-by="{STEWARD_LABEL}">', "</tr>")
    assert (
        "pilot with three biobanks" in row
        and 'data-status="proposed"' in row
        and 'data-status="in-progress"' in row
    )
    view = (await client.get(f"/api/kb/entities/{ACTION}")).json()
    assert [(h["by"], h["to"], h["note"]) for h in view["history"]][-1] == (
        STEWARD_LABEL,
        "in-progress",
        "pilot with three biobanks",
    )
    entry = (await client.get(f"/knowledge/{ACTION}", params={"lang": "zh"})).text
    assert "pilot with three biobanks" in element(entry, 'data-table="history"', "</table>")
    finished = await client.post(
        f"/knowledge/roadmap/{ACTION}/status?lang=en", data={"token": token, "status": "finished"}
    )
    assert finished.status_code == 400 and "The hub did not change the status:" in finished.text
    assert "status" in element(finished.text, "data-refusal", "</div>")  # the hub's reason


async def test_a_researcher_who_is_not_a_steward_is_refused_with_a_clear_message(
    hub: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = hub
    anonymous = await client.post(f"/knowledge/roadmap/{ACTION}/status?lang=en", data={"status": "done"})
    assert anonymous.status_code == 401 and "Sign in as a knowledge-base steward" in anonymous.text
    await sign_in(client, "eu-researcher")
    page = (await client.get("/knowledge/roadmap", params={"lang": "en"})).text
    assert "kb-status-form" not in page
    assert "You are signed in as eu-researcher. Only knowledge-base stewards can change" in page
    refused = await client.post(
        f"/knowledge/roadmap/{ACTION}/status?lang=zh",
        data={"token": form_token(app, client), "status": "done", "note": "not mine to change"},
    )
    assert refused.status_code == 403
    alert = element(refused.text, "data-refusal", "</div>")
    assert (
        "您已登录，但不是本中心的知识库管理员" in alert and "eu-researcher" in alert
    )  # and the hub's reason
    view = (await client.get(f"/api/kb/entities/{ACTION}")).json()
    assert view["entity"]["status"] == "proposed" and len(view["history"]) == 1


async def test_a_status_form_without_its_session_token_changes_nothing(
    hub: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = hub
    await sign_in(client, DEMO_STEWARD)
    url = f"/knowledge/roadmap/{ACTION}/status?lang=en"
    for token in ("", "forged-token", form_token(app, client)[:-2] + "xx"):
        reply = await client.post(url, data={"token": token, "status": "stalled"})
        assert reply.status_code == 403
        assert "This form has expired or did not come from this page" in reply.text
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as other:
        await sign_in(other, DEMO_STEWARD)
        theirs = form_token(app, other)
    assert (await client.post(url, data={"token": theirs, "status": "stalled"})).status_code == 403
    view = (await client.get(f"/api/kb/entities/{ACTION}")).json()
    assert view["entity"]["status"] == "proposed"
