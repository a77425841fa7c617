"""Stub replies of ``POST /api/analyses`` in the documented shape, one per analysis, for the client,
CLI and portal tests (made by hand from the contract in docs/client.md#analyses)."""

from __future__ import annotations

from typing import Any

__all__ = ["COX", "CROSSTAB", "GLM", "KM", "SUMMARY", "reply"]

NODES = [
    {"node": "eu-south", "status": "ok", "rule": None, "detail": ""},
    {"node": "eu-north", "status": "ok", "rule": None, "detail": ""},
    {"node": "cn", "status": "ok", "rule": None, "detail": ""},
    {"node": "eu-down", "status": "down", "rule": None, "detail": "ConnectError"},
]
EXACT = {"how": "exact", "note": "exact aggregate of 3 nodes, each part passed its own disclosure checks"}
BINNED = {
    "how": "binned",
    "note": "event times binned to 7 days so each bin holds at least 5 events per node",
}

GLM: dict[str, Any] = {
    "analysis": "glm",
    "n": 1200,
    "nodes": NODES,
    "steps": 6,
    "released": EXACT,
    "family": "binomial",
    "formula": "seizures ~ male + age",
    "coefficients": [
        {
            "term": "Intercept",
            "estimate": -1.2,
            "se": 0.11,
            "statistic": -10.9,
            "p": 1e-27,
            "ci_low": -1.42,
            "ci_high": -0.98,
        },
        {
            "term": "male",
            "estimate": 0.31,
            "se": 0.12,
            "statistic": 2.58,
            "p": 0.0099,
            "ci_low": 0.075,
            "ci_high": 0.545,
        },
        {
            "term": "age",
            "estimate": -0.02,
            "se": 0.004,
            "statistic": -5.0,
            "p": 5.7e-7,
            "ci_low": -0.028,
            "ci_high": -0.012,
        },
    ],
    "deviance": 1402.5,
    "df_residual": 1197,
    "scale": 1.0,
    "iterations": 5,
    "converged": True,
}
COX: dict[str, Any] = {
    "analysis": "cox",
    "n": 1200,
    "nodes": NODES,
    "steps": 7,
    "released": BINNED,
    "formula": "~ male + fbn1",
    "ties": "efron",
    "strata": "node",
    "bin_days": 7,
    "coefficients": [
        {
            "term": "male",
            "estimate": 0.2,
            "se": 0.1,
            "statistic": 2.0,
            "p": 0.0455,
            "ci_low": 0.004,
            "ci_high": 0.396,
            "hazard_ratio": 1.2214,
            "hr_ci_low": 1.004,
            "hr_ci_high": 1.4859,
        },
        {
            "term": "fbn1",
            "estimate": -0.5,
            "se": 0.2,
            "statistic": -2.5,
            "p": 0.0124,
            "ci_low": -0.892,
            "ci_high": -0.108,
            "hazard_ratio": 0.6065,
            "hr_ci_low": 0.4098,
            "hr_ci_high": 0.8976,
        },
    ],
    "loglik": -2034.1,
    "events": 340,
    "iterations": 4,
    "converged": True,
}
KM: dict[str, Any] = {
    "analysis": "km",
    "n": 800,
    "nodes": NODES,
    "steps": 1,
    "released": BINNED,
    "bin_days": 7,
    "groups": [
        {
            "group": "0",
            "times": [7, 14, 28, 56],
            "survival": [0.95, 0.9, 0.8, 0.7],
            "ci_low": [0.92, 0.86, 0.75, 0.64],
            "ci_high": [0.97, 0.93, 0.84, 0.75],
            "at_risk": [400, 380, 350, 300],
            "events": [20, 19, 38, 35],
        },
        {
            "group": "1",
            "times": [7, 21, 56],
            "survival": [0.9, 0.75, 0.5],
            "ci_low": [0.86, 0.7, 0.44],
            "ci_high": [0.93, 0.8, 0.56],
            "at_risk": [400, 360, 280],
            "events": [40, 66, 93],
        },
    ],
    "logrank": {"chi2": 12.5, "df": 1, "p": 0.0004},
}
SUMMARY: dict[str, Any] = {
    "analysis": "summary",
    "n": 1200,
    "nodes": NODES,
    "steps": 2,
    "released": EXACT,
    "variable": "age",
    "mean": 41.2,
    "variance": 300.25,
    "sd": 17.33,
    "quantiles": [{"q": 0.25, "value": 28.0}, {"q": 0.5, "value": 41.0}, {"q": 0.75, "value": 55.0}],
    "quantile_resolution": 1.0,
}
CROSSTAB: dict[str, Any] = {
    "analysis": "crosstab",
    "n": 1200,
    "nodes": NODES,
    "steps": 1,
    "released": EXACT,
    "rows": "male",
    "columns": "seizures",
    "table": [[400, 200], [350, 250]],
    "chi2": 8.6,
    "df": 1,
    "p": 0.0034,
    "chi2_yates": 8.3,
    "p_yates": 0.004,
    "futureField": "ignored",
}
REFUSAL: dict[str, Any] = {
    "error": {
        "errorCode": 403,
        "errorMessage": "refused by the saturated_model rule: as many terms as some node has rows",
        "code": "disclosure_refused",
        "rule": "saturated_model",
        "hint": "drop terms from the formula or widen the cohort",
    }
}


def reply(kind: str) -> dict[str, Any]:
    return {"glm": GLM, "cox": COX, "km": KM, "summary": SUMMARY, "crosstab": CROSSTAB}[kind]
