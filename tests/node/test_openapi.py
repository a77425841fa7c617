"""The node's OpenAPI document is clean and complete: every operation has its own id, building it warns of
nothing, and each operation declares its path parameters, its body and the errors it can answer with."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from pmbridge.node import create_node_app, open_node, parse_node_config
from tests.hub.test_openapi import gaps, operation_ids
from tests.node import records_node
from tests.trust import trusted


def test_every_node_operation_has_its_own_id_and_no_warning_is_given(records_dir: Path) -> None:
    config = parse_node_config(trusted(records_node.CONFIG, records_dir), base=records_dir, where="test")
    context = open_node(config)
    try:
        ids, warned = operation_ids(create_node_app(context))
    finally:
        context.close()
    assert warned == []
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    assert {"get_individuals", "post_individuals", "post_datasets_by_id_individuals"} <= set(ids)


def test_every_node_operation_documents_its_parameters_body_and_errors(records_dir: Path) -> None:
    config = parse_node_config(trusted(records_node.CONFIG, records_dir), base=records_dir, where="test")
    context = open_node(config)
    try:
        doc = create_node_app(context).openapi()
    finally:
        context.close()
    assert gaps(doc) == []
    unsigned = [
        f"{m} {p}"
        for p, item in doc["paths"].items()
        for m, op in item.items()
        if "401" not in op["responses"]
    ]
    assert unsigned == ["get /health"]  # under /api a node answers only what the hub signed
