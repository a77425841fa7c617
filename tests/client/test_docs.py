"""docs/client.md stays true: it names every method of the client, the async client has exactly the
blocking one's methods, and its table of release marks is what the client decodes."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from pmbridge.client import AsyncHubClient, HubClient, ReleasedNumber

DOC = (Path(__file__).resolve().parents[2] / "docs" / "client.md").read_text(encoding="utf-8")


def methods(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_") and name not in ("close", "aclose")
    }


def test_the_async_client_has_the_same_methods_awaited() -> None:
    blocking, awaited = methods(HubClient), methods(AsyncHubClient)
    assert blocking.keys() == awaited.keys()
    for name, signature in blocking.items():
        assert inspect.iscoroutinefunction(getattr(AsyncHubClient, name)), name
        assert list(signature.parameters) == list(awaited[name].parameters), name
    assert list(inspect.signature(HubClient).parameters) == list(inspect.signature(AsyncHubClient).parameters)


def test_every_method_is_documented() -> None:
    missing = [name for name in methods(HubClient) if f"`{name}(" not in DOC]
    assert missing == []


def test_the_table_of_marks_is_what_the_client_decodes() -> None:
    rows = re.findall(r"^\| `([^`]+)` \| `(\w+)` \| (\w+) \| `(\w+)` \|", DOC, re.MULTILINE)
    assert len(rows) == 7
    rules = {
        "fewer": "min_count",
        "hidden": "complementary",
        "withheld": "allele_count_floor",
        "refused": "budget",
    }
    for mark, how, value, kind in rows:
        wire = {"value": None if value == "None" else int(value), "how": how, "threshold": 11}
        number = ReleasedNumber.model_validate({**wire, "rule": rules.get(kind)})
        assert (number.mark, number.kind) == (mark, kind)
