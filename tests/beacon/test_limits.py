"""The nesting scanner is an oracle-tested fast path: on every generated document it finds the depth
that parsing with ``json.loads`` finds, and it refuses what ``json.loads`` cannot recurse through."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmbridge.audit import RouteTemplates, describe_request, query_digest
from pmbridge.beacon._limits import MAX_NESTING, nesting_depth, nesting_refusal

TRICKY_TEXT = st.text(alphabet=st.sampled_from('[]{}"\\/,:abc é\n\t\u2028'), max_size=12)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TRICKY_TEXT
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TRICKY_TEXT, inner, max_size=4),
    max_leaves=40,
)


def parsed_depth(doc: object) -> int:
    if isinstance(doc, list):
        return 1 + max((parsed_depth(v) for v in doc), default=0)
    if isinstance(doc, dict):
        return 1 + max((parsed_depth(v) for v in doc.values()), default=0)
    return 0


@settings(max_examples=400)
@given(DOCUMENTS, st.booleans(), st.sampled_from([None, 1, "\t"]))
def test_the_scanner_finds_the_depth_json_loads_finds(doc: object, ascii_only: bool, indent: object) -> None:
    text = json.dumps(doc, ensure_ascii=ascii_only, indent=indent)  # type: ignore[arg-type]
    assert nesting_depth(text.encode("utf-8")) == parsed_depth(json.loads(text))


@settings(max_examples=300)
@given(st.lists(st.sampled_from(["[", "]", "{", "}", '"', "\\", '"a"', '"\\""', "1", ",", ":"]), max_size=60))
def test_on_any_mix_of_brackets_and_strings_a_parsed_document_has_the_scanned_depth(parts: list[str]) -> None:
    text = "".join(parts)
    try:
        doc = json.loads(text)
    except ValueError:
        return
    assert nesting_depth(text.encode()) == parsed_depth(doc)


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000,
        b'{"a":' * 100_000,
        b"[" * 100_000 + b"]" * 100_000,
        b'{"query": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
    ],
)
def test_what_json_loads_cannot_recurse_through_is_refused_naming_the_limit(body: bytes) -> None:
    with pytest.raises(RecursionError):
        json.loads(body)
    refusal = nesting_refusal(body)
    assert refusal.startswith(f"request body nests deeper than {MAX_NESTING} levels")
    assert refusal.endswith("flatten it")


def test_brackets_inside_strings_do_not_count() -> None:
    body = json.dumps({"text": "[" * 10_000 + '\\"{' * 1000}).encode()
    assert nesting_depth(body) == 1 and nesting_refusal(body) == ""


def test_the_limit_itself_is_allowed_and_one_more_is_not() -> None:
    assert nesting_refusal(b"[" * MAX_NESTING + b"]" * MAX_NESTING) == ""
    assert nesting_refusal(b"[" * (MAX_NESTING + 1) + b"]" * (MAX_NESTING + 1)) != ""


ROUTES = RouteTemplates(["/api/individuals", "/api/individuals/{entry_id}"])


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000,
        b'{"a": NaN, "b": Infinity}',
        b"1" * 10_000,
        b"\xff\xfe\x00[",
        b'"\\ud800"',
        b"[" * 900 + b"]" * 900,
    ],
)
def test_describing_a_hostile_body_for_the_audit_log_never_raises(body: bytes) -> None:
    described = describe_request("POST", "/api/individuals", b"", body, routes=ROUTES)
    assert described.startswith("POST /api/individuals sha256:")
    assert query_digest(body.decode("utf-8", "replace")).startswith("sha256:")


@given(st.binary(max_size=200))
def test_describing_any_bytes_never_raises(body: bytes) -> None:
    assert describe_request("POST", "/api/individuals/x", b"", body, routes=ROUTES).startswith("POST ")


@pytest.mark.timeout(30)  # bounds a hang, measures nothing: the old pattern took hours here
@pytest.mark.parametrize("unit", [b'\\"', b"\\\\", b'\\"[', b"\\"])
def test_an_unterminated_string_of_escapes_is_scanned_in_one_pass(unit: bytes) -> None:
    body = b'{"a": "' + unit * (1_000_000 // len(unit))
    assert nesting_depth(body) == 1
    assert nesting_refusal(b"[" * 70 + body) == (
        "request body nests deeper than 64 levels (71 levels); flatten it"
    )
