"""The hub's OpenAPI document is clean and complete: every operation has its own id, building it warns of
nothing, and each operation declares its path parameters, its body and the errors it can answer with."""

from __future__ import annotations

import re
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
from fastapi import FastAPI

from pmbridge.beacon import BeaconRequest, error_response
from pmbridge.beacon._openapi import ERROR_SCHEMA
from pmbridge.errors import NotFound, PolicyRefused
from pmbridge.network_app import create_network_app
from tests.trust import hub_config


def operation_ids(app: FastAPI) -> tuple[list[str], list[str]]:
    """Every operation id of ``app``'s OpenAPI document, and the warnings building it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        doc = app.openapi()
    ids = [str(op["operationId"]) for item in doc["paths"].values() for op in item.values()]
    return ids, [str(w.message) for w in caught]


def test_every_hub_operation_has_its_own_id_and_no_warning_is_given(tmp_path: Path) -> None:
    ids, warned = operation_ids(create_network_app(hub_config([], tmp_path)))
    assert warned == []
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    assert {"get_individuals", "post_individuals", "post_g_variants_by_id_individuals"} <= set(ids)


LIVENESS = {"/health"}
"""Liveness reads nothing, so it has no 4xx to give; overloaded, it says so in its own body."""
BEACON_ERROR = {"$ref": "#/components/schemas/BeaconErrorResponse"}


def gaps(doc: dict[str, Any]) -> list[str]:
    """What each operation of ``doc`` leaves out: a path parameter, the body of a POST, the errors
    every request under /api can meet (400, 413, 503), any 4xx at all, or the Beacon error body."""
    found: list[str] = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            where = f"{method.upper()} {path}"
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            found += [
                f"{where}: no path parameter {n}" for n in re.findall(r"{(\w+)}", path) if n not in declared
            ]
            if method == "post" and "content" not in op.get("requestBody", {}):
                found.append(f"{where}: no request body")
            responses = op["responses"]
            if path not in LIVENESS:
                found += [f"{where}: no {s}" for s in ("400", "413", "503") if s not in responses]
            if "422" in responses:
                found.append(f"{where}: documents 422, which the error handler answers as 400")
            for status, response in responses.items():
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                if status[0] in "45" and path not in LIVENESS and schema != BEACON_ERROR:
                    found.append(f"{where}: {status} without the Beacon error body")
    return found


def test_every_hub_operation_documents_its_parameters_body_and_errors(tmp_path: Path) -> None:
    doc = create_network_app(hub_config([], tmp_path)).openapi()
    assert gaps(doc) == []
    assert doc["components"]["schemas"]["BeaconErrorResponse"] == ERROR_SCHEMA
    limited = [p for p, item in doc["paths"].items() for op in item.values() if "429" in op["responses"]]
    assert sorted(limited) == ["/api/auth/token", "/api/match/contact"]


def test_the_documented_error_schema_is_the_shape_every_error_has() -> None:
    body = error_response(beacon_id="b", request=BeaconRequest(), error=NotFound("no such entry"))
    jsonschema.validate(body, ERROR_SCHEMA)
    refused = error_response(beacon_id="b", request=BeaconRequest(), error=PolicyRefused("X1", "records"))
    jsonschema.validate(refused, ERROR_SCHEMA)
    assert refused["error"]["rule"] == "X1"
