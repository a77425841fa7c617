"""The docs' settings tables, rendered from the settings models (a test keeps the docs equal)."""

from __future__ import annotations

from collections.abc import Collection
from typing import get_origin

from pmbridge.config._model import SettingsModel, table_of
from pmbridge.config._validate import toml_text

__all__ = ["setting_names", "settings_rows"]


def setting_names(model: type[SettingsModel], *, prefix: str) -> list[str]:
    """Every setting of ``model`` and the tables below it, as the docs name them.

    >>> class Limits(SettingsModel):
    ...     burst: int = 5
    >>> class Hub(SettingsModel):
    ...     name: str = "hub"
    ...     limits: Limits = Limits()
    >>> _ = Hub.model_rebuild()  # doctests see annotations as text; resolve Limits
    >>> setting_names(Hub, prefix="hub.")
    ['hub.name', 'hub.limits.burst']
    """
    return [row.split("`", 2)[1] for row in settings_rows(model, prefix=prefix)]


def settings_rows(
    model: type[SettingsModel],
    *,
    prefix: str,
    exclude: Collection[str] = (),
    extra: str | None = None,
) -> list[str]:
    """One Markdown row per setting: ``| `name` | default | what it does |``, plus the field's
    ``json_schema_extra[extra]`` as a fourth cell when ``extra`` is given.

    The default cell is the declared default in TOML, ``*(required)*``, ``*(unset)*`` (None), or
    the field's ``json_schema_extra["shown"]`` where a sentence says it better.
    """
    rows: list[str] = []
    for name, field in model.model_fields.items():
        if name in exclude:
            continue
        table = table_of(field.annotation)
        if table is not None:
            below = f"{prefix}{name}[]." if get_origin(field.annotation) is list else f"{prefix}{name}."
            rows += settings_rows(table, prefix=below, extra=extra)
            continue
        schema = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        shown = schema.get("shown")
        if isinstance(shown, str):
            default = shown
        elif field.is_required():
            default = "*(required)*"
        else:
            value = field.get_default(call_default_factory=True)
            default = "*(unset)*" if value is None else f"`{toml_text(value)}`"
        cells = [f"`{prefix}{name}`", default, field.description or ""]
        if extra is not None:
            cells.append(str(schema.get(extra, "")))
        rows.append("| " + " | ".join(cells) + " |")
    return rows
