"""The fast phenopacket validator against the official parser, json_format.Parse(text, Phenopacket()).

Real files must be accepted by both; mutated real files and mangled bytes must be accepted by ours
exactly when the oracle accepts them. The one deliberate difference: a top-level ``[]`` or ``""``
(the oracle makes an empty Phenopacket of them; we refuse anything but a JSON object).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from google.protobuf import json_format
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from phenopackets import Phenopacket

from pmbridge.ingest import Problem, parse_phenopacket, to_patient_record, validate_phenopacket
from pmbridge.model import PatientRecord

# Module level (hypothesis samples from it): tests/conftest.py sets PMBRIDGE_DATA_DIR before import.
DATA = Path(os.environ["PMBRIDGE_DATA_DIR"])
DEV = DATA / "phenopackets-dev"
EXAMPLES = DATA / "examples" / "phenopackets"
REAL_FILES = sorted(DEV.glob("*/*.json")) + sorted(EXAMPLES.glob("*.json"))
# A fixed, spread-out sample for the mutation tests: every 97th development file and the examples.
SAMPLE = [path.read_bytes() for path in sorted(DEV.glob("*/*.json"))[::97]] + [
    path.read_bytes() for path in sorted(EXAMPLES.glob("*.json"))
]


def oracle_accepts(raw: bytes) -> bool:
    """What the official parser says, less our one deliberate difference (top level not an object)."""
    try:
        json_format.Parse(raw, Phenopacket())
    except Exception:  # ParseError, UnicodeDecodeError: any raise is a refusal
        return False
    return isinstance(json.loads(raw), dict)


def assert_agrees(raw: bytes) -> bool:
    """Assert ours agrees with the oracle on ``raw``; returns the shared verdict."""
    expected = oracle_accepts(raw)
    doc, problems = parse_phenopacket(raw)
    assert (not problems) == expected, (raw[:2000], problems[:5])
    assert all(p.path.startswith("$") and p.reason for p in problems)
    if expected:
        assert isinstance(doc, dict)
        assert isinstance(to_patient_record(doc, dataset_id="t"), PatientRecord)
    return expected


# --- 1. real files ------------------------------------------------------------------------------


def test_every_real_file_is_accepted_by_both() -> None:
    assert len(REAL_FILES) > 4800
    refused = [path for path in REAL_FILES if parse_phenopacket(path.read_bytes())[1]]
    assert refused == []
    officially_refused = [path for path in REAL_FILES if not oracle_accepts(path.read_bytes())]
    assert officially_refused == []


# --- 2. hand-picked corner cases of json_format ------------------------------------------------

GV = '{"interpretations": [{"diagnosis": {"genomicInterpretations": [%s]}}]}'
VCF = GV % '{"variantInterpretation": {"variationDescriptor": {"vcfRecord": {"pos": %s}}}}'
QUANTITY = '{"measurements": [{"value": {"quantity": {"value": %s}}}]}'
CORNER_CASES = [
    "{}",
    '{"subject": []}',
    '{"subject": ""}',
    '{"subject": "ab"}',
    '{"subject": [1]}',
    '{"subject": {"sex": true}}',
    '{"subject": {"sex": 5.5}}',
    '{"subject": {"sex": 2147483647}}',
    '{"subject": {"sex": 2147483648}}',
    '{"subject": {"sex": -2147483649}}',
    '{"subject": {"sex": 4294967297}}',  # the runtime's number lookup truncates to 32 bits
    '{"subject": {"sex": 4294967301}}',
    '{"subject": {"sex": -9223372036854775808}}',
    '{"subject": {"sex": 9223372036854775808}}',
    '{"subject": {"sex": -9223372036854775809}}',  # orjson reads -2**63 (a float), json an int
    '{"subject": {"sex": -9223372036854775808.0}}',
    '{"subject": {"sex": " 3 "}}',
    '{"subject": {"sex": "female"}}',
    '{"subject": {"sex": "\u0663"}}',
    '{"subject": {"sex": 1e10}}',
    '{"subject": {"sex": NaN}}',
    '{"subject": {"sex": Infinity}}',
    '{"subject": {"vitalStatus": {"survivalTimeInDays": 4294967296}}}',
    '{"subject": {"vitalStatus": {"survivalTimeInDays": "1e3"}}}',
    '{"subject": {"vitalStatus": {"survivalTimeInDays": " 1"}}}',
    '{"subject": {"vitalStatus": {"survivalTimeInDays": "\\t1"}}}',
    '{"subject": {"vitalStatus": {"survivalTimeInDays": "1_0"}}}',
    '{"subject": {"vitalStatus": {"survivalTimeInDays": 5.5}}}',
    '{"subject": {"vitalStatus": {"survivalTimeInDays": 1e400}}}',
    '{"subject": {"dateOfBirth": []}}',
    '{"subject": {"dateOfBirth": "2020-1-5T1:2:3Z"}}',
    '{"subject": {"dateOfBirth": "2020-01-05T01:02:03+01:00"}}',
    '{"subject": {"dateOfBirth": "2020-01-05T01:02:03"}}',
    '{"subject": {"dateOfBirth": "2021-02-30T10:35:00Z"}}',
    '{"subject": {"dateOfBirth": "2021-01-30t10:35:00Z"}}',
    '{"subject": {"dateOfBirth": "2021-01-30T10:35:00.1234567891Z"}}',
    '{"subject": {"dateOfBirth": "0000-01-30T10:35:00Z"}}',
    '{"subject": {"id": "\\ud800"}}',
    '{"subject": {"id": "\\ud83d\\ude00"}}',
    '{"subject": {"alternate_ids": ["a"], "alternateIds": ["b"]}}',
    '{"subject": {"timeAtLastEncounter": {"age": {}, "ontologyClass": {}}}}',
    '{"subject": {"timeAtLastEncounter": {"age": {}, "ontology_class": null}}}',
    '{"subject": {"timeAtLastEncounter": {"age": {}, "age": {}}}}',
    '{"subject" : {"sex" : "FEMALE", "sex" : "MALE"}}',
    '{"id": "a\\"b", "id": "c"}',
    '{"[foo]": 1}',
    '{"biosamples": [null]}',
    '{"biosamples": [[]]}',
    '{"biosamples": [""]}',
    '{"phenotypicFeatures": [{"excluded": "true"}]}',
    '{"files": [{"fileAttributes": {"a": null}}]}',
    '{"files": [{"fileAttributes": null, "individualToFileIdentifiers": {"\\u00e9 x": "y"}}]}',
    QUANTITY % "true",
    QUANTITY % '"NaN"',
    QUANTITY % '"nan"',
    QUANTITY % ("1" + "0" * 60),
    QUANTITY % ("1" + "0" * 400),
    QUANTITY % "-Infinity",
    VCF % '"18446744073709551615"',
    VCF % "18446744073709551616",
    VCF % "-9223372036854775809",
    VCF % '"-0"',
    GV % '{"gene": {}, "variantInterpretation": null}',
    GV % '{"gene": {}, "variant_interpretation": {}}',
    GV % '{"variantInterpretation": {"variationDescriptor": {"variation": {"allele": {"Id": "x"}}}}}',
    GV % '{"variantInterpretation": {"variationDescriptor": {"variation": {"allele": {"_id": 1}}}}}',
    "",
    "{",
    "[1]",
    "null",
    "NaN",
    '"a"',
]


@pytest.mark.parametrize("text", CORNER_CASES)
def test_corner_case_agrees_with_oracle(text: str) -> None:
    assert_agrees(text.encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize("raw", [b"[]", b'""'])
def test_top_level_must_be_an_object_although_the_oracle_takes_these(raw: bytes) -> None:
    json_format.Parse(raw, Phenopacket())  # the oracle's quirk: an empty Phenopacket
    doc, problems = parse_phenopacket(raw)
    assert doc is None
    assert [p.path for p in problems] == ["$"]
    assert "JSON object" in problems[0].reason


def test_all_problems_are_reported_in_one_pass_with_paths() -> None:
    raw = (
        b'{"id": 7, "subject": {"sex": "male", "idd": "x"},'
        b' "phenotypicFeatures": [{"type": {"id": "HP:1"}}, {"type": {"id": 1}, "excluded": 1}]}'
    )
    _, problems = parse_phenopacket(raw)
    assert [p.path for p in problems] == [
        "$.id",
        "$.subject.sex",
        "$.subject.idd",
        "$.phenotypicFeatures[1].type.id",
        "$.phenotypicFeatures[1].excluded",
    ]
    assert "FEMALE" in problems[1].reason  # the fix: the allowed names


def test_byte_level_problems_name_line_and_column() -> None:
    doc, problems = parse_phenopacket(b'{\n  "id": "\xff"\n}')
    assert doc is None
    assert problems == [Problem("$", "not UTF-8: byte 0xff at line 2, column 10; save the file as UTF-8")]
    _, problems = parse_phenopacket(b'{\n  "id": \n}')
    assert problems[0].path == "$"
    assert "line 3, column 1" in problems[0].reason


def test_duplicate_keys_are_found_with_their_path() -> None:
    raw = b'{"subject": {"id": "a", "sex": "MALE", "id": "b"}, "id": "x"}'
    assert parse_phenopacket(raw)[1] == [
        Problem("$.subject.id", 'the key "id" appears more than once; keep one')
    ]
    assert not oracle_accepts(raw)


@pytest.mark.parametrize("levels", [45, 46, 47])
@pytest.mark.parametrize("leaf", [{}, [], {"text": {"definition": "d"}}])
def test_nesting_depth_limit_agrees_with_oracle(levels: int, leaf: Any) -> None:
    # Phenopacket > Interpretation > ... > Variation is 7 messages; each level adds 2 more.
    call = {"variantInterpretation": {"variationDescriptor": {"variation": deep_variation(levels, leaf)}}}
    doc = {"interpretations": [{"diagnosis": {"genomicInterpretations": [call]}}]}
    assert_agrees(json.dumps(doc).encode())


# --- 3. mutated real documents ------------------------------------------------------------------


class Dup:
    """A JSON object written with a repeated key, which Python dicts cannot hold."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        self.pairs = pairs


def dumps(value: Any, seps: tuple[str, str], ascii_only: bool) -> str:
    item_sep, key_sep = seps
    if isinstance(value, Dup | dict):
        pairs = value.pairs if isinstance(value, Dup) else list(value.items())
        inner = item_sep.join(
            json.dumps(k, ensure_ascii=ascii_only) + key_sep + dumps(v, seps, ascii_only) for k, v in pairs
        )
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + item_sep.join(dumps(v, seps, ascii_only) for v in value) + "]"
    return json.dumps(value, ensure_ascii=ascii_only)


def _proto_names() -> dict[str, str]:
    names: dict[str, str] = {}
    oneof_members: set[str] = set()
    enum_names: set[str] = set()
    seen: set[str] = set()
    todo = [Phenopacket.DESCRIPTOR]
    while todo:
        desc = todo.pop()
        if desc.full_name in seen:
            continue
        seen.add(desc.full_name)
        for field in desc.fields:
            names[field.json_name] = field.name
            if field.containing_oneof is not None:
                oneof_members.update({field.json_name, field.name})
            if field.enum_type is not None:
                enum_names.update(v.name for v in field.enum_type.values)
            if field.message_type is not None:
                todo.append(field.message_type)
    ONEOF_MEMBERS.extend(sorted(oneof_members))
    ENUM_NAMES.extend(sorted(enum_names))
    return names


ONEOF_MEMBERS: list[str] = []
ENUM_NAMES: list[str] = []
PROTO_NAMES = _proto_names()
KEYS = sorted(set(PROTO_NAMES) | set(PROTO_NAMES.values()) | {"value", "element", "call", "x"})

BOUNDARY_INTS = [0, -1, 1, 2**31 - 1, 2**31, -(2**31) - 1, 2**32 - 1, 2**32, 2**63, 2**64 - 1, 2**64]
SPECIAL_FLOATS = [5.0, 5.5, -0.0, 1e300, 1e10, float("nan"), float("inf"), float("-inf")]
TRICKY_TEXT = [
    "", " 1", "1 ", "\t1", "1e3", "1.0", "1.5", "-0", "1_0", "\u0663", "0x10", "NaN", "nan",
    "Infinity", "-Infinity", "inf", "true", "MALE", "male", "PATHOGENIC", "\ud800", 'a"b', 'q":',
    "2021-05-14T10:35:00Z", "2021-05-14T10:35:00.123456789Z", "2021-05-14T10:35:00+05:30",
    "2021-5-4T1:3:0Z", "2021-05-14T10:35:00", "2021-05-14 10:35:00Z", "2021-05-14T24:00:00Z",
    "18446744073709551615", "18446744073709551616", "4294967295",
]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(BOUNDARY_INTS),
    st.integers(-(2**70), 2**70),
    st.sampled_from(SPECIAL_FLOATS),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(TRICKY_TEXT),
    st.sampled_from(ENUM_NAMES),
    st.text(max_size=6),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=3),
    max_leaves=6,
)


def nodes(doc: Any) -> list[tuple[Any, Any]]:
    """(container, key or index) of every value below the root."""
    found: list[tuple[Any, Any]] = []
    stack = [doc]
    while stack:
        node = stack.pop()
        slots = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in slots:
            found.append((node, key))
            if isinstance(child, dict | list):
                stack.append(child)
    return found


def deep_variation(levels: int, leaf: Any) -> dict[str, Any]:
    """A Variation nesting VariationSet -> Member -> VariationSet ... ``levels`` times."""
    value: Any = leaf
    for _ in range(levels):
        value = {"variationSet": {"members": [value]}}
    return value


def mutate(doc: dict[str, Any], data: st.DataObject) -> str:
    kind = data.draw(st.sampled_from(MUTATIONS))
    found = nodes(doc)
    dicts = [doc] + [c[k] for c, k in found if isinstance(c[k], dict)]
    if kind in {"retype", "empty", "swap", "null", "enum", "number", "text"} and found:
        container, key = data.draw(st.sampled_from(found))
        old = container[key]
        container[key] = {
            "retype": lambda: data.draw(json_values),
            "empty": lambda: data.draw(st.sampled_from([{}, [], "", None])),
            "null": lambda: None,
            "swap": lambda: [old] if not isinstance(old, list) else (old[0] if old else {}),
            "enum": lambda: data.draw(st.sampled_from(ENUM_NAMES) | st.integers(-5, 10)),
            "number": lambda: data.draw(st.sampled_from(BOUNDARY_INTS + SPECIAL_FLOATS)),
            "text": lambda: data.draw(st.sampled_from(TRICKY_TEXT)),
        }[kind]()
    elif kind == "unknown_key":
        target = data.draw(st.sampled_from(dicts))
        target[data.draw(st.sampled_from(KEYS) | st.text(max_size=4))] = data.draw(json_values)
    elif kind == "snake_case":
        target = data.draw(st.sampled_from(dicts))
        renamable = [k for k in target if PROTO_NAMES.get(k, k) != k]
        if renamable:
            key = data.draw(st.sampled_from(renamable))
            value = target.pop(key) if data.draw(st.booleans()) else data.draw(json_values)
            target[PROTO_NAMES[key]] = value
    elif kind == "oneof":
        target = data.draw(st.sampled_from(dicts))
        target[data.draw(st.sampled_from(ONEOF_MEMBERS))] = data.draw(
            st.sampled_from([{}, None, "x", {"id": "HP:1", "label": "y"}, []])
        )
    elif kind == "null_in_list":
        lists = [c[k] for c, k in found if isinstance(c[k], list)]
        if lists:
            target_list = data.draw(st.sampled_from(lists))
            target_list.insert(data.draw(st.integers(0, len(target_list))), None)
    elif kind == "deep":
        leaf = data.draw(st.sampled_from([{}, [], "", {"curie": "x"}, {"text": {"definition": "d"}}]))
        descriptor = {"variation": deep_variation(data.draw(st.integers(40, 50)), leaf)}
        call = {"variantInterpretation": {"variationDescriptor": descriptor}}
        doc["interpretations"] = [{"diagnosis": {"genomicInterpretations": [call]}}]
    elif kind == "files":
        attributes = data.draw(st.dictionaries(st.text(max_size=3), scalars, max_size=3))
        doc["files"] = [{"uri": "file:///x.vcf", "fileAttributes": attributes}]
    return kind


MUTATIONS = [
    "retype", "empty", "swap", "null", "enum", "number", "text", "unknown_key", "snake_case",
    "oneof", "null_in_list", "deep", "files", "duplicate",
]  # fmt: skip
SEPARATORS = [(",", ":"), (", ", ": "), (",", " : "), (",\n", "\n:\t")]


def add_duplicate(doc: dict[str, Any], data: st.DataObject) -> Any:
    """Rewrite one non-empty object (the root included) so that one of its keys appears twice."""
    found = [(c, k) for c, k in nodes(doc) if isinstance(c[k], dict) and c[k]]
    choice = data.draw(st.sampled_from([None, *found]))
    target = doc if choice is None else choice[0][choice[1]]
    if not target:
        return doc
    pairs = list(target.items())
    repeated = data.draw(st.sampled_from(pairs))
    pairs.insert(data.draw(st.integers(0, len(pairs))), (repeated[0], data.draw(json_values)))
    if choice is None:
        return Dup(pairs)
    choice[0][choice[1]] = Dup(pairs)
    return doc


@settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(raw=st.sampled_from(SAMPLE), data=st.data())
def test_mutated_documents_agree_with_oracle(raw: bytes, data: st.DataObject) -> None:
    doc = orjson.loads(raw)
    kinds = [mutate(doc, data) for _ in range(data.draw(st.integers(1, 3)))]
    written: Any = add_duplicate(doc, data) if "duplicate" in kinds else doc
    seps = data.draw(st.sampled_from(SEPARATORS))
    text = dumps(written, seps, ascii_only=data.draw(st.booleans()))
    verdict = assert_agrees(text.encode("utf-8", "surrogatepass"))
    event(f"oracle {'accepts' if verdict else 'refuses'}")
    if not isinstance(written, Dup) and "duplicate" not in kinds:
        # The same object handed over directly, as ParseDict would get it.
        assert (not validate_phenopacket(doc)) == _parse_dict_accepts(doc)


def _parse_dict_accepts(doc: dict[str, Any]) -> bool:
    try:
        json_format.ParseDict(doc, Phenopacket())
    except Exception:
        return False
    return True


# --- 4. mangled bytes ---------------------------------------------------------------------------

Mangle = Callable[[bytes, st.DataObject], bytes]


def _truncate(raw: bytes, data: st.DataObject) -> bytes:
    return raw[: data.draw(st.integers(0, len(raw)))]


def _insert(raw: bytes, data: st.DataObject) -> bytes:
    at = data.draw(st.integers(0, len(raw)))
    junk = data.draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00", b",", b"}", b" "]))
    return raw[:at] + junk + raw[at:]


def _replace(raw: bytes, data: st.DataObject) -> bytes:
    at = data.draw(st.integers(0, len(raw) - 1))
    return raw[:at] + bytes([data.draw(st.integers(0, 255))]) + raw[at + 1 :]


def _wrap(raw: bytes, data: st.DataObject) -> bytes:
    return data.draw(
        st.sampled_from([b"[" + raw + b"]", b"\xef\xbb\xbf" + raw, raw + b"x", raw + b"\n\n", b"  " + raw])
    )


MANGLERS: list[Mangle] = [_truncate, _insert, _replace, _wrap]
ODD_INPUTS = [b"", b" ", b"[]", b"{}", b"null", b"0", b'""', b"[{}]", b"\xef\xbb\xbf{}", b"{}{}"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.sampled_from(SAMPLE) | st.sampled_from(ODD_INPUTS), data=st.data())
def test_mangled_bytes_agree_with_oracle(raw: bytes, data: st.DataObject) -> None:
    mangle = data.draw(st.sampled_from(MANGLERS))
    assert_agrees(mangle(raw, data) if raw else raw)


def test_sample_reaches_deep_and_varied_documents() -> None:
    # the mutation sample must include documents with measurements, timestamps and variants
    texts = b"".join(SAMPLE)
    assert len(SAMPLE) >= 50
    assert all(marker in texts for marker in (b"measurements", b"timestamp", b"vcfRecord"))
