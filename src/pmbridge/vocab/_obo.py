"""A fast scan of ``hp.obo`` for what hpo3 does not expose: the release, alternative ids, is_a.

hpo3 forgets ``alt_id`` lines and knows no release until it has loaded; both are needed before.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from pmbridge.errors import VocabularyError

if TYPE_CHECKING:
    from collections.abc import Mapping

ONSET_ROOT = "HP:0003674"
"""HPO "Onset": its subtree holds the onset terms (congenital, infantile, adult, ...)."""

_RELEASE_PREFIXES = ("data-version: hp/releases/", "data-version: releases/", "data-version: ")


@dataclass(frozen=True, slots=True)
class OboScan:
    """What one ``hp.obo`` says besides the graph that hpo3 loads."""

    release: str
    alt_ids: Mapping[str, str]
    """Alternative (merged) id -> the primary id of the term that absorbed it."""
    parents: Mapping[str, tuple[str, ...]]
    """Term -> its direct is_a parents (obsolete terms have none)."""

    def descendants(self, root: str) -> frozenset[str]:
        """``root`` and every term below it, from the is_a lines of this file."""
        children: dict[str, list[str]] = defaultdict(list)
        for term, parents in self.parents.items():
            for parent in parents:
                children[parent].append(term)
        found = {root}
        stack = [root]
        while stack:
            for child in children.get(stack.pop(), ()):
                if child not in found:
                    found.add(child)
                    stack.append(child)
        return frozenset(found)


def read_release(path: Path) -> str:
    """The release named in the header of ``hp.obo`` (e.g. ``2025-01-16``), reading only the header."""
    with path.open(encoding="utf-8") as lines:
        return _release_from_header(lines, path)


def scan_obo(path: Path) -> OboScan:
    """Release, alt ids and is_a parents of ``hp.obo`` (cached per file and modification)."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is None:
            cached = _CACHE[key] = _scan(path)
        return cached


_LOCK = threading.Lock()
_CACHE: dict[tuple[str, int, int], OboScan] = {}


def _scan(path: Path) -> OboScan:
    text = path.read_text(encoding="utf-8")
    release = _release_from_header(text[: text.find("\n[")].splitlines(), path)
    alt_ids: dict[str, str] = {}
    parents: dict[str, list[str]] = {}
    current: str | None = None
    # One regex pass is ~5x faster than a Python loop over the 195k lines of hp.obo.
    for key, value in _TAGS.findall(text):
        if key == "id: ":
            current = value
        elif key == "[" or current is None:
            current = None
        elif key == "is_a: ":
            parents.setdefault(current, []).append(value)
        else:
            alt_ids[value] = current
    frozen = {term: tuple(found) for term, found in parents.items()}
    return OboScan(release, MappingProxyType(alt_ids), MappingProxyType(frozen))


_TAGS = re.compile(r"^(\[|id: |is_a: |alt_id: )(\S*)", re.MULTILINE)


def _release_from_header(lines: Iterable[str], path: Path) -> str:
    """Reads header lines up to the first stanza; leaves ``lines`` positioned there."""
    for line in lines:
        if line.startswith("["):
            break
        for prefix in _RELEASE_PREFIXES:
            if line.startswith(prefix):
                return line[len(prefix) :].strip()
    raise VocabularyError(
        f"{path} has no 'data-version:' header line, so its HPO release is unknown",
        hint="use the hp.obo of an official HPO release (`pmbridge vocab fetch`)",
    )
