"""Federated analytics end to end: the demo network as real processes (three nodes, two in the EU and
one in China, and the hub; signatures and passports on). A researcher's GLM and Cox model over the
hub equal statsmodels / lifelines on the pooled rows, read here straight from the three stores; a
genetic covariate is refused by the China node (X4), so no network result is given; and a tampered
hub, signing with the hub's own key, cannot get residuals or finer time bins from a node."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from urllib.parse import urlencode

import httpx
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from lifelines import CoxPHFitter

from pmbridge.analytics import parse_analysis, spec_to_wire
from pmbridge.demo import DEMO_NODES, HUB_KEY_NAME, DemoPaths, Supervisor, build_demo
from pmbridge.signing import SignedRequests, load_signing_key
from pmbridge.store import EntryQuery, NodeStore
from pmbridge.synth import OUTCOME_MODEL
from tests.e2e.network import start_side_by_side

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SIZE = 300
TIMEOUT = 120.0
TIGHT = {"precision": 1e-13, "r_precision": 1e-15, "step_size": 0.95}
ARM_B = OUTCOME_MODEL.arm_b.id


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DemoPaths, dict[str, str], str]]:
    paths = DemoPaths(tmp_path_factory.mktemp("analytics"))
    build_demo(paths, size=SIZE, workers=1, say=lambda _: None)
    with Supervisor(paths.root / "run") as supervisor:
        urls = start_side_by_side(supervisor, paths, hub_deadline=30.0)  # two busy cores: no false timeouts
        reply = httpx.post(f"{urls['hub']}/api/auth/token", json={"user": "eu-researcher"}, timeout=TIMEOUT)
        reply.raise_for_status()
        yield paths, urls, reply.json()["passport"]


def analyse(url: str, passport: str, body: Mapping[str, object]) -> httpx.Response:
    headers = {"Authorization": f"Bearer {passport}"}
    return httpx.post(f"{url}/api/analyses", json=body, headers=headers, timeout=TIMEOUT)


def pooled_rows(paths: DemoPaths, body: Mapping[str, object]) -> pd.DataFrame:
    """Every node's rows of the analysis's variables, read from the stores themselves (the oracle's
    data; the network never sends them)."""
    spec = parse_analysis(dict(body))
    frames = []
    for node in DEMO_NODES:
        with NodeStore.open(paths.store(node), read_only=True) as store:
            table = store.analysis_frame(EntryQuery("individuals", limit=0), spec.variables)
        frames.append(table.to_pandas().assign(node=node.id))
    rows = pd.concat(frames, ignore_index=True)
    return rows.dropna(subset=[v.name for v in spec.variables])


def estimates(doc: Mapping[str, object]) -> tuple[np.ndarray, np.ndarray]:
    rows = doc["coefficients"]
    assert isinstance(rows, list)
    return np.array([r["estimate"] for r in rows]), np.array([r["se"] for r in rows])


def test_a_logistic_glm_over_the_network_equals_statsmodels_on_the_pooled_rows(
    network: tuple[DemoPaths, dict[str, str], str],
) -> None:
    paths, urls, passport = network
    body = {
        "analysis": "glm",
        "formula": "responded ~ male + age",
        "family": "binomial",
        "variables": {"responded": {"response": ARM_B}},
    }
    reply = analyse(urls["hub"], passport, body)
    assert reply.status_code == 200, reply.text
    doc = reply.json()
    rows = pooled_rows(paths, body)
    oracle = sm.GLM(rows["responded"], sm.add_constant(rows[["male", "age"]]), family=sm.families.Binomial())
    fit = oracle.fit(tol=1e-12)
    beta, se = estimates(doc)
    assert np.max(np.abs(beta - fit.params.to_numpy())) < 1e-6
    assert np.max(np.abs(se - fit.bse.to_numpy())) < 1e-6
    assert doc["n"] == len(rows) and doc["iterations"] <= 25
    assert [n["status"] for n in doc["nodes"]] == ["ok"] * 3
    assert doc["released"]["how"] == "exact"
    assert not {"residuals", "fitted", "fittedvalues"} & set(doc)


def test_a_cox_model_over_the_network_equals_lifelines_on_the_pooled_binned_times(
    network: tuple[DemoPaths, dict[str, str], str],
) -> None:
    paths, urls, passport = network
    body = {"analysis": "cox", "formula": "~ male + age", "ties": "efron", "bin_days": 7}
    reply = analyse(urls["hub"], passport, body)
    assert reply.status_code == 200, reply.text
    doc = reply.json()
    grid = np.asarray(doc["edges"])
    rows = pooled_rows(paths, body)
    binned = rows.assign(time=grid[np.searchsorted(grid, rows["time"], side="left")])
    oracle = CoxPHFitter().fit(binned[["time", "event", "male", "age"]], "time", "event", fit_options=TIGHT)
    beta, se = estimates(doc)
    assert np.max(np.abs(beta - oracle.params_.to_numpy())) < 1e-6
    assert np.max(np.abs(se - oracle.standard_errors_.to_numpy())) < 1e-6
    assert doc["released"]["how"] == "binned" and doc["iterations"] <= 30
    assert len(grid) > 8  # the two rounds of proposals keep a useful grid (each bin >= k at every node)


def test_a_genetic_covariate_is_refused_by_the_china_node_and_no_network_result_is_given(
    network: tuple[DemoPaths, dict[str, str], str],
) -> None:
    _, urls, passport = network
    body = {
        "analysis": "cox",
        "formula": "~ male + age + g",
        "variables": {"g": {"gene": OUTCOME_MODEL.gene}},
    }
    reply = analyse(urls["hub"], passport, body)
    assert reply.status_code == 403, reply.text
    error = reply.json()["error"]
    assert error["rule"] == "min_nodes"
    assert "cn-shanghai: refused (X4)" in error["errorMessage"]


def as_hub(paths: DemoPaths, node: str) -> httpx.Auth:
    return SignedRequests(load_signing_key(paths.private_key(HUB_KEY_NAME)), audience=node)


def test_a_tampered_hub_gets_neither_residuals_nor_finer_bins_from_a_node(
    network: tuple[DemoPaths, dict[str, str], str],
) -> None:
    paths, urls, passport = network
    analysis = spec_to_wire(parse_analysis({"analysis": "km", "bin_days": 7}))
    headers = {"Authorization": f"Bearer {passport}"}
    node = "eu-rome"

    def step(step: Mapping[str, object]) -> httpx.Response:
        return httpx.post(
            f"{urls[node]}/api/analysis",
            json={"analysis": analysis, "step": dict(step)},
            headers=headers,
            auth=as_hub(paths, node),
            timeout=TIMEOUT,
        )

    residuals = step({"kind": "evaluate", "edges": [0, 10000], "residuals": True})
    assert residuals.status_code == 400 and "residuals" in residuals.text
    daily = step({"kind": "evaluate", "edges": [float(d) for d in range(0, 5000, 7)]})
    assert daily.status_code == 403
    assert daily.json()["error"]["rule"] == "event_time_bins"
    audit = (paths.node_dir(next(n for n in DEMO_NODES if n.id == node)) / "audit.jsonl").read_text()
    assert "privacy:event_time_bins" in audit


def test_a_researcher_analyses_in_the_portal_in_both_languages(
    network: tuple[DemoPaths, dict[str, str], str],
) -> None:
    """Signed in as the demo's Chinese researcher (EU nodes then release only at k = 11), Kaplan–Meier
    curves by sex (in Chinese) and a Cox model's forest plot (in English) are drawn from the
    network's result, every number marked as released."""
    from playwright.sync_api import expect, sync_playwright

    from tests.browser import ARGS, CHROMIUM, require_chromium

    require_chromium()
    _, urls, _ = network
    km = "/analyse?" + urlencode(
        {"analysis": "km", "group": "male", "bin_days": "7", "run": "1", "lang": "zh"}
    )
    cox = "/analyse?" + urlencode({"analysis": "cox", "formula": "~ male + age", "run": "1", "lang": "en"})
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(base_url=urls["hub"])
            page.set_default_timeout(60_000)
            page.goto("/account?lang=en")
            page.get_by_label("Li Wei").check()
            page.get_by_role("button", name="Sign in").click()
            page.goto(km)
            expect(page.locator("svg.km-chart")).to_be_visible()
            expect(page.locator("svg.km-chart g.km-curve")).to_have_count(2)
            expect(page.locator("html")).to_have_attribute("lang", re.compile("zh"))
            page.goto(cox)
            expect(page.locator("svg.forest-plot g.forest-row")).to_have_count(2)
            marks = page.locator('[data-how="binned"]')
            assert marks.count() > 0
        finally:
            browser.close()
