"""Every setting has one type: `true` is no number, `5` no text; an int stands for a float."""

from __future__ import annotations

import types
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import pytest

from pmbridge.config import SettingsModel
from pmbridge.errors import ConfigError
from pmbridge.hub import HubFile, parse_hub_config
from pmbridge.node import NodeFile, parse_node_config
from tests.settings.tables import HUB_DOC, NODE_DOC, Path_, tables, with_value

WRONG: dict[type, tuple[object, str]] = {
    bool: (1, "true or false, not 1"),
    int: (True, "a whole number, not true"),
    float: (True, "a number, not true"),
    str: (5, "text in quotes, not 5"),
    list: ("x", 'a list, e.g. ["a", "b"], not "x"'),
    date: ("2027-06-30", 'a TOML date, e.g. 2027-06-30, not "2027-06-30"'),
}


def kind(annotation: Any) -> type:
    """The plain type of a setting: ``str`` for ``Annotated[str, ...] | None``, ``list`` for lists."""
    if get_origin(annotation) in (Union, types.UnionType):
        annotation = next(a for a in get_args(annotation) if a is not type(None))
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    origin = get_origin(annotation)
    return origin if isinstance(origin, type) else annotation  # type: ignore[no-any-return]


def dotted(path: Path_) -> str:
    parts: list[str] = []
    for part in path:
        if isinstance(part, int):
            parts[-1] += f"[{part + 1}]"
        else:
            parts.append(part)
    return ".".join(parts)


def leaf_cases() -> list[tuple[str, Path_, type]]:
    cases = []
    roots: tuple[tuple[str, type[SettingsModel]], ...] = (("node.toml", NodeFile), ("hub.toml", HubFile))
    for file, root in roots:
        for path, model in tables(root):
            for name, field in model.model_fields.items():
                plain = kind(field.annotation)
                if plain in WRONG:
                    cases.append((file, (*path, name), plain))
                else:
                    assert issubclass(plain, Enum | SettingsModel), f"{name}: {plain}"
    return cases


def load(file: str, doc: dict[str, object], base: Path) -> object:
    if file == "node.toml":
        return parse_node_config(doc, base=base, where=file)
    return parse_hub_config(doc, base=base, where=file)


@pytest.mark.parametrize(("file", "path", "plain"), leaf_cases())
def test_a_value_of_the_wrong_type_names_the_setting_the_type_and_the_value(
    tmp_path: Path, file: str, path: Path_, plain: type
) -> None:
    value, says = WRONG[plain]
    doc = with_value(NODE_DOC if file == "node.toml" else HUB_DOC, path, value)
    with pytest.raises(ConfigError) as caught:
        load(file, doc, tmp_path)
    assert caught.value.message == f"{file}: {dotted(path)} must be {says}"
    assert caught.value.hint


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ({"deadline_seconds": True}, "hub.toml: hub.deadline_seconds must be a number, not true"),
        ({"max_reply_bytes": True}, "hub.toml: hub.max_reply_bytes must be a whole number, not true"),
        ({"max_reply_bytes": 1.5}, "hub.toml: hub.max_reply_bytes must be a whole number, not 1.5"),
        ({"deadline_seconds": "5"}, 'hub.toml: hub.deadline_seconds must be a number, not "5"'),
        ({"deadline_seconds": 0}, "hub.toml: hub.deadline_seconds must be greater than 0.0, not 0"),
    ],
)
def test_the_issue_s_examples_are_refused(table: dict[str, object], says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_hub_config({"hub": table}, where="hub.toml")
    assert caught.value.message == says
    assert "docs/configuration.md" in caught.value.hint


def test_a_whole_number_stands_for_a_number_with_a_fraction(tmp_path: Path) -> None:
    hub = parse_hub_config({"hub": {"deadline_seconds": 2, "max_clock_skew_seconds": 10}}, where="h")
    assert (hub.deadline_seconds, hub.max_clock_skew_seconds) == (2.0, 10.0)
    assert isinstance(hub.deadline_seconds, float)
    node = with_value(NODE_DOC, ("privacy", "epsilon_per_count"), 2)
    node = with_value(node, ("passports",), None)
    del node["passports"]
    config = parse_node_config(node, base=tmp_path, where="n")
    assert config.release.privacy.epsilon_per_count == 2.0


def test_paths_stay_relative_to_the_config_file(tmp_path: Path) -> None:
    doc = with_value(NODE_DOC, ("node", "store"), "data/store.duckdb")
    del doc["passports"]
    config = parse_node_config(doc, base=tmp_path, where="n")
    assert config.store == tmp_path / "data" / "store.duckdb"
    assert config.trust.audit_log == tmp_path / "audit.jsonl"
    hub = parse_hub_config(
        {"hub": {"state_dir": "state", "private_key": "keys/hub.key"}}, where="h", base=tmp_path
    )
    assert (hub.state_dir, hub.private_key) == (tmp_path / "state", tmp_path / "keys" / "hub.key")
