"""Typed configuration: the settings models' base, one way to read a table, and docs from models."""

from pmbridge.config._markdown import setting_names, settings_rows
from pmbridge.config._model import NonEmpty, SettingsModel, default_of
from pmbridge.config._validate import closest_name, validated

__all__ = [
    "NonEmpty",
    "SettingsModel",
    "closest_name",
    "default_of",
    "setting_names",
    "settings_rows",
    "validated",
]
