"""Where PM Bridge finds its reference data (HPO release files, Chinese labels, mappings).

One directory, found in a documented order, so every component of a process reads the same release.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import platformdirs

import pmbridge
from pmbridge.errors import ReferenceDataMissing

ENV_VAR = "PMBRIDGE_DATA_DIR"

HPO_OBO = "hpo/hp.obo"
PHENOTYPE_HPOA = "hpo/phenotype.hpoa"
GENES_TO_PHENOTYPE = "hpo/genes_to_phenotype.txt"
HPO_ZH = "hpo-zh/hpo_zh.tsv"
REFERENCE_FILES = (HPO_OBO, PHENOTYPE_HPOA, GENES_TO_PHENOTYPE, HPO_ZH)
"""Every file a complete data directory holds, relative to it."""

DataDirSource = Literal["config", "env", "user", "checkout"]

# src/pmbridge/__init__.py -> parents[3] is the folder that holds the checkout.
_CHECKOUT_DATA = Path(pmbridge.__file__).resolve().parents[3] / "shared" / "data"


@dataclass(frozen=True, slots=True)
class DataDir:
    """A reference-data directory and how it was found (reported by ``pmbridge vocab info``)."""

    path: Path
    source: DataDirSource

    def file(self, relative: str) -> Path | None:
        """The file at ``relative`` (e.g. ``"hpo/phenotype.hpoa"``), or None when it is missing."""
        candidate = self.path / relative
        return candidate if candidate.is_file() else None

    def missing(self) -> tuple[str, ...]:
        """Which of :data:`REFERENCE_FILES` this directory lacks."""
        return tuple(name for name in REFERENCE_FILES if self.file(name) is None)


def user_data_dir() -> Path:
    """The per-user directory that ``pmbridge vocab fetch`` fills by default."""
    return Path(platformdirs.user_data_dir("pmbridge", appauthor=False))


def locate_data_dir(configured: Path | None = None) -> DataDir:
    """The reference-data directory, looked for in this order.

    1. ``configured`` (a config file or a CLI option);
    2. the environment variable ``PMBRIDGE_DATA_DIR``;
    3. the user data directory, when ``pmbridge vocab fetch`` has put ``hpo/hp.obo`` there;
    4. ``shared/data`` beside the checkout (developers and tests).

    A setting that names a directory which does not exist is an error rather than a reason to
    look further: silently reading another release would be worse than stopping.
    """
    if configured is not None:
        return _explicit(Path(configured), "config", "the data_dir setting / --data-dir option")
    from_env = os.environ.get(ENV_VAR, "").strip()
    if from_env:
        return _explicit(Path(from_env), "env", f"the environment variable {ENV_VAR}")
    user = user_data_dir()
    if (user / HPO_OBO).is_file():
        return DataDir(user, "user")
    if _CHECKOUT_DATA.is_dir():
        return DataDir(_CHECKOUT_DATA, "checkout")
    looked = [
        "the data_dir setting / --data-dir option (not set)",
        f"${ENV_VAR} (not set)",
        f"{user} (no {HPO_OBO})",
        f"{_CHECKOUT_DATA} (does not exist)",
    ]
    raise ReferenceDataMissing(
        "no reference-data directory found; looked in: " + "; ".join(looked),
        hint=f"run `pmbridge vocab fetch` to download the HPO release into {user}, "
        f"or set {ENV_VAR} to a directory holding hpo/hp.obo",
    )


def _explicit(path: Path, source: DataDirSource, setting: str) -> DataDir:
    path = path.expanduser()
    if not path.is_dir():
        raise ReferenceDataMissing(
            f"reference-data directory {path} (from {setting}) does not exist",
            hint=f"fix or unset {setting}, or run `pmbridge vocab fetch --dest {path}`",
        )
    return DataDir(path, source)
