"""docs/analytics.md stays true: its request example is one the hub accepts as written."""

from __future__ import annotations

import json
from pathlib import Path

from pmbridge.analytics import CoxSpec, parse_analysis

DOC = Path(__file__).parents[2] / "docs" / "analytics.md"


def test_the_documented_request_parses_as_the_hub_reads_it() -> None:
    block = DOC.read_text(encoding="utf-8").split("```http", 1)[1].split("```", 1)[0]
    spec = parse_analysis(json.loads(block.split("\n\n", 1)[1]))
    assert isinstance(spec, CoxSpec)
    assert [v.name for v in spec.variables] == ["time", "event", "male", "age", "g"]
