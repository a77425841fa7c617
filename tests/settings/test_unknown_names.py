"""A typo in any table of a node's or the hub's config is an error naming the closest setting."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from pmbridge.config import SettingsModel, closest_name, validated
from pmbridge.config._validate import _edits
from pmbridge.errors import ConfigError
from pmbridge.hub import HubFile, parse_hub_config
from pmbridge.node import NodeFile, parse_node_config
from tests.settings.tables import HUB_DOC, NODE_DOC, Path_, tables, with_value

NODE_TABLES: dict[Path_, str] = {
    (): "",
    ("node",): "[node]",
    ("node", "lake"): "[node.lake]",
    ("datasets", 0): "[[datasets]] #1",
    ("datasets", 0, "release"): "[datasets.release] of [[datasets]] #1",
    ("datasets", 0, "data_use"): "[datasets.data_use] of [[datasets]] #1",
    ("policy",): "[policy]",
    ("policy", "thresholds"): "[policy.thresholds]",
    ("privacy",): "[privacy]",
    ("passports",): "[passports]",
    ("passports", "issuers", 0): "[[passports.issuers]] #1",
    ("learning",): "[learning]",
}
HUB_TABLES: dict[Path_, str] = {
    (): "",
    ("hub",): "[hub]",
    ("hub", "rate_limits"): "[hub.rate_limits]",
    ("knowledge",): "[knowledge]",
    ("knowledge", "stewards", 0): "[[knowledge.stewards]] #1",
    ("nodes", 0): "[[nodes]] #1",
    ("nodes", 0, "stewards", 0): "[[nodes[1].stewards]] #1",
    ("access",): "[access]",
    ("access", "smtp"): "[access.smtp]",
    ("access", "webhooks", 0): "[[access.webhooks]] #1",
    ("privacy",): "[privacy]",
    ("passports",): "[passports]",
    ("passports", "issuers", 0): "[[passports.issuers]] #1",
    ("learning",): "[learning]",
    ("consensus",): "[consensus]",
    ("consensus", "organisers", 0): "[[consensus.organisers]] #1",
}
MODELS = sorted(
    {model for root in (NodeFile, HubFile) for _, model in tables(root)}, key=lambda m: m.__name__
)


def typo_cases() -> list[tuple[str, Path_, str, str]]:
    cases = []
    for file, root, labels in (("node.toml", NodeFile, NODE_TABLES), ("hub.toml", HubFile, HUB_TABLES)):
        for path, model in tables(root):
            cases += [(file, path, labels[path], key) for key in model.model_fields]
    return cases


def load(file: str, path: Path_, typo: str, *, base: Path) -> object:
    if file == "node.toml":
        return parse_node_config(with_value(NODE_DOC, (*path, typo), 1), base=base, where=file)
    return parse_hub_config(with_value(HUB_DOC, (*path, typo), 1), base=base, where=file)


def test_every_table_is_covered() -> None:
    assert {path for path, _ in tables(NodeFile)} == set(NODE_TABLES)
    assert {path for path, _ in tables(HubFile)} == set(HUB_TABLES)


def test_both_documents_are_valid(tmp_path: Path) -> None:
    validated(NodeFile, NODE_DOC, where="node.toml")
    validated(HubFile, HUB_DOC, where="hub.toml")


@pytest.mark.parametrize(("file", "path", "label", "key"), typo_cases())
def test_a_typo_in_any_table_names_the_closest_setting(
    tmp_path: Path, file: str, path: Path_, label: str, key: str
) -> None:
    typo = key + key[-1]
    with pytest.raises(ConfigError) as caught:
        load(file, path, typo, base=tmp_path)
    if label:
        assert caught.value.message == f"{file}: {label} has no setting {typo!r}; did you mean {key!r}?"
        assert caught.value.hint.startswith(f"the settings of {label} are: ")
    else:
        assert caught.value.message == f"{file}: there is no table [{typo}]; did you mean [{key}]?"


def test_the_issue_s_example(tmp_path: Path) -> None:
    doc = with_value(NODE_DOC, ("datasets", 0, "relase"), {"controlled": "count"})
    with pytest.raises(ConfigError) as caught:
        parse_node_config(doc, base=tmp_path, where="node.toml")
    assert (
        caught.value.message == "node.toml: [[datasets]] #1 has no setting 'relase'; did you mean 'release'?"
    )
    assert "docs/configuration.md" in caught.value.hint


def test_a_name_like_none_is_named_without_a_guess() -> None:
    with pytest.raises(ConfigError) as caught:
        validated(HubFile, {"hub": {"xyzzy": 1}}, where="hub.toml")
    assert caught.value.message == "hub.toml: [hub] has no setting 'xyzzy'"
    assert "deadline_seconds" in caught.value.hint


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        validated(HubFile, {"hub": {"deadline_second": 1, "max_reply_bytes": True}}, where="hub.toml")
    assert caught.value.message.startswith("hub.toml: 2 problems: ")
    assert "'deadline_second'; did you mean 'deadline_seconds'?" in caught.value.message
    assert "hub.max_reply_bytes must be a whole number, not true" in caught.value.message


LETTERS = "abcdefghijklmnopqrstuvwxyz_"


@st.composite
def one_edit_away(draw: st.DrawFn) -> tuple[type[SettingsModel], str, str]:
    model = draw(st.sampled_from(MODELS))
    key = draw(st.sampled_from(sorted(model.model_fields)))
    at = draw(st.integers(0, len(key)))
    letter = draw(st.sampled_from(LETTERS))
    edit = draw(st.sampled_from(["insert", "delete", "substitute"]))
    if edit == "insert":
        typo = key[:at] + letter + key[at:]
    elif edit == "delete":
        assume(at < len(key))
        typo = key[:at] + key[at + 1 :]
    else:
        assume(at < len(key))
        typo = key[:at] + letter + key[at + 1 :]
    return model, key, typo


@given(one_edit_away())
def test_a_name_one_edit_from_a_setting_suggests_that_setting(
    case: tuple[type[SettingsModel], str, str],
) -> None:
    model, key, typo = case
    known = list(model.model_fields)
    assume(typo and typo not in known)
    assume(all(_edits(typo, other) > 1 for other in known if other != key))  # no second candidate
    assert closest_name(typo, known) == key
    with pytest.raises(ConfigError) as caught:
        validated(model, {typo: 1}, where="x.toml", at=("t",))
    assert f"has no setting {typo!r}; did you mean {key!r}?" in caught.value.message
