"""An HPO release reduced to what ingest needs (id -> current id, the is_a closure), cached on disk.

Loading hpo3 takes over a second; the index of a release is read back from the cache in
milliseconds, so a command like ``pmbridge ingest`` starts fast after its first run.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs
import pyarrow as pa
from pyarrow import feather

from pmbridge.vocab._datadir import HPO_OBO, DataDir
from pmbridge.vocab._hpo import Hpo
from pmbridge.vocab._obo import read_release

CACHE_ENV_VAR = "PMBRIDGE_CACHE_DIR"
_FORMAT = 1  # bump when the cached layout changes


@dataclass(frozen=True, slots=True)
class HpoIndex:
    """One release's id map and closure table; no hpo3 needed to use it."""

    release: str
    current: Mapping[str, str]
    """Every known id (current, alternative, obsolete with a replacement) -> its current id."""
    closure: pa.Table
    """Columns ``term``, ``ancestor``: every current term with each of its ancestors and itself."""

    def canonical_id(self, term_id: str) -> str | None:
        """The current id of ``term_id``, or None when the release does not know it."""
        return self.current.get(term_id)

    @classmethod
    def from_hpo(cls, hpo: Hpo) -> HpoIndex:
        terms: list[str] = []
        ancestors: list[str] = []
        for term, ancestor in hpo.closure():
            terms.append(term)
            ancestors.append(ancestor)
        closure = pa.table({"term": terms, "ancestor": ancestors})
        return cls(release=hpo.release, current=dict(hpo.id_pairs()), closure=closure)


def cache_dir() -> Path:
    """Where derived indexes live: ``PMBRIDGE_CACHE_DIR`` or the user cache directory."""
    configured = os.environ.get(CACHE_ENV_VAR, "").strip()
    return Path(configured) if configured else Path(platformdirs.user_cache_dir("pmbridge"))


def load_hpo_index(data_dir: DataDir | None) -> HpoIndex:
    """The index of the HPO release in ``data_dir``, from the cache or built (and cached) from hpo3."""
    obo = data_dir.file(HPO_OBO) if data_dir is not None else None
    if obo is None:  # hpo3's built-in release: Hpo.load warns about the fallback
        return HpoIndex.from_hpo(Hpo.load(data_dir))
    stat = obo.stat()
    release = read_release(obo)
    path = cache_dir() / f"hpo-index-v{_FORMAT}-{release}-{stat.st_size}-{stat.st_mtime_ns}.arrow"
    if path.exists():
        table = feather.read_table(path)
        ids = table.column("id").to_pylist()
        current = table.column("current").to_pylist()
        closure = feather.read_table(path.with_suffix(".closure.arrow"))
        return HpoIndex(release=release, current=dict(zip(ids, current, strict=True)), closure=closure)
    index = HpoIndex.from_hpo(Hpo.load(data_dir))
    _write(path, index)
    return index


def _write(path: Path, index: HpoIndex) -> None:
    """Write both files atomically; a cache that cannot be written is only slower, never wrong."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        ids = pa.table({"id": list(index.current), "current": list(index.current.values())})
        for target, table in ((path.with_suffix(".closure.arrow"), index.closure), (path, ids)):
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            os.close(fd)
            feather.write_feather(table, tmp)
            Path(tmp).replace(target)
    except OSError:
        return
