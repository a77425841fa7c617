"""The node's OpenAPI document is clean: every operation has its own id, and building it warns of nothing."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from pmbridge.node import create_node_app, open_node, parse_node_config
from tests.hub.test_openapi import operation_ids
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
