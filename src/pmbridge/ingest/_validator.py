"""A fast Phenopacket v2 validator that accepts exactly what the official protobuf parser accepts.

``google.protobuf.json_format.Parse(text, Phenopacket())`` is the oracle (tests/ingest proves the
two agree); this module walks orjson output against rules compiled from the same descriptors.

Where the oracle is quirky we follow it: it takes ``[]`` or ``""`` for any nested message, open
enum numbers (even ``true`` or ``5.5``), numeric strings for integers, both a field's JSON name and
its proto name as keys. One deliberate exception: a top-level ``[]`` or ``""``, which the oracle
turns into an empty Phenopacket, is refused here as "not a JSON object".

Duplicate object keys, which the oracle refuses and orjson silently collapses, are caught by
counting: every JSON string (key or value) the walk accepts is one token with two quote marks in
the text, so when twice that count equals the number of ``"`` bytes no key can have been dropped.
Otherwise (a duplicate, an escaped quote, a value we did not count) the text is re-read with the
standard library, which finds duplicates exactly. The count costs one ``bytes.count``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import orjson
from phenopackets import Phenopacket

from pmbridge.ingest._proto_rules import (
    Cardinality,
    FieldRule,
    MessageRule,
    ScalarKind,
    Shape,
    compile_rules,
    describe,
    scalar_problem,
    string_wkt_problem,
)

__all__ = ["Problem", "parse_phenopacket", "validate_phenopacket"]

MAX_DEPTH = 100  # json_format's default max_recursion_depth, counted in messages
_ROOT = compile_rules(Phenopacket.DESCRIPTOR)
_SINGLE, _REPEATED, _STRING = Cardinality.SINGLE, Cardinality.REPEATED, ScalarKind.STRING
_S_STRING, _S_MESSAGE, _S_MESSAGES, _S_ENUM, _S_BOOL = (
    Shape.STRING,
    Shape.MESSAGE,
    Shape.MESSAGES,
    Shape.ENUM,
    Shape.BOOL,
)
_INTEGRAL = frozenset({ScalarKind.INT, ScalarKind.ENUM})
_INT64_MIN = -(2.0**63)
_SURROGATE = re.compile("[\ud800-\udfff]")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a phenopacket: where (a JSON path such as ``$.subject.sex``) and why."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class _Recheck(Problem):
    """Not a problem but a flag: an integer literal beyond int64 reaches us from orjson as a float,
    and the only such float that an integer or enum field could take is -2**63; the stdlib reader,
    which keeps the integer, must decide."""


def parse_phenopacket(raw: bytes) -> tuple[dict[str, object] | None, list[Problem]]:
    """Parse and validate one phenopacket file, reporting every problem in one pass.

    The document comes back whenever the bytes are a JSON object, even with schema problems (so a
    report can name it); convert it only when the problem list is empty.

    >>> parse_phenopacket(b'{"id": "p1", "subject": {"sex": "MALE"}}')
    ({'id': 'p1', 'subject': {'sex': 'MALE'}}, [])
    >>> parse_phenopacket(b'{"id": 1}')[1]
    [Problem(path='$.id', reason='expected a string, got 1; put the value in quotes')]
    """
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _parse_with_stdlib(raw)
    if type(doc) is not dict:
        return None, [_not_an_object(doc)]
    problems: list[Problem] = []
    strings = _check_message(doc, _ROOT, "$", 1, problems)
    if any(type(problem) is _Recheck for problem in problems):
        return _parse_with_stdlib(raw)
    if 2 * strings != raw.count(b'"'):
        # orjson keeps the last of duplicate keys; the oracle refuses them.
        try:
            _, duplicates = _load_with_stdlib(raw.decode("utf-8"))
        except (ValueError, RecursionError) as error:  # deeper than the stdlib reader goes
            duplicates = [Problem("$", f"not valid JSON for the standard reader: {error}")]
        problems[:0] = duplicates
    return doc, problems


def validate_phenopacket(doc: object) -> list[Problem]:
    """Every problem the official parser would have with ``doc`` (a JSON value, e.g. from orjson).

    >>> validate_phenopacket({"subject": {"timeAtLastEncounter": {"age": {}, "timestamp": None}}})
    []
    >>> [p.path for p in validate_phenopacket({"phenotypicFeatures": [{"type": {"idd": "x"}}]})]
    ['$.phenotypicFeatures[0].type.idd']
    """
    if not isinstance(doc, dict):
        return [_not_an_object(doc)]
    problems: list[Problem] = []
    _check_message(doc, _ROOT, "$", 1, problems)
    return _without_flags(problems)


def _without_flags(problems: list[Problem]) -> list[Problem]:
    return [problem for problem in problems if type(problem) is not _Recheck]


def _not_an_object(doc: object) -> Problem:
    return Problem("$", f"a phenopacket is a JSON object {{...}}, but this is {describe(doc)}")


def _check_message(  # noqa: PLR0915 - the hot loop, inlined on purpose
    value: object, rule: MessageRule, path: str, depth: int, out: list[Problem]
) -> int:
    """Check one message value; returns how many JSON strings (keys included) it passed as valid.

    The count feeds the duplicate-key check, so a string is counted only where it certainly is
    one distinct token of the text.
    """
    if depth > MAX_DEPTH:
        out.append(Problem(path, f"messages nest more than {MAX_DEPTH} deep; flatten the document"))
        return 0
    if rule.from_json is not None:
        reason = string_wkt_problem(value, rule)
        if reason is not None:
            out.append(Problem(path, reason))
            return 0
        return 1
    if type(value) is not dict and not isinstance(value, dict):
        # json_format iterates the value as if it were an object: empty sequences pass.
        if not (isinstance(value, list | tuple | str) and not value):
            out.append(Problem(path, f"expected an object ({rule.name}), got {describe(value)}"))
        return 0
    strings = len(value)
    fields = rule.fields
    oneofs_set: dict[str, str] | None = {} if rule.oneofs else None
    for key, item in value.items():
        field = fields.get(key)
        if field is None:
            out.append(_unknown_key(rule, path, key))
            continue
        if oneofs_set is not None:
            if key in oneofs_set:
                out.append(Problem(_child(path, key), f'"{key}" names a oneof of {rule.name}'))
            oneof = field.oneof
            if oneof is not None and item is not None:
                if oneof in oneofs_set:
                    out.append(_oneof_clash(rule, path, key, oneofs_set[oneof], oneof))
                else:
                    oneofs_set[oneof] = key
        if item is None:
            continue  # null clears a field
        shape = field.shape
        if shape is _S_STRING:
            if type(item) is str and (item.isascii() or _SURROGATE.search(item) is None):
                strings += 1
                continue
        elif shape is _S_MESSAGE:
            sub: MessageRule = field.message  # type: ignore[assignment]
            if sub.flat and type(item) is dict and depth < MAX_DEPTH and _flat_ok(item, sub):
                strings += 2 * len(item)
            else:
                strings += _check_message(item, sub, f"{path}.{key}", depth + 1, out)
            continue
        elif shape is _S_MESSAGES:
            strings += _check_repeated(item, field, f"{path}.{key}", depth, out)
            continue
        elif shape is _S_ENUM:
            if type(item) is str and item in field.enum.numbers_by_name:  # type: ignore[union-attr]
                strings += 1
                continue
        elif shape is _S_BOOL:
            if type(item) is bool:
                continue
        else:
            card = field.cardinality
            if card is _REPEATED:
                strings += _check_repeated(item, field, f"{path}.{key}", depth, out)
            elif card is not _SINGLE:
                strings += _check_map(item, field, f"{path}.{key}", depth, out)
            elif field.message is not None:  # a well-known type such as Timestamp
                strings += _check_message(item, field.message, f"{path}.{key}", depth + 1, out)
            else:
                strings += _scalar(item, field, f"{path}.{key}", out)
            continue
        strings += _scalar(item, field, f"{path}.{key}", out)
    return strings


def _flat_ok(item: dict[str, object], rule: MessageRule) -> bool:
    """Whether a flat message (string fields only, like OntologyClass) is plainly valid."""
    fields = rule.fields
    for key, value in item.items():
        if key not in fields or type(value) is not str or not value.isascii():
            return False
    return True


def _scalar(item: object, field: FieldRule, path: str, out: list[Problem]) -> int:
    """Check a non-message value; returns 1 when it is a valid JSON string (one token), else 0."""
    if item == _INT64_MIN and type(item) is float and field.kind in _INTEGRAL:
        out.append(_Recheck(path, "orjson may have rounded an integer below -2**63 to this float"))
    reason = scalar_problem(item, field)
    if reason is not None:
        out.append(Problem(path, reason))
        return 0
    return 1 if isinstance(item, str) else 0


def _check_repeated(value: object, field: FieldRule, path: str, depth: int, out: list[Problem]) -> int:
    if not isinstance(value, list | tuple):
        what = f"{field.message.name} objects" if field.message else "values"
        out.append(Problem(path, f"expected a list of {what}, got {describe(value)}"))
        return 0
    strings = 0
    message = field.message
    if message is not None:
        flat = message.flat and depth + 1 < MAX_DEPTH
        for index, item in enumerate(value):
            if item is None:
                out.append(Problem(f"{path}[{index}]", "null is not allowed in a list; remove it"))
            elif flat and type(item) is dict and _flat_ok(item, message):
                strings += 2 * len(item)
            else:
                strings += _check_message(item, message, f"{path}[{index}]", depth + 1, out)
        return strings
    for index, item in enumerate(value):
        if item is None:
            out.append(Problem(f"{path}[{index}]", "null is not allowed in a list; remove it"))
        elif type(item) is str and field.kind is _STRING and item.isascii():
            strings += 1
        else:
            strings += _scalar(item, field, f"{path}[{index}]", out)
    return strings


def _check_map(value: object, field: FieldRule, path: str, depth: int, out: list[Problem]) -> int:
    if not isinstance(value, dict):
        out.append(Problem(path, f"expected an object of key/value pairs, got {describe(value)}"))
        return 0
    key_rule, value_rule = field.map_key, field.map_value
    if key_rule is None or value_rule is None:  # compile_rules sets both for every map
        return 0
    strings = len(value)
    for key, item in value.items():
        item_path = _child(path, key)
        reason = scalar_problem(key, key_rule, map_key=True)
        if reason is not None:
            out.append(Problem(item_path, f"bad key: {reason}"))
        if value_rule.message is not None:
            strings += _check_message(item, value_rule.message, item_path, depth + 1, out)
        else:
            strings += _scalar(item, value_rule, item_path, out)
    return strings


def _child(path: str, key: str) -> str:
    return f"{path}.{key}" if _IDENTIFIER.fullmatch(key) else f"{path}[{json.dumps(key)}]"


def _unknown_key(rule: MessageRule, path: str, key: str) -> Problem:
    names = ", ".join(rule.json_names)
    return Problem(_child(path, key), f'{rule.name} has no field "{key}"; remove it or use one of: {names}')


def _oneof_clash(rule: MessageRule, path: str, key: str, first: str, oneof: str) -> Problem:
    members = ", ".join(rule.oneofs[oneof])
    return Problem(
        _child(path, key),
        f'"{first}" and "{key}" are both set, but {rule.name} takes only one of: {members}; keep one',
    )


def _parse_with_stdlib(raw: bytes) -> tuple[dict[str, object] | None, list[Problem]]:
    """The slow path for what orjson refuses: the oracle's own reader decides (NaN, huge ints)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _line_column(raw, error.start)
        return None, [
            Problem(
                "$",
                f"not UTF-8: byte 0x{raw[error.start]:02x} at line {line}, column {column}; "
                "save the file as UTF-8",
            )
        ]
    try:
        doc, duplicates = _load_with_stdlib(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        return None, [Problem("$", f"not valid JSON: {error.msg} at {where}")]
    except (ValueError, RecursionError) as error:
        return None, [Problem("$", f"not valid JSON: {error}")]
    if not isinstance(doc, dict):
        return None, [_not_an_object(doc)]
    problems = duplicates
    _check_message(doc, _ROOT, "$", 1, problems)
    return doc, _without_flags(problems)


def _load_with_stdlib(text: str) -> tuple[object, list[Problem]]:
    """``json.loads`` as the oracle calls it, plus a problem for each duplicated key."""
    clashes: list[tuple[dict[str, object], list[str]]] = []

    def pairs_hook(pairs: list[tuple[str, object]]) -> dict[str, object]:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            names = [name for name, _ in pairs]
            clashes.append((obj, sorted({n for n in names if names.count(n) > 1})))
        return obj

    doc = json.loads(text, object_pairs_hook=pairs_hook)
    if not clashes:
        return doc, []
    paths = _paths_of({id(obj) for obj, _ in clashes}, doc)
    return doc, [
        Problem(_child(paths[id(obj)], name), f'the key "{name}" appears more than once; keep one')
        for obj, names in clashes
        for name in names
    ]


def _paths_of(wanted: set[int], doc: object) -> dict[int, str]:
    """JSON paths of the containers whose ids are in ``wanted`` (iterative: the tree may be deep)."""
    found: dict[int, str] = {}
    stack: list[tuple[object, str]] = [(doc, "$")]
    while stack:
        node, path = stack.pop()
        if id(node) in wanted:
            found[id(node)] = path
        if isinstance(node, dict):
            stack.extend((item, _child(path, key)) for key, item in node.items())
        elif isinstance(node, list):
            stack.extend((item, f"{path}[{i}]") for i, item in enumerate(node))
    return found


def _line_column(raw: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column of a byte offset."""
    return raw.count(b"\n", 0, offset) + 1, offset - raw.rfind(b"\n", 0, offset)
