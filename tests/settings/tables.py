"""Valid node and hub documents that hold every table, and the tables' places in them."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import get_origin

from pmbridge.config import SettingsModel
from pmbridge.config._model import table_of

Path_ = tuple[str | int, ...]

PASSPORTS = {"audience": "net", "issuers": [{"iss": "https://broker.example", "public_key": "broker.pem"}]}
NODE_DOC: dict[str, object] = {
    "node": {
        "id": "eu-rome",
        "name": "Rome",
        "jurisdiction": "EU",
        "country": "IT",
        "lake": {"path": "lake"},
    },
    "datasets": [{"id": "d", "name": "D", "release": {}, "data_use": {}}],
    "policy": {"thresholds": {}},
    "privacy": {},
    "passports": PASSPORTS,
    "learning": {},
}
HUB_DOC: dict[str, object] = {
    "hub": {"rate_limits": {}},
    "knowledge": {"stewards": [{"issuer": "https://broker.example", "subject": "kb-steward"}]},
    "nodes": [
        {
            "id": "eu-rome",
            "url": "http://127.0.0.1:8101",
            "jurisdiction": "EU",
            "country": "IT",
            "public_key": "ed25519:11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
            "stewards": [{"id": "rome-steward", "issuer": "https://broker.example"}],
        }
    ],
    "privacy": {},
    "passports": PASSPORTS,
    "access": {"smtp": {"host": "127.0.0.1"}, "webhooks": [{"url": "https://hooks.example/pmbridge"}]},
    "learning": {},
    "consensus": {"organisers": [{"id": "eu-researcher", "issuer": "https://broker.example"}]},
}


def tables(model: type[SettingsModel], path: Path_ = ()) -> Iterator[tuple[Path_, type[SettingsModel]]]:
    """Every table below ``model`` (itself included), with its place: an array's first entry."""
    yield path, model
    for name, field in model.model_fields.items():
        inner = table_of(field.annotation)
        if inner is not None:
            below = (*path, name, 0) if get_origin(field.annotation) is list else (*path, name)
            yield from tables(inner, below)


def with_value(doc: dict[str, object], path: Path_, value: object) -> dict[str, object]:
    """A deep copy of ``doc`` with ``value`` set at ``path`` (its last part a key)."""
    changed = copy.deepcopy(doc)
    place: object = changed
    for part in path[:-1]:
        place = place[part]  # type: ignore[index]
    place[path[-1]] = value  # type: ignore[index]
    return changed
