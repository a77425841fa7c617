"""The Learning pages in both languages: one's trainings and the form that starts one (with its
model, hidden units and secure aggregation), a training's rounds by node (with a node that sat out
under X4), its model and validation once finished (a neural network's in words, each survival
interval's and class's AUROC), the network's figures the hub withheld and why, the hub's refusals in
the page's words, a visitor, a hub without learning; and the pages in a real browser.

Trainings are written straight into the hub's own record (``trainings.sqlite``), as the ServerApp
does; a started training never reaches a SuperLink: the hub's run starter is replaced.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from playwright.sync_api import expect, sync_playwright

from pmbridge.client import Training
from pmbridge.errors import NotFound, PassportRejected, QueryError, UpstreamError
from pmbridge.flower._trainings import TRAININGS_FILE, RoundRow, TrainingRecord
from pmbridge.hub import HubLearningSettings
from pmbridge.learning import parse_training, spec_to_wire
from pmbridge.node import NodeContext
from pmbridge.policy import DEMO_ISSUER
from pmbridge.portal._learning_view import EXAMPLE_REQUEST, training_view
from pmbridge.portal._routes_learning import HIDDEN_UNITS, LEADS, NOT_YOURS, problem_from
from tests.browser import ARGS, CHROMIUM, require_chromium, served
from tests.portal import network
from tests.portal.forms import post_account_form

pytestmark = pytest.mark.anyio

LEARNING = HubLearningSettings(enabled=True, control="127.0.0.1:9")
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
NODES = ("eu-rome", "cn-shanghai", "eu-down")
BINARY = {
    "task": "binary",
    "features": ["male", "age", "tat"],
    "label": "favourable",
    "variables": {"tat": {"gene": "TAT"}, "favourable": {"response": "CHEBI:9168"}},
    "rounds": 3,
}
CLUSTERING = {"task": "clustering", "features": ["male", "age"], "clusters": 3, "rounds": 2}
MODEL = {
    "kind": "logistic",
    "features": ["male", "age", "tat"],
    "weights": [[-0.25], [0.5], [1.125], [-0.75]],
}
METRICS = {"auroc": 0.7123, "calibration": [[0.25, 0.125, 40], [0.75, 0.625, 16]], "validation_people": 56}
X4_REASON = "refused by rule X4: genetic-derived output for a researcher abroad needs an HGR filing"
MLP = {**BINARY, "model": "mlp", "hidden_units": 4}
MLP_MODEL = {"kind": "mlp", "array": [0.125] * 21}  # (3 features + 1) × 4 units + (4 + 1) × 1 output
FEW_ROUNDS = "fewer than 3 nodes contributed to every round"  # flower/_hub_rounds.py's words
FEW_VALIDATIONS = "fewer than 3 nodes released a validation"
SURVIVAL = {"task": "survival", "features": ["male", "age"], "intervals": [365, 730, 1825], "rounds": 2}
MULTICLASS = {
    "task": "multiclass",
    "features": ["age"],
    "labels": ["male", "mild", "severe"],
    "variables": {"mild": {"phenotype": "HP:0012825"}, "severe": {"phenotype": "HP:0012828"}},
    "rounds": 2,
}


@pytest.fixture
async def app(contexts: dict[str, NodeContext], network_root: Path) -> AsyncIterator[FastAPI]:
    """The test hub with learning on; its run starter answers Flower run 7 without a SuperLink."""
    made = network.network_app(contexts, network_root, learning=LEARNING)
    async with made.router.lifespan_context(made):
        made.state.hub.learning.starter = lambda control, config: 7
        yield made


@asynccontextmanager
async def browser_of(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client:
        yield client


@pytest.fixture
async def learning(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with browser_of(app) as client:
        yield client


async def sign_in(portal: httpx.AsyncClient, user: str = "eu-researcher") -> None:
    assert (await post_account_form(portal, "/account/sign-in", user=user)).status_code == 303


def record(app: FastAPI) -> TrainingRecord:
    return TrainingRecord(app.state.hub.config.state_dir / TRAININGS_FILE)


def new_training(
    app: FastAPI, training_id: str, request: Mapping[str, Any] = BINARY, *, researcher: str = "eu-researcher"
) -> TrainingRecord:
    found = record(app)
    spec = spec_to_wire(parse_training(dict(request)))
    found.create(
        id=training_id, researcher=researcher, issuer=DEMO_ISSUER, purpose="research", spec=spec,
        nodes=NODES, now=NOW,
    )  # fmt: skip
    return found


def finished_binary(app: FastAPI, training_id: str) -> None:
    """Three rounds at Rome and for the network, Shanghai refused under X4, Berlin never answered."""
    trainings = new_training(app, training_id)
    for r in (1, 2, 3):
        trainings.add_round(training_id, RoundRow(r, "eu-rome", "train", "ok", {"people": 72}), now=NOW)
        refusal = {"rule": "X4", "reason": X4_REASON}
        trainings.add_round(training_id, RoundRow(r, "cn-shanghai", "train", "refused", refusal), now=NOW)
        trainings.add_round(training_id, RoundRow(r, "", "train", "ok", {"trained": 1}), now=NOW)
    trainings.add_round(training_id, RoundRow(3, "eu-rome", "evaluate", "ok", {"people": 18}), now=NOW)
    trainings.finish(training_id, model=MODEL, metrics=METRICS, now=NOW)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_a_visitor_is_asked_to_sign_in_and_the_header_links_the_pages(
    learning: httpx.AsyncClient,
) -> None:
    for lang, words, nav in (
        ("en", "Sign in to see your trainings", "Learning"),
        ("zh", "请登录以查看和发起训练", "联邦学习"),
    ):
        page = await learning.get("/learning", params={"lang": lang})
        assert page.status_code == 200 and words in page.text
        assert f'<a href="/learning" aria-current="page">{nav}</a>' in page.text
        assert "data-training-form" not in page.text
        one = await learning.get("/learning/abc", params={"lang": lang})
        assert one.status_code == 200 and words in one.text
        assert f'<a href="/learning" aria-current="page">{nav}</a>' in one.text  # a section


async def test_a_hub_without_learning_says_so_in_both_languages(portal: httpx.AsyncClient) -> None:
    await sign_in(portal)
    for lang, words in (("en", "does not offer federated learning"), ("zh", "本中心未提供联邦学习")):
        page = await portal.get("/learning", params={"lang": lang})
        assert page.status_code == 200 and words in page.text and "data-learning-off" in page.text
        assert "data-training-form" not in page.text
        one = await portal.get("/learning/abc", params={"lang": lang})
        assert one.status_code == 404 and words in one.text


async def test_the_form_starts_a_training_and_its_page_follows_it(learning: httpx.AsyncClient) -> None:
    await sign_in(learning)
    form = (await learning.get("/learning", params={"lang": "en"})).text
    assert "data-training-form" in form and '"favourable": {"response": "CHEBI:9168"}' in html.unescape(form)
    token = re.search(r'name="token" value="([^"]+)"', form)
    assert token is not None
    started = await learning.post("/learning", data={"token": token.group(1), "request": EXAMPLE_REQUEST})
    assert started.status_code == 303, started.text[:2000]
    location = started.headers["location"]
    assert re.fullmatch(r"/learning/[0-9a-f]{32}", location)
    page = await learning.get(location, params={"lang": "zh"})
    assert page.status_code == 200
    assert '<meta http-equiv="refresh" content="5">' in page.text  # not finished: follows itself
    assert 'data-state="started"' in page.text and "已开始" in page.text
    assert "第 0 轮，共 20 轮" in page.text and "尚无节点报告任何一轮" in page.text
    assert "<code>tat</code>" in page.text and "二分类结局（逻辑回归）" in page.text
    listed = (await learning.get("/learning", params={"lang": "en"})).text
    assert f'data-training="{location.rsplit("/", 1)[1]}"' in listed and "0 of 20" in listed
    still = (await learning.get(location, params={"lang": "en", "follow": "0"})).text
    assert "http-equiv" not in still and '<a href="?follow=1">' in still  # the reader stopped it


async def test_the_hubs_refusals_show_in_the_pages_language(
    learning: httpx.AsyncClient, app: FastAPI
) -> None:
    await sign_in(learning)
    token = re.search(r'name="token" value="([^"]+)"', (await learning.get("/learning")).text)
    assert token is not None

    async def post(text: str, lang: str) -> httpx.Response:
        return await learning.post(
            "/learning", params={"lang": lang}, data={"token": token.group(1), "request": text}
        )

    broken = await post('{"task": "binary",\n "rounds": }', "zh")
    assert broken.status_code == 400 and "请求不是有效的 JSON：请检查第 2 行第 12 列" in broken.text
    assert "{&#34;task&#34;: &#34;binary&#34;," in broken.text  # the text kept as written
    assert "必须是一个 JSON 对象" in (await post("[1, 2]", "zh")).text
    epsilon = await post('{"task": "binary", "features": ["age"], "label": "male", "epsilon": 9}', "en")
    assert epsilon.status_code == 400
    assert "The hub did not take the training request:" in epsilon.text
    assert "unknown key(s): epsilon" in epsilon.text  # the hub's words, with its hint

    def unreachable(control: str, config: object) -> int:
        raise UpstreamError(
            "the SuperLink at 127.0.0.1:9 refused the run: connection refused", hint="see its log"
        )

    app.state.hub.learning.starter = unreachable
    down = await post(EXAMPLE_REQUEST, "zh")
    assert down.status_code == 502 and "中心无法连接其联邦学习服务器（SuperLink）" in down.text
    assert "could not be started" in down.text
    failed = re.findall(
        r'<tr data-training="(\w+)">\s*<th[^>]*>.*?</th>\s*<td>[^<]*</td>\s*<td data-state="failed">',
        down.text,
    )
    assert failed, "the training the SuperLink never started is listed as failed"
    page = (await learning.get(f"/learning/{failed[0]}", params={"lang": "zh"})).text
    assert "训练失败：" in page and "connection refused" in page and "http-equiv" not in page
    stale = await learning.post(
        "/learning", params={"lang": "en"}, data={"token": "forged", "request": EXAMPLE_REQUEST}
    )
    assert stale.status_code == 403 and "This form has expired" in stale.text


def test_each_status_of_the_hub_has_its_sentence() -> None:
    rejected = PassportRejected("expired", "the passport expired", hint="sign in again")
    assert problem_from(rejected).lead == LEADS[401]
    assert problem_from(NotFound("hub h does not offer federated learning")).lead == LEADS[404]
    assert problem_from(NotFound("no training"), leads={**LEADS, 404: NOT_YOURS}).lead == NOT_YOURS
    gone = problem_from(UpstreamError("down", hint="check it"))
    assert gone.lead == LEADS[502] and gone.detail == "down. check it"


async def test_a_finished_training_shows_rounds_refusal_model_and_validation(
    learning: httpx.AsyncClient, app: FastAPI
) -> None:
    finished_binary(app, "f" * 32)
    await sign_in(learning)
    en = await learning.get(f"/learning/{'f' * 32}", params={"lang": "en"})
    assert en.status_code == 200
    page = en.text
    assert "http-equiv" not in page  # finished: no refresh
    assert 'data-progress="3/3"' in page and "Round 3 of 3" in page
    assert 'data-state="finished"' in page
    found = re.search(r'<tr data-round="2" data-stage="train">(.*?)</tr>', page, re.S)
    assert found is not None
    cells = text_of(found.group(1).replace("<td", "| <td"))
    assert cells.split("|")[1:] == [" took part people 72 ", " sat out (X4) ", " — ", " took part trained 1 "]
    assert 'data-node="cn-shanghai" data-status="refused"' in found.group(1)
    assert "Shanghai Biobank: Refused by the rule X4:" in text_of(page)
    assert "Shanghai Biobank keeps genetic data at home" in page and X4_REASON in page
    assert re.search(r'data-term="intercept"><th scope="row">intercept</th><td class="num">−0.250</td>', page)
    assert re.search(
        r'data-term="tat"><th scope="row"><code>tat</code></th><td class="num">−0.750</td>', page
    )
    assert 'data-auroc="0.712"' in page and "People held out for validation: 56" in page
    assert '<td class="num">0.750</td><td class="num">0.625</td><td class="num">16</td>' in page
    assert 'data-chart="calibration"' in page and page.count("data-bin") == 2
    zh = (await learning.get(f"/learning/{'f' * 32}", params={"lang": "zh"})).text
    assert "第 3 轮，共 3 轮" in zh and "已完成" in zh and "未参与 (X4)" in zh
    assert "根据中国人类遗传资源管理规定，Shanghai Biobank 不向境外研究人员提供遗传数据" in zh
    assert '<th scope="row">截距</th>' in zh and "AUROC（ROC 曲线下面积）: 0.712" in zh
    assert "留作验证的人数：56" in zh and "校准：预测风险与观察到的发生率" in zh
    listed = (await learning.get("/learning", params={"lang": "en"})).text
    row = re.search(rf'<tr data-training="{"f" * 32}">(.*?)</tr>', listed, re.S)
    assert row is not None
    assert "3 of 3" in row.group(1) and "data-auroc>0.712<" in row.group(1)
    assert 'data-sat-out="cn-shanghai">Shanghai Biobank (<abbr' in row.group(1)


async def test_a_cluster_below_the_minimum_count_is_never_a_number(
    learning: httpx.AsyncClient, app: FastAPI
) -> None:
    trainings = new_training(app, "c" * 32, CLUSTERING)
    trainings.add_round("c" * 32, RoundRow(2, "eu-rome", "train", "ok", {}), now=NOW)
    model = {
        "kind": "kmeans",
        "centroids": [[0.25, 0.5], [0.75, 0.125], [0.5, 0.875]],
        "sizes": [61, None, 23],
    }
    trainings.finish("c" * 32, model=model, metrics={"min_count": 5}, now=NOW)
    await sign_in(learning)
    page = (await learning.get(f"/learning/{'c' * 32}", params={"lang": "en"})).text
    assert (
        '<tr data-cluster="2"><th scope="row">2</th><td class="num">0.750</td><td class="num">0.125</td>'
        in page
    )
    cells = re.findall(r"<td class=\"num\" data-size>(.*?)</td>", page)
    assert [text_of(c).strip() for c in cells] == ["61", "fewer than 5", "23"]
    assert "No validation was released" not in page and "data-validation" not in page  # sizes are it
    zh = (await learning.get(f"/learning/{'c' * 32}", params={"lang": "zh"})).text
    assert "少于 5" in zh and "聚类（k 均值）" in zh
    # As the ServerApp's validation has them (metrics' cluster_sizes), no threshold said: words only.
    centroids = {"kind": "kmeans", "centroids": model["centroids"]}
    sizes = {"cluster_sizes": [None, 40, 17], "sizes_partial": [True, False, False]}
    record(app).finish("c" * 32, model=centroids, metrics=sizes, now=NOW)
    unsaid = (await learning.get(f"/learning/{'c' * 32}", params={"lang": "en"})).text
    cells = re.findall(r"<td class=\"num\" data-size>(.*?)</td>", unsaid)
    assert [text_of(c).strip() for c in cells] == ["fewer than the minimum count", "40", "17"]


async def test_a_training_is_shown_only_to_whoever_started_it(
    learning: httpx.AsyncClient, app: FastAPI
) -> None:
    new_training(app, "a" * 32)
    await sign_in(learning, "cn-researcher")
    page = await learning.get(f"/learning/{'a' * 32}", params={"lang": "zh"})
    assert page.status_code == 404 and "本中心没有您发起的、使用此编号的训练" in page.text
    assert f'data-training="{"a" * 32}"' not in (await learning.get("/learning")).text


@pytest.fixture
def browser_hub(contexts: dict[str, NodeContext], network_root: Path) -> Iterator[tuple[str, FastAPI]]:
    require_chromium()
    made = network.network_app(contexts, network_root, learning=LEARNING)
    with served(made) as base:
        yield base, made


@pytest.mark.e2e
def test_the_pages_in_chinese_in_a_real_browser(browser_hub: tuple[str, FastAPI]) -> None:
    base, made = browser_hub
    made.state.hub.learning.starter = lambda control, config: 7  # no SuperLink: the form's training
    training, withheld = "b" * 32, "8" * 32
    finished_binary(made, training)
    finished(made, withheld, BINARY, {}, {"withheld": FEW_ROUNDS})
    shots = Path(__file__).resolve().parents[2] / "var" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(base_url=base, locale="zh-CN", viewport={"width": 1280, "height": 900})
            page.set_default_timeout(30_000)
            page.goto("/account?lang=zh")
            page.get_by_label("Giulia Rossi").check()
            page.get_by_role("button", name="登录").click()
            page.goto(f"/learning/{training}")
            expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
            expect(page.get_by_role("heading", level=1)).to_contain_text("训练")
            expect(
                page.get_by_role("navigation", name="主导航").get_by_role("link", name="联邦学习")
            ).to_have_attribute("aria-current", "page")
            rounds = page.locator('table[data-table="rounds"]')
            expect(rounds.locator("thead th")).to_have_text(
                ["轮次", "Rome Biobank", "Shanghai Biobank", "Berlin (offline)", "全网络（合并）"]
            )
            expect(rounds.locator('tr[data-round="1"] td[data-node="cn-shanghai"]')).to_contain_text(
                "未参与 (X4)"
            )
            expect(page.locator("[data-auroc]")).to_have_text("AUROC（ROC 曲线下面积）: 0.712")
            expect(page.locator('table[data-table="coefficients"] tbody tr')).to_have_count(4)
            expect(page.locator("svg.calibration-chart circle[data-bin]")).to_have_count(2)
            page.screenshot(path=str(shots / "learning-training-zh.png"), full_page=True)
            page.goto("/learning")
            expect(page.locator(f'tr[data-training="{training}"] [data-auroc]')).to_have_text("0.712")
            page.screenshot(path=str(shots / "learning-zh.png"), full_page=True)
            page.goto(f"/learning/{withheld}")
            notice = page.locator('section[data-model] [data-withheld="model"]')
            expect(notice).to_contain_text("中心未发布全网络的模型及其验证结果。")
            expect(notice).to_contain_text("参与每一轮训练的节点少于 3 个。")
            expect(page.locator("[data-validation]")).to_have_count(0)
            page.screenshot(path=str(shots / "learning-withheld-zh.png"), full_page=True)
            page.goto("/learning")
            page.get_by_label("模型").select_option("mlp")
            page.get_by_label("隐藏单元数").fill("8")
            page.get_by_label("安全聚合").check()
            page.get_by_role("button", name="开始").click()
            expect(page.locator("[data-secure-aggregation]")).to_have_attribute(
                "data-secure-aggregation", "yes"
            )
            expect(page.locator("[data-hidden-units]")).to_have_text("8")
            expect(page.locator("[data-task]")).to_have_text("二分类结局（神经网络）")
            page.screenshot(path=str(shots / "learning-started-zh.png"), full_page=True)
        finally:
            browser.close()


def test_the_model_reads_as_the_record_or_the_serverapp_writes_it() -> None:
    classes = {"mild": {"phenotype": "HP:0012825"}, "severe": {"phenotype": "HP:0012828"}}
    request = {
        "task": "multiclass",
        "features": ["age"],
        "labels": ["male", "mild", "severe"],
        "variables": classes,
    }
    stamp = NOW.isoformat()
    spec = spec_to_wire(parse_training(request))
    base = {"id": "x", "researcher": "r", "purpose": "research", "spec": spec, "nodes": ["eu-rome"],
            "state": "finished", "created": stamp, "updated": stamp}  # fmt: skip
    by_class = {"kind": "logistic", "features": ["age"], "weights": [[0.5, -1.0], [0.25, 2.0], [0.0, 0.125]]}
    view = training_view(Training.model_validate({**base, "model": by_class}))
    assert view.model_columns == ("male", "mild", "severe")
    rows = [(r.label, r.values) for r in view.model_rows]
    assert rows == [("intercept", ("0.500", "0.250", "0.000")), ("age", ("−1.000", "2.000", "0.125"))]
    as_written = {"kind": "logistic", "array": [[0.5, 0.25, 0.0], [-1.0, 2.0, 0.125]]}  # _server_app.py's
    assert training_view(Training.model_validate({**base, "model": as_written})).model_rows == view.model_rows


def finished(
    app: FastAPI,
    training_id: str,
    request: Mapping[str, Any],
    model: Mapping[str, Any],
    metrics: Mapping[str, Any],
) -> None:
    """A training whose two rounds Rome took part in, finished with ``model`` and ``metrics``."""
    trainings = new_training(app, training_id, request)
    for r in (1, 2):
        trainings.add_round(training_id, RoundRow(r, "eu-rome", "train", "ok", {"people": 72}), now=NOW)
    trainings.finish(training_id, model=model, metrics=metrics, now=NOW)


def section(page: str, name: str) -> str:
    found = re.search(rf"<section [^>]*{name}.*?</section>", page, re.S)
    assert found is not None, f"no {name} section"
    return found.group(0)


async def test_a_withheld_model_says_why_in_both_languages(learning: httpx.AsyncClient, app: FastAPI) -> None:
    finished(app, "d" * 32, BINARY, {}, {"withheld": FEW_ROUNDS, "nodes": [{"node": "eu-rome"}]})
    await sign_in(learning)
    page = (await learning.get(f"/learning/{'d' * 32}", params={"lang": "en"})).text
    model = section(page, 'data-model=""')
    assert 'data-withheld="model"' in model
    assert "The hub withheld the network's model and its validation." in model
    assert "Fewer than 3 nodes contributed to every round." in model
    assert "sent no model" not in page and '<table data-table="coefficients"' not in page
    assert "data-validation" not in page and "No validation was released" not in page
    zh = (await learning.get(f"/learning/{'d' * 32}", params={"lang": "zh"})).text
    assert "中心未发布全网络的模型及其验证结果。" in zh and "参与每一轮训练的节点少于 3 个。" in zh
    listed = (await learning.get("/learning", params={"lang": "zh"})).text
    row = re.search(rf'<tr data-training="{"d" * 32}">(.*?)</tr>', listed, re.S)
    assert row is not None and '<span data-withheld="model">不予发布</span>' in row.group(1)


async def test_a_withheld_validation_keeps_the_model_and_says_why(
    learning: httpx.AsyncClient, app: FastAPI
) -> None:
    finished(app, "e" * 32, BINARY, MODEL, {"withheld": FEW_VALIDATIONS})
    await sign_in(learning)
    page = (await learning.get(f"/learning/{'e' * 32}", params={"lang": "en"})).text
    assert 'data-table="coefficients"' in section(page, 'data-model="logistic"')
    validation = section(page, "data-validation")
    assert 'data-withheld="validation"' in validation and "data-auroc" not in validation
    assert "The hub withheld the network's validation." in validation
    assert "Fewer than 3 nodes released a validation." in validation
    assert "No validation was released" not in validation
    zh = section((await learning.get(f"/learning/{'e' * 32}", params={"lang": "zh"})).text, "data-validation")
    assert "中心未发布全网络的验证结果。" in zh and "发布验证结果的节点少于 3 个。" in zh
    # A reason the portal has no sentence for shows in the hub's own words, marked as English.
    record(app).finish("e" * 32, model=MODEL, metrics={"withheld": "the moon was full"}, now=NOW)
    zh = (await learning.get(f"/learning/{'e' * 32}", params={"lang": "zh"})).text
    assert '<span lang="en">the moon was full</span>' in section(zh, "data-validation")


async def test_withheld_cluster_sizes_are_not_said_to_be_small(
    learning: httpx.AsyncClient, app: FastAPI
) -> None:
    centroids = {"kind": "kmeans", "array": [[0.25, 0.5], [0.75, 0.125], [0.5, 0.875]]}
    finished(app, "9" * 32, CLUSTERING, centroids, {"withheld": FEW_VALIDATIONS})
    await sign_in(learning)
    page = (await learning.get(f"/learning/{'9' * 32}", params={"lang": "en"})).text
    cells = re.findall(r"<td class=\"num\" data-size>(.*?)</td>", page)
    assert [text_of(c).strip() for c in cells] == ["withheld"] * 3
    assert "fewer than the minimum count" not in page
    assert 'data-withheld="validation"' in section(page, "data-validation")


async def test_a_neural_network_is_described_not_tabled(learning: httpx.AsyncClient, app: FastAPI) -> None:
    finished(app, "7" * 32, MLP, MLP_MODEL, METRICS)
    await sign_in(learning)
    page = (await learning.get(f"/learning/{'7' * 32}", params={"lang": "en"})).text
    model = section(page, 'data-model="mlp"')
    assert 'data-mlp="4/21"' in model and "<table" not in model
    assert "A neural network with one hidden layer of 4 units and 21 weights in all." in model
    assert "sent no model" not in page and 'data-auroc="0.712"' in page
    assert 'data-task="binary">binary outcome (neural network)<' in page
    assert 'data-hidden-units="4">4<' in page and 'data-secure-aggregation="no">no<' in page
    zh = (await learning.get(f"/learning/{'7' * 32}", params={"lang": "zh"})).text
    assert "含一个隐藏层（4 个单元）的神经网络，共 21 个权重。" in zh and "二分类结局（神经网络）" in zh
    assert "隐藏单元数" in zh and 'data-secure-aggregation="no">否<' in zh
    listed = (await learning.get("/learning", params={"lang": "en"})).text
    assert "binary outcome (neural network)" in listed


async def test_survival_and_classes_show_each_auroc_and_never_a_number_for_none(
    learning: httpx.AsyncClient, app: FastAPI
) -> None:
    metrics = {
        "auroc": 0.65,
        "auroc_per_interval": [0.6, None, 0.7],
        "interval_ends": [365.0, 730.0, 1825.0],
        "calibration": None,
    }
    finished(app, "5" * 32, SURVIVAL, {"kind": "logistic", "array": [[0.0]] * 5}, metrics)
    await sign_in(learning)
    page = (await learning.get(f"/learning/{'5' * 32}", params={"lang": "en"})).text
    table = re.search(r'<table data-table="auroc-intervals".*?</table>', page, re.S)
    assert table is not None
    rows = [text_of(r).split() for r in re.findall(r"<tr data-part.*?</tr>", table.group(0), re.S)]
    assert rows == [["1", "365", "0.600"], ["2", "730", "not", "released"], ["3", "1825", "0.700"]]
    assert 'data-part-auroc=""' in table.group(0) and "None" not in table.group(0)
    assert 'data-auroc="0.650"' in page and "The mean of the intervals' AUROCs that were released." in page
    terms = re.findall(r'<tr data-term="([^"]+)">', page)
    assert terms == ["intercept", "male", "age", "interval_365_730d", "interval_730_1825d"]
    zh = (await learning.get(f"/learning/{'5' * 32}", params={"lang": "zh"})).text
    assert "未发布" in zh and "截止日（天）" in zh and "随访各区间的 AUROC" in zh
    per_class = {"auroc": 0.7, "auroc_per_class": [0.8, None, 0.6], "calibration": None}
    finished(app, "6" * 32, MULTICLASS, {"kind": "logistic", "array": [[0.0, 0.0, 0.0]] * 2}, per_class)
    page = (await learning.get(f"/learning/{'6' * 32}", params={"lang": "en"})).text
    table = re.search(r'<table data-table="auroc-classes".*?</table>', page, re.S)
    assert table is not None
    rows = [text_of(r).split() for r in re.findall(r"<tr data-part.*?</tr>", table.group(0), re.S)]
    assert rows == [["male", "0.800"], ["mild", "not", "released"], ["severe", "0.600"]]
    zh = (await learning.get(f"/learning/{'6' * 32}", params={"lang": "zh"})).text
    assert "各类别与其余类别相比的 AUROC" in zh and "未发布" in zh


async def test_the_form_writes_its_choices_into_the_request(
    learning: httpx.AsyncClient, app: FastAPI
) -> None:
    await sign_in(learning)
    form = (await learning.get("/learning", params={"lang": "zh"})).text
    assert '<option value="logistic" selected>' in form and "单隐藏层神经网络（mlp）" in form
    assert 'name="hidden_units" type="number" inputmode="numeric" min="1" max="64" value="16"' in form
    assert 'name="secure_aggregation" type="checkbox" value="true" aria' in form and "安全聚合" in form
    token = re.search(r'name="token" value="([^"]+)"', form)
    assert token is not None
    chosen = {"model": "mlp", "hidden_units": "8", "secure_aggregation": "true"}
    started = await learning.post(
        "/learning", data={"token": token.group(1), "request": EXAMPLE_REQUEST, **chosen}
    )
    assert started.status_code == 303, started.text[:2000]
    training_id = started.headers["location"].rsplit("/", 1)[1]
    spec = record(app).get(training_id).spec
    assert (spec["model"], spec["hidden_units"], spec["secure_aggregation"]) == ("mlp", 8, True)
    page = (await learning.get(started.headers["location"], params={"lang": "en"})).text
    assert 'data-secure-aggregation="yes">yes <span' in page and 'data-hidden-units="8"' in page
    zh = (await learning.get(started.headers["location"], params={"lang": "zh"})).text
    assert 'data-secure-aggregation="yes">是 <span' in zh and "中心只获知各节点更新之和" in zh
    # Left as they are, the choices leave a request alone: a survival request names no model.
    plain = {
        "token": token.group(1),
        "request": json.dumps(SURVIVAL),
        "model": "logistic",
        "hidden_units": "16",
    }
    assert (await learning.post("/learning", data=plain)).status_code == 303
    # A choice the task cannot take is the hub's to refuse; the form shows what it sent.
    refused = await learning.post("/learning", params={"lang": "en"}, data={**plain, "model": "mlp"})
    assert refused.status_code == 400 and "a survival task trains a logistic model" in refused.text
    assert (
        "&#34;model&#34;: &#34;mlp&#34;" in refused.text and '<option value="mlp" selected>' in refused.text
    )


def test_the_forms_default_hidden_units_are_the_requests() -> None:
    spec = parse_training({**BINARY, "model": "mlp"})
    assert spec.hidden_units == HIDDEN_UNITS["default"]
    for units in (HIDDEN_UNITS["low"], HIDDEN_UNITS["high"]):
        assert parse_training({**MLP, "hidden_units": units}).hidden_units == units
    for units in (HIDDEN_UNITS["low"] - 1, HIDDEN_UNITS["high"] + 1):
        with pytest.raises(QueryError):
            parse_training({**MLP, "hidden_units": units})
