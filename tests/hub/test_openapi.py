"""The hub's OpenAPI document is clean: every operation has its own id, and building it warns of nothing."""

from __future__ import annotations

import warnings
from collections import Counter
from pathlib import Path

from fastapi import FastAPI

from pmbridge.hub import create_hub_app
from tests.trust import hub_config


def operation_ids(app: FastAPI) -> tuple[list[str], list[str]]:
    """Every operation id of ``app``'s OpenAPI document, and the warnings building it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        doc = app.openapi()
    ids = [str(op["operationId"]) for item in doc["paths"].values() for op in item.values()]
    return ids, [str(w.message) for w in caught]


def test_every_hub_operation_has_its_own_id_and_no_warning_is_given(tmp_path: Path) -> None:
    ids, warned = operation_ids(create_hub_app(hub_config([], tmp_path)))
    assert warned == []
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    assert {"get_individuals", "post_individuals", "post_g_variants_by_id_individuals"} <= set(ids)
