"""``pmbridge vocab fetch``: downloads an official HPO release and the Chinese labels, all or nothing.

Files are staged in a temporary folder and renamed into place only once every download succeeded.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pmbridge.errors import ConfigError, UpstreamError, VocabularyError
from pmbridge.vocab._babelon import babelon_to_rows, rows_to_tsv
from pmbridge.vocab._datadir import HPO_OBO, HPO_ZH, user_data_dir
from pmbridge.vocab._obo import read_release

if TYPE_CHECKING:
    import httpx

DEFAULT_RELEASE = "2025-01-16"
DEFAULT_BASE_URL = "https://github.com"
BASE_URL_ENV_VAR = "PMBRIDGE_REFERENCE_URL"
"""Replaces :data:`DEFAULT_BASE_URL` (a mirror that keeps GitHub's paths, or a test's file server)."""
DEFAULT_ZH_REF = "62f1d254f93e47d87e874783019ccd7480400e76"
"""hpo-translations commit whose hp-zh labels (version 2024-08-13) the project was built with."""
HPO_FILES = ("hp.obo", "phenotype.hpoa", "genes_to_phenotype.txt")
MANIFEST = "MANIFEST.tsv"
MANIFEST_COLUMNS = ("file", "sha256", "url", "release", "fetched_at")
STAGING_PREFIX = ".fetch-"
STALE_STAGING_S = 24 * 3600.0
"""A staging folder this old was left by a fetch that was killed; a running one is never that old."""

Progress = Callable[[str, int, "int | None"], None]
"""Called as ``progress(file, bytes_received, total_bytes_or_None)`` while downloading."""


@dataclass(frozen=True, slots=True)
class FetchedFile:
    """One file that ``fetch_reference_data`` placed, as its MANIFEST row records it."""

    file: str
    sha256: str
    url: str
    release: str
    fetched_at: str


def reference_base_url() -> str:
    """Where the release is downloaded from: ``$PMBRIDGE_REFERENCE_URL``, else GitHub."""
    return os.environ.get(BASE_URL_ENV_VAR, "").strip() or DEFAULT_BASE_URL


def hpo_url(base_url: str, release: str, name: str) -> str:
    """Where GitHub serves one file of an HPO release."""
    root = base_url.rstrip("/")
    return f"{root}/obophenotype/human-phenotype-ontology/releases/download/v{release}/{name}"


def zh_url(base_url: str, ref: str) -> str:
    """Where GitHub serves the Chinese Babelon table at commit or branch ``ref``."""
    return f"{base_url.rstrip('/')}/obophenotype/hpo-translations/raw/{ref}/babelon/hp-zh.babelon.tsv"


def fetch_reference_data(
    *,
    dest: Path | None = None,
    release: str = DEFAULT_RELEASE,
    base_url: str | None = None,
    zh_ref: str = DEFAULT_ZH_REF,
    progress: Progress | None = None,
    timeout: float = 60.0,
) -> list[FetchedFile]:
    """Downloads hp.obo, phenotype.hpoa, genes_to_phenotype.txt and the zh labels into ``dest``.

    ``dest`` defaults to :func:`user_data_dir`, ``base_url`` to :func:`reference_base_url`. On any
    failure, or an interruption, ``dest`` is left as it was: a new (or empty) ``dest`` appears in
    one rename, complete with its MANIFEST; an existing one has each file replaced only after every
    download succeeded, ``hpo/hp.obo`` (what :func:`locate_data_dir` looks for) last.
    """
    target = dest if dest is not None else user_data_dir()
    root = base_url if base_url is not None else reference_base_url()
    staging = _staging_dir(target)
    import httpx  # here, not at import time: it costs 0.4 s and only fetch needs it

    fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        fetched: list[FetchedFile] = []
        with httpx.Client(follow_redirects=True, timeout=timeout) as client:
            for name in HPO_FILES:
                url = hpo_url(root, release, name)
                digest = _download(client, url, staging / "hpo" / name, progress)
                fetched.append(FetchedFile(f"hpo/{name}", digest, url, release, fetched_at))
            _check_release(staging / HPO_OBO, release)
            url = zh_url(root, zh_ref)
            _download(client, url, staging / "hp-zh.babelon.tsv", progress)
        digest = _convert_babelon(staging / "hp-zh.babelon.tsv", staging / HPO_ZH, url)
        (staging / "hp-zh.babelon.tsv").unlink()
        fetched.append(FetchedFile(HPO_ZH, digest, url, f"hpo-translations@{zh_ref}", fetched_at))
        _write_text(staging / MANIFEST, _manifest(fetched))
        _place(staging, target, [f.file for f in fetched])
    except OSError as error:
        raise ConfigError(f"cannot write the reference data into {target}: {error}") from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return fetched


def read_manifest(data_dir: Path) -> list[FetchedFile]:
    """The rows of ``<data_dir>/MANIFEST.tsv``; empty when the directory was not fetched."""
    path = data_dir / MANIFEST
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    return [FetchedFile(*line.split("\t")[:5]) for line in lines if line.count("\t") >= 4]


def _download(client: httpx.Client, url: str, path: Path, progress: Progress | None) -> str:
    """Streams ``url`` into ``path``; returns its sha256."""
    import httpx

    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    label = path.name
    try:
        with client.stream("GET", url) as response:
            response.raise_for_status()
            declared = response.headers.get("content-length")
            total = int(declared) if declared and declared.isdigit() else None
            received = 0
            with path.open("wb") as out:
                for chunk in response.iter_bytes():
                    out.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    if progress is not None:
                        progress(label, received, total)
    except httpx.HTTPStatusError as error:
        raise UpstreamError(
            f"{url} answered HTTP {error.response.status_code}; nothing was changed",
            hint="check --release (e.g. 2025-01-16, see the HPO GitHub releases) and --base-url",
        ) from error
    except httpx.HTTPError as error:
        raise UpstreamError(
            f"downloading {url} failed ({type(error).__name__}: {error}); nothing was changed",
            hint="check the network or proxy settings and run `pmbridge vocab fetch` again",
        ) from error
    return digest.hexdigest()


def _staging_dir(target: Path) -> Path:
    """A fresh staging folder on ``target``'s file system: beside a new or empty ``target`` (so
    that it can become ``target`` in one rename), otherwise inside it. Stale ones are removed."""
    try:
        fresh = not target.exists() or not any(target.iterdir())
        parent = target.parent if fresh else target
        parent.mkdir(parents=True, exist_ok=True)
        prefix = f".{target.name}{STAGING_PREFIX}" if fresh else STAGING_PREFIX
        _remove_stale(parent, prefix)
        staging = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
        staging.chmod(0o755)  # not mkdtemp's 0700: it may become the (shared, public) data folder
    except OSError as error:
        raise ConfigError(f"cannot write to {target}: {error}", hint="choose another --dest") from error
    return staging


def _remove_stale(parent: Path, prefix: str) -> None:
    for leftover in parent.glob(f"{prefix}*"):
        if leftover.is_dir() and time.time() - leftover.stat().st_mtime > STALE_STAGING_S:
            shutil.rmtree(leftover, ignore_errors=True)


def _place(staging: Path, target: Path, files: list[str]) -> None:
    """Moves the staged files into ``target``: the whole folder at once when ``target`` is new."""
    if staging.parent != target:
        try:
            os.replace(staging, target)  # POSIX replaces an empty directory in one step
            return
        except OSError:
            target.mkdir(parents=True, exist_ok=True)  # e.g. Windows: fall back to file by file
    ordered = sorted([*files, MANIFEST], key=lambda name: name == HPO_OBO)
    for name in ordered:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / name, target / name)


def _check_release(obo: Path, release: str) -> None:
    try:
        found = read_release(obo)
    except (VocabularyError, UnicodeDecodeError) as error:
        raise UpstreamError(f"the downloaded hp.obo is not an OBO file ({error})") from error
    if found != release:
        raise UpstreamError(
            f"the downloaded hp.obo is release {found}, not {release}; nothing was changed",
            hint="check --release and --base-url",
        )


def _convert_babelon(source: Path, target: Path, url: str) -> str:
    with source.open(encoding="utf-8", newline="") as lines:
        rows = babelon_to_rows(lines)
    if not rows:
        raise UpstreamError(f"{url} holds no official Chinese rdfs:label rows; nothing was changed")
    return _write_text(target, rows_to_tsv(rows))


def _write_text(path: Path, text: str) -> str:
    data = text.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def _manifest(files: list[FetchedFile]) -> str:
    rows = ["\t".join(MANIFEST_COLUMNS)]
    rows += ["\t".join((f.file, f.sha256, f.url, f.release, f.fetched_at)) for f in files]
    return "\n".join(rows) + "\n"
