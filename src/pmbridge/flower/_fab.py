"""The Flower app bundle (FAB) of PM Bridge's one learning app, built from the copy installed with
pmbridge, and its sha256: the hash by which nodes pin the app.

The app directory holds only a ``pyproject.toml`` whose components name modules of the installed
package, so the FAB is a few hundred bytes and Flower's builder makes it byte for byte the same
each time (fixed dates, sorted paths, a re-serialised TOML without comments).
"""

from __future__ import annotations

import hashlib
import importlib
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

from flwr.cli.build import build_fab_from_disk

from pmbridge.errors import ConfigError

APP_DIR: Final = Path(__file__).resolve().parent / "app"
"""The app shipped inside pmbridge: ``pyproject.toml`` with ``[tool.flwr.app]``."""


@dataclass(frozen=True, slots=True)
class AppBundle:
    """A FAB's bytes and their sha256 (lower-case hex, as Flower names ``fab_hash``)."""

    content: bytes
    sha256: str


def fab_sha256(content: bytes) -> str:
    """The hash Flower keys a FAB by, and the one node allow-lists hold.

    >>> fab_sha256(b"")
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
    """
    return hashlib.sha256(content).hexdigest()


def build_bundle(app_dir: Path) -> AppBundle:
    """The FAB of the Flower app in ``app_dir``, built the way ``flwr build`` builds it."""
    try:
        content = build_fab_from_disk(app_dir)
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"cannot build the Flower app in {app_dir}: {exc}",
            hint="reinstall pmbridge; the app directory ships inside the package (pmbridge/flower/app)",
        ) from exc
    return AppBundle(content, fab_sha256(content))


def installed_component(component: str) -> object:
    """The object that the *installed* app's ``[tool.flwr.app.components]`` names for ``component``
    (``clientapp`` or ``serverapp``), imported from the installed package: never from a FAB."""
    try:
        config = tomllib.loads((APP_DIR / "pyproject.toml").read_text(encoding="utf-8"))
        module_name, _, attribute = config["tool"]["flwr"]["app"]["components"][component].partition(":")
        found: object = importlib.import_module(module_name)
        for part in attribute.split("."):
            found = getattr(found, part)
    except (OSError, KeyError, ValueError, ImportError, AttributeError) as exc:
        raise ConfigError(
            f"cannot load the installed Flower app's {component}: {exc}",
            hint="reinstall pmbridge; pmbridge/flower/app/pyproject.toml names the app's modules",
        ) from exc
    return found


@cache
def pmbridge_bundle() -> AppBundle:
    """The FAB of the learning app installed with this pmbridge (built once per process)."""
    return build_bundle(APP_DIR)
