"""The demo's reference data (the HPO release): found where PM Bridge always looks, or, on a machine
that has none, downloaded once from the official release into the user data directory."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from pmbridge.errors import ReferenceDataMissing, UpstreamError
from pmbridge.vocab import (
    BASE_URL_ENV_VAR,
    DEFAULT_RELEASE,
    ENV_VAR,
    DataDir,
    fetch_reference_data,
    locate_data_dir,
    reference_base_url,
    user_data_dir,
)
from pmbridge.vocab._fetch import MANIFEST

Say = Callable[[str], None]

PROGRESS_STEPS = 4
"""Lines per downloaded file (at 25 %, 50 %, 75 %, 100 %): progress that reads well in a log too."""
UNKNOWN_SIZE_STEP = 10 * 1024 * 1024
"""Without a Content-Length, a line every this many bytes."""


def ensure_reference_data(data_dir: Path | None = None, *, say: Say = print) -> DataDir:
    """The reference-data directory, fetched into :func:`user_data_dir` when none is found.

    A setting (``data_dir`` or ``$PMBRIDGE_DATA_DIR``) that names a missing folder stays an error:
    the user chose that folder, and filling another one would hide the mistake.
    """
    try:
        return locate_data_dir(data_dir)
    except ReferenceDataMissing:
        if data_dir is not None or os.environ.get(ENV_VAR, "").strip():
            raise
    target = user_data_dir()
    base_url = reference_base_url()
    say(
        f"reference data: none on this machine; downloading the HPO {DEFAULT_RELEASE} release "
        f"(about 65 MB, first run only) from {base_url} into {target}"
    )
    try:
        fetched = fetch_reference_data(dest=target, base_url=base_url, progress=DownloadLines(say))
    except UpstreamError as error:
        raise ReferenceDataMissing(
            f"no reference data on this machine, and downloading it failed: {error.message}",
            hint=f"connect this machine to the internet (or set {BASE_URL_ENV_VAR} to a mirror of "
            f"the HPO GitHub releases) and run the demo again; or point {ENV_VAR} (or --data-dir, or "
            "node.data_dir in a config) at a copy of the reference data fetched elsewhere with "
            "`pmbridge vocab fetch`; see docs/reference-data.md",
        ) from error
    say(f"reference data: {len(fetched)} files in {target}, their sha256 in {target / MANIFEST}")
    return DataDir(target, "user")


class DownloadLines:
    """A ``vocab`` fetch progress callback that says a few lines per file, not a bar."""

    def __init__(self, say: Say) -> None:
        self._say = say
        self._said: dict[str, int] = {}

    def __call__(self, name: str, received: int, total: int | None) -> None:
        if total:
            step = min(PROGRESS_STEPS, received * PROGRESS_STEPS // total)
            text = f"{_mb(received)} / {_mb(total)} MB ({received * 100 // total} %)"
        else:
            step = received // UNKNOWN_SIZE_STEP
            text = f"{_mb(received)} MB"
        if step > self._said.get(name, 0):
            self._said[name] = step
            self._say(f"  {name}: {text}")


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f}"
