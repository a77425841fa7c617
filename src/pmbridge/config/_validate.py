"""Reading a config table into its settings model: every problem pydantic finds becomes one
:class:`ConfigError` that names the file, the table, the setting and how to fix it.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from datetime import date
from typing import TypeVar, get_origin

from pydantic import ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from pmbridge.config._model import SettingsModel, table_of
from pmbridge.errors import ConfigError

__all__ = ["closest_name", "toml_text", "validated"]

_M = TypeVar("_M", bound=SettingsModel)
Loc = tuple[int | str, ...]

_KINDS = {
    "bool_type": "true or false",
    "int_type": "a whole number",
    "float_type": "a number",
    "string_type": "text in quotes",
    "list_type": 'a list, e.g. ["a", "b"]',
    "model_type": "a table",
    "dict_type": "a table",
    "date_type": "a TOML date, e.g. 2027-06-30",
    "date_from_datetime_inexact": "a TOML date without a time, e.g. 2027-06-30",
    "finite_number": "a finite number",
    "string_too_short": "non-empty text",
}
_BOUNDS = {
    "greater_than": ("gt", "greater than"),
    "greater_than_equal": ("ge", "at least"),
    "less_than": ("lt", "less than"),
    "less_than_equal": ("le", "at most"),
}


def validated(model: type[_M], table: object, *, where: str, at: Loc = ()) -> _M:
    """``table`` (parsed TOML) checked against ``model``; ``where`` names the file, ``at`` the
    table's place in it (``("policy",)``) when ``table`` is not the whole file.

    >>> from pmbridge.config._model import SettingsModel
    >>> class Hub(SettingsModel):
    ...     deadline_seconds: float = 5.0
    >>> validated(Hub, {"deadline_seconds": 2}, where="hub.toml", at=("hub",)).deadline_seconds
    2.0
    >>> validated(Hub, {"deadline_second": 2}, where="hub.toml", at=("hub",))
    Traceback (most recent call last):
    pmbridge.errors.ConfigError: hub.toml: [hub] has no setting 'deadline_second'; did you mean \
'deadline_seconds'? (hint: the settings of [hub] are: deadline_seconds; see docs/configuration.md)
    >>> validated(Hub, {"deadline_seconds": True}, where="hub.toml", at=("hub",))
    Traceback (most recent call last):
    pmbridge.errors.ConfigError: hub.toml: hub.deadline_seconds must be a number, not true \
(hint: the default is 5.0; see docs/configuration.md)
    """
    try:
        return model.model_validate(table)
    except ValidationError as exc:
        problems = [_problem(error, model, at) for error in exc.errors(include_url=False)]
    message, hint = problems[0]
    if len(problems) > 1:
        message = f"{len(problems)} problems: " + "; and ".join(text for text, _ in problems)
    raise ConfigError(f"{where}: {message}", hint=hint)


def closest_name(name: str, known: Sequence[str]) -> str | None:
    """The known name most like ``name`` (difflib's candidates, fewest edits first), or None.

    >>> closest_name("relase", ["id", "name", "release"]), closest_name("zzz", ["id"])
    ('release', None)
    """
    candidates = difflib.get_close_matches(name, known, n=max(len(known), 1), cutoff=0.5)
    return min(candidates, key=lambda known_name: _edits(name, known_name)) if candidates else None


def _problem(error: ErrorDetails, root: type[SettingsModel], at: Loc) -> tuple[str, str]:
    inner: Loc = tuple(error["loc"])
    loc = at + inner
    owner = _model_at(root, inner[:-1]) or root
    kind = error["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        known = list(owner.model_fields)
        guess = closest_name(key, known)
        label = _table_label(loc[:-1])
        if not label:
            text = f"there is no table [{key}]" + (f"; did you mean [{guess}]?" if guess else "")
            return text, f"the tables are: {', '.join(known)}; see {owner.docs}"
        text = f"{label} has no setting {key!r}" + (f"; did you mean {guess!r}?" if guess else "")
        return text, f"the settings of {label} are: {', '.join(known)}; see {owner.docs}"
    named = _field_at(root, inner)
    hint = _hint(named, owner)
    if kind == "missing":
        if named is not None and table_of(named.annotation) is not None:
            if get_origin(named.annotation) is list:
                return f"no [[{_setting_path(loc)}]] declared", hint
            return f"no [{_setting_path(loc)}] table", hint
        return f"required setting {_setting_path(loc)} is missing", hint
    return f"{_setting_path(loc)} must be {_expected(error)}, not {toml_text(error['input'])}", hint


def _hint(named: FieldInfo | None, owner: type[SettingsModel]) -> str:
    extra = named.json_schema_extra if named is not None else None
    if isinstance(extra, dict) and isinstance(extra.get("hint"), str):
        return f"{extra['hint']}; see {owner.docs}"
    if named is not None and not named.is_required() and table_of(named.annotation) is None:
        default = named.get_default(call_default_factory=True)
        if default is None:
            return f"leave it out to keep it unset; see {owner.docs}"
        return f"the default is {toml_text(default)}; see {owner.docs}"
    return f"see {owner.docs}"


def _expected(error: ErrorDetails) -> str:
    kind, ctx = error["type"], error.get("ctx", {})
    if kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        return f"{words} {ctx[key]}"
    if kind in ("literal_error", "enum"):
        return f"one of {ctx['expected']}"
    if kind == "too_short":
        return f"a list of at least {ctx['min_length']}"
    return _KINDS.get(kind, str(error["msg"]).removeprefix("Input should be ").lower())


def _model_at(root: type[SettingsModel], loc: Loc) -> type[SettingsModel] | None:
    current: type[SettingsModel] | None = root
    for part in loc:
        if isinstance(part, int):
            continue
        if current is None or part not in current.model_fields:
            return None
        current = table_of(current.model_fields[part].annotation)
    return current


def _field_at(root: type[SettingsModel], loc: Loc) -> FieldInfo | None:
    names = [i for i, part in enumerate(loc) if isinstance(part, str)]
    if not names:
        return None
    last = names[-1]
    owner = _model_at(root, loc[:last])
    return None if owner is None else owner.model_fields.get(str(loc[last]))


def _setting_path(loc: Loc) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int) and parts:
            parts[-1] += f"[{part + 1}]"
        else:
            parts.append(str(part))
    return ".".join(parts)


def _table_label(loc: Loc) -> str:
    """``[hub.rate_limits]``, ``[[datasets]] #1`` or ``[datasets.release] of [[datasets]] #1``."""
    if not loc:
        return ""
    indices = [i for i, part in enumerate(loc) if isinstance(part, int)]
    if not indices:
        return f"[{'.'.join(map(str, loc))}]"
    last = indices[-1]
    array = _setting_path(loc[:last])
    entry = f"[[{array}]] #{int(loc[last]) + 1}"
    if last == len(loc) - 1:
        return entry
    return f"[{array}.{'.'.join(map(str, loc[last + 1 :]))}] of {entry}"


def toml_text(value: object) -> str:
    """``value`` as it would be written in TOML (``true``, ``"text"``, ``2027-06-30``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        return repr(value)
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def _edits(a: str, b: str) -> int:
    """Levenshtein distance: insertions, deletions and substitutions from ``a`` to ``b``."""
    row = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, other in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (char != other))
    return row[-1]
